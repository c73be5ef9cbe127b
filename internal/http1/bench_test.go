package http1

import (
	"bytes"
	"net/http"
	"runtime"
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

// Responses whose cost TestResponseAllocs and BenchmarkResponseFields
// measure, with the encoding of their fields.
var (
	oneField       = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	oneFieldRaw    = "Content-Length:5\n"
	typical        = "HTTP/1.1 200 OK\r\nDate: Mon, 02 Jan 2006 15:04:05 GMT\r\nServer: nginx/1.25.3\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\nConnection: keep-alive\r\nCache-Control: max-age=0\r\n\r\nhello"
	typicalRaw     = "Date:Mon, 02 Jan 2006 15:04:05 GMT\nServer:nginx/1.25.3\nContent-Type:text/html; charset=utf-8\nContent-Length:5\nConnection:keep-alive\nCache-Control:max-age=0\n"
	sizedResponses = []struct{ name, in, raw string }{{"1 field", oneField, oneFieldRaw}, {"6 fields", typical, typicalRaw}}
)

// BenchmarkResponseFields measures whole responses of 1 and 6 fields with a
// reused Parser, then reading one field and making the header map.
func BenchmarkResponseFields(b *testing.B) {
	for _, r := range sizedResponses {
		in := []byte(r.in)
		var p Parser
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Reset("GET")
				readResponse(b, &p, in)
			}
		})
		b.Run(r.name+"/Get", func(b *testing.B) {
			f := p.Fields()
			b.ReportAllocs()
			for b.Loop() {
				if f.Get("content-length") != "5" {
					b.Fatal("no Content-Length")
				}
			}
		})
		b.Run(r.name+"/Header", func(b *testing.B) {
			f := p.Fields()
			b.ReportAllocs()
			for b.Loop() {
				if f.Header() == nil {
					b.Fatal("nil")
				}
			}
		})
	}
}

// TestResponseAllocs guards the cost of a response head with a reused
// Parser: one allocation, of the size of the recorded fields, which is
// all that stays behind once the head is read; and Fields.Get does not
// allocate.
func TestResponseAllocs(t *testing.T) {
	for _, r := range sizedResponses {
		in := []byte(r.in)
		var p Parser
		parse := func() {
			p.Reset("GET")
			readResponse(t, &p, in)
		}
		parse()
		f := p.Fields()
		if f.raw != r.raw || f.Len() != len(r.raw) {
			t.Fatalf("%s: fields %q, want %q", r.name, f.raw, r.raw)
		}
		if p.rec != nil || p.buf != nil {
			t.Errorf("%s: the Parser keeps a buffer", r.name)
		}
		if cap(p.hdr) > len(r.raw)+16 {
			t.Errorf("%s: the Parser keeps %d B for %d B of fields", r.name, cap(p.hdr), len(r.raw))
		}
		if n := testing.AllocsPerRun(100, parse); n != 0 {
			t.Errorf("%s: %v allocations per response, want 0", r.name, n)
		}
		if n := testing.AllocsPerRun(100, func() { fieldsSink = p.Fields() }); n != 1 {
			t.Errorf("%s: %v allocations per Fields, want 1 (the copy)", r.name, n)
		}
		if n := testing.AllocsPerRun(100, func() { p.Get("Content-Length") }); n != 0 { // "5" is not allocated
			t.Errorf("%s: %v allocations per Parser.Get", r.name, n)
		}
		if n := testing.AllocsPerRun(100, func() { f.Get("content-length") }); n != 0 {
			t.Errorf("%s: %v allocations per Get", r.name, n)
		}
		if raceEnabled {
			continue // sync.Pool drops buffers at random
		}
		// The runtime rounds an allocation up to its size class: at most
		// the next multiple of 16 at these sizes.
		limit := uint64(len(r.raw)+15) &^ 15
		const runs = 1000
		kept := make([]Fields, runs)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC() // the second one frees what the first left in sync.Pools
		runtime.ReadMemStats(&before)
		for i := range kept {
			parse()
			kept[i] = p.Fields()
		}
		runtime.ReadMemStats(&after)
		allocated := (after.TotalAlloc - before.TotalAlloc) / runs
		runtime.GC()
		runtime.ReadMemStats(&after)
		retained := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / runs
		runtime.KeepAlive(kept)
		t.Logf("%s: %d B fields; %d B allocated, %d B retained per response", r.name, len(r.raw), allocated, retained)
		// Allow 4 B a response for one-off allocations, such as a new
		// buffer in sync.Pool after a collection.
		if allocated > limit+4 || retained > int64(limit+4) {
			t.Errorf("%s: %d B allocated, %d B retained per response; want at most %d", r.name, allocated, retained, limit)
		}
	}
}

// fieldsSink keeps a result alive, so that the compiler cannot drop its allocation.
var fieldsSink Fields

// readResponse feeds a whole response to p.
func readResponse(tb testing.TB, p *Parser, in []byte) {
	for {
		n, ev, err := p.Next(in)
		if err != nil {
			tb.Fatal(err)
		}
		in = in[n:]
		if ev == EventDone {
			return
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
