package http2

import (
	"bytes"
	"io"
	"testing"

	"golang.org/x/net/http2"
)

// dataFrames returns n DATA frames of size bytes each on stream id.
func dataFrames(id uint32, n, size int) []byte {
	s := newFakeServer()
	p := bytes.Repeat([]byte("d"), size)
	for range n {
		s.fr.WriteData(id, false, p)
	}
	return s.take()
}

// BenchmarkReceiveData measures the steady state of a running stream: 16
// KiB DATA frames arriving in 64 KiB reads (cut across frame boundaries),
// consumed as they come, window updates written out. It must not allocate.
func BenchmarkReceiveData(b *testing.B) {
	c := handshake(b, Config{})
	id := get(b, c, "/")
	c.Consumed(len(c.Outbound()))
	if _, err := logEvents(c, [][]byte{newFakeServer().headers(id, false, ":status", "200").take()}); err != nil {
		b.Fatal(err)
	}
	frames := dataFrames(id, 64, 16<<10) // 1 MiB
	const read = 64 << 10
	b.SetBytes(int64(len(frames)))
	b.ReportAllocs()
	for b.Loop() {
		for in := frames; len(in) > 0; {
			chunk := in[:min(read, len(in))]
			in = in[len(chunk):]
			for {
				n, ev, err := c.Next(chunk)
				if err != nil {
					b.Fatal(err)
				}
				chunk = chunk[n:]
				if ev.Kind == EventNeedMore {
					break
				}
				c.DataConsumed(ev.Stream, len(ev.Data))
			}
			c.Consumed(len(c.Outbound()))
		}
	}
}

// BenchmarkOwnCodecData measures this package's frame reader alone over 16
// KiB DATA frames in 64 KiB reads, for comparison with
// BenchmarkFramerData. Reported per frame.
func BenchmarkOwnCodecData(b *testing.B) {
	c := handshake(b, Config{ConnWindow: maxWindow, StreamWindow: maxWindow})
	id := get(b, c, "/")
	if _, err := logEvents(c, [][]byte{newFakeServer().headers(id, false, ":status", "200").take()}); err != nil {
		b.Fatal(err)
	}
	frames := dataFrames(id, 64, 16<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 64 {
		for in := frames; len(in) > 0; {
			chunk := in[:min(64<<10, len(in))]
			in = in[len(chunk):]
			for {
				n, ev, err := c.Next(chunk)
				if err != nil {
					b.Fatal(err)
				}
				chunk = chunk[n:]
				if ev.Kind == EventNeedMore {
					break
				}
				c.DataConsumed(ev.Stream, len(ev.Data))
			}
			c.Consumed(len(c.Outbound()))
		}
	}
}

// BenchmarkFramerData measures x/net's Framer reading the same DATA frames
// from a reader of 64 KiB reads, frames reused. Reported per frame.
func BenchmarkFramerData(b *testing.B) {
	frames := dataFrames(1, 64, 16<<10)
	r := &chunkReader{chunk: 64 << 10}
	fr := http2.NewFramer(nil, r)
	fr.SetReuseFrames()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 64 {
		r.data = frames
		for {
			f, err := fr.ReadFrame()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			_ = f.(*http2.DataFrame).Data()
		}
	}
}

// BenchmarkFramerDataNoReuse is BenchmarkFramerData without SetReuseFrames.
func BenchmarkFramerDataNoReuse(b *testing.B) {
	frames := dataFrames(1, 64, 16<<10)
	r := &chunkReader{chunk: 64 << 10}
	fr := http2.NewFramer(nil, r)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 64 {
		r.data = frames
		for {
			f, err := fr.ReadFrame()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			_ = f.(*http2.DataFrame).Data()
		}
	}
}

// chunkReader returns data in reads of at most chunk bytes.
type chunkReader struct {
	data  []byte
	chunk int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// BenchmarkGetRoundTrip measures a small GET on a running connection: open
// the stream, read its response header, 1 KiB of DATA and END_STREAM.
func BenchmarkGetRoundTrip(b *testing.B) {
	c := handshake(b, Config{})
	req := &Request{Method: "GET", Scheme: "https", Authority: "example.com", Path: "/index.html",
		Header: []Field{{"user-agent", "xfer"}, {"accept", "*/*"}}}
	srv := newFakeServer()
	body := bytes.Repeat([]byte("b"), 1024)
	var resp []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		id, err := c.OpenStream(req)
		if err != nil {
			b.Fatal(err)
		}
		c.Consumed(len(c.Outbound()))
		srv.headers(id, false, ":status", "200", "content-type", "text/html", "content-length", "1024")
		srv.fr.WriteData(id, true, body)
		resp = append(resp[:0], srv.buf.Bytes()...)
		srv.buf.Reset()
		for in := resp; ; {
			n, ev, err := c.Next(in)
			if err != nil {
				b.Fatal(err)
			}
			in = in[n:]
			if ev.Kind == EventNeedMore {
				break
			}
			if ev.Kind == EventData {
				c.DataConsumed(ev.Stream, len(ev.Data))
			}
		}
		c.Consumed(len(c.Outbound()))
	}
}
