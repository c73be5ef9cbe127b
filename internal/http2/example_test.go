package http2_test

import (
	"bytes"
	"fmt"

	"github.com/xfer-go/xfer/internal/http2"
	xhttp2 "golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// serverBytes returns what a server might send for a GET on stream 1: its
// SETTINGS, a 103 Early Hints, the response header and a body in two DATA
// frames.
func serverBytes() []byte {
	var buf, hb bytes.Buffer
	fr := xhttp2.NewFramer(&buf, nil)
	enc := hpack.NewEncoder(&hb)
	block := func(kv ...string) []byte {
		hb.Reset()
		for i := 0; i < len(kv); i += 2 {
			enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		return hb.Bytes()
	}
	fr.WriteSettings(xhttp2.Setting{ID: xhttp2.SettingMaxConcurrentStreams, Val: 250})
	fr.WriteHeaders(xhttp2.HeadersFrameParam{StreamID: 1, EndHeaders: true,
		BlockFragment: block(":status", "103", "link", "</style.css>; rel=preload")})
	fr.WriteHeaders(xhttp2.HeadersFrameParam{StreamID: 1, EndHeaders: true,
		BlockFragment: block(":status", "200", "content-type", "text/plain", "content-length", "11")})
	fr.WriteData(1, false, []byte("hello "))
	fr.WriteData(1, true, []byte("world"))
	return buf.Bytes()
}

// Example sends a GET and reads its response from bytes that arrive in two
// pieces, as they might from two reads of a socket. The header lines are
// printed as libcurl shows them.
func Example() {
	c := http2.NewClientConn(http2.Config{})
	id, err := c.OpenStream(&http2.Request{Method: "GET", Scheme: "https", Authority: "example.com", Path: "/"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("stream %d, %d bytes to write\n", id, len(c.Outbound()))
	c.Consumed(len(c.Outbound())) // written to the socket

	in := serverBytes()
	var line []byte
	for _, piece := range [][]byte{in[:40], in[40:]} {
		for {
			n, ev, err := c.Next(piece)
			if err != nil {
				fmt.Println(err)
				return
			}
			piece = piece[n:]
			switch ev.Kind {
			case http2.EventSettings:
				fmt.Println("server allows", c.PeerSettings().MaxConcurrentStreams, "streams")
			case http2.EventHeaders:
				line = http2.AppendStatusLine(line[:0], ev.Status)
				for _, f := range ev.Fields {
					line = http2.AppendFieldLine(line, f)
				}
				fmt.Printf("%q\n", append(line, "\r\n"...))
			case http2.EventData:
				fmt.Printf("body %q\n", ev.Data)
				c.DataConsumed(ev.Stream, len(ev.Data))
			case http2.EventEndStream:
				fmt.Println("stream", ev.Stream, "complete")
			}
			if ev.Kind == http2.EventNeedMore {
				break // read more from the socket
			}
		}
	}
	fmt.Printf("%d bytes to write: the SETTINGS acknowledgement\n", len(c.Outbound()))
	// Output:
	// stream 1, 98 bytes to write
	// server allows 250 streams
	// "HTTP/2 103\r\nlink: </style.css>; rel=preload\r\n\r\n"
	// "HTTP/2 200\r\ncontent-type: text/plain\r\ncontent-length: 11\r\n\r\n"
	// body "hello "
	// body "world"
	// stream 1 complete
	// 9 bytes to write: the SETTINGS acknowledgement
}
