package http1_test

import (
	"fmt"

	"github.com/xfer-go/xfer/internal/http1"
)

// Example feeds a response that arrives in two pieces, as it might from two
// reads of a socket.
func Example() {
	pieces := []string{
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
		"lo\r\n6\r\n world\r\n0\r\n\r\n",
	}
	var p http1.Parser
	p.Reset("GET")
	for _, piece := range pieces {
		in := []byte(piece)
		for {
			n, ev, err := p.Next(in)
			if err != nil {
				fmt.Println("error:", err)
				return
			}
			in = in[n:]
			switch ev {
			case http1.EventHeaderLine:
				fmt.Printf("line %q\n", p.Line())
			case http1.EventResponse:
				fmt.Println("status", p.Status, p.Fields().Get("Content-Type"), "chunked:", p.Chunked)
			case http1.EventBody:
				fmt.Printf("body %q\n", p.Body())
			case http1.EventDone:
				fmt.Println("done, keep-alive:", p.KeepAlive())
				return
			}
			if ev == http1.EventNeedMore {
				break // read more from the connection
			}
		}
	}
	// Output:
	// line "HTTP/1.1 200 OK\r\n"
	// line "Content-Type: text/plain\r\n"
	// line "Transfer-Encoding: chunked\r\n"
	// line "\r\n"
	// status 200 text/plain chunked: true
	// body "hel"
	// body "lo"
	// body " world"
	// line "\r\n"
	// done, keep-alive: true
}
