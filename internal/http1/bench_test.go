package http1

import (
	"bytes"
	"net/http"
	"testing"
)

// BenchmarkBodyContentLength measures Next over the body of a response with
// a Content-Length, fed in 16 KiB reads; it must not allocate.
func BenchmarkBodyContentLength(b *testing.B) {
	const read = 16 << 10
	data := bytes.Repeat([]byte("x"), read)
	var p Parser
	p.Reset("GET")
	head := []byte("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n")
	readHead(b, &p, head)
	b.SetBytes(read)
	b.ReportAllocs()
	for b.Loop() {
		in := data
		for len(in) > 0 {
			n, ev, err := p.Next(in)
			if err != nil || ev != EventBody {
				b.Fatal(ev, err)
			}
			in = in[n:]
		}
	}
}

// BenchmarkBodyChunked measures Next over a chunked body of 4 KiB chunks,
// fed in 16 KiB reads; it must not allocate.
func BenchmarkBodyChunked(b *testing.B) {
	var data []byte
	for range 4 {
		data = AppendChunk(data, bytes.Repeat([]byte("y"), 4<<10-10))
	}
	var p Parser
	p.Reset("GET")
	head := []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
	readHead(b, &p, head)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		in := data
		for len(in) > 0 {
			n, _, err := p.Next(in)
			if err != nil {
				b.Fatal(err)
			}
			in = in[n:]
		}
	}
}

// BenchmarkResponse measures a whole small response, header included,
// with a reused Parser.
func BenchmarkResponse(b *testing.B) {
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Mon, 02 Jan 2006 15:04:05 GMT\r\nContent-Length: 5\r\n\r\nhello")
	var p Parser
	b.SetBytes(int64(len(resp)))
	b.ReportAllocs()
	for b.Loop() {
		p.Reset("GET")
		in := resp
		for {
			n, ev, err := p.Next(in)
			if err != nil {
				b.Fatal(err)
			}
			in = in[n:]
			if ev == EventDone {
				break
			}
		}
	}
}

// BenchmarkAppendRequestHead measures writing a typical request head.
func BenchmarkAppendRequestHead(b *testing.B) {
	r := &Request{Method: "GET", Target: "/index.html", Host: "example.com", Header: http.Header{"Accept-Encoding": {"gzip"}}}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendRequestHead(buf[:0], r); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBodyNoAllocs guards the steady state: Next over body bytes does not
// allocate, for Content-Length and chunked bodies.
func TestBodyNoAllocs(t *testing.T) {
	for _, head := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
	} {
		var p Parser
		p.Reset("GET")
		readHead(t, &p, []byte(head))
		data := bytes.Repeat([]byte("z"), 1000)
		if p.Chunked {
			data = AppendChunk(nil, data)
		}
		allocs := testing.AllocsPerRun(100, func() {
			for in := data; len(in) > 0; {
				n, _, err := p.Next(in)
				if err != nil {
					t.Fatal(err)
				}
				in = in[n:]
			}
		})
		if allocs != 0 {
			t.Errorf("%q: %v allocations per body read", head, allocs)
		}
	}
}

// readHead feeds a response head to p until it needs more.
func readHead(tb testing.TB, p *Parser, in []byte) {
	for {
		n, ev, err := p.Next(in)
		if err != nil {
			tb.Fatal(err)
		}
		in = in[n:]
		if ev == EventNeedMore {
			return
		}
	}
}
