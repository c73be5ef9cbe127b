package decode

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// rawDeflate stands for "deflate" sent as raw deflate, without zlib's header;
// it is only a test marker for the encoders.
const rawDeflate Coding = 100

// encodeOne codes p with c, as a server would.
func encodeOne(tb testing.TB, c Coding, p []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch c {
	case Gzip:
		w = gzip.NewWriter(&buf)
	case Deflate:
		w = zlib.NewWriter(&buf)
	case rawDeflate:
		w, err = flate.NewWriter(&buf, flate.DefaultCompression)
	case Brotli:
		w = brotli.NewWriter(&buf)
	case Zstd:
		w, err = zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
	default:
		tb.Fatalf("no encoder for %v", c)
	}
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(p); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// encode applies codings in order, and returns the coded body and the stack
// a Decoder needs for it.
func encode(tb testing.TB, codings []Coding, p []byte) ([]byte, []Coding) {
	tb.Helper()
	stack := make([]Coding, len(codings))
	for i, c := range codings {
		p = encodeOne(tb, c, p)
		if c == rawDeflate {
			c = Deflate
		}
		stack[i] = c
	}
	return p, stack
}

// decodeAll feeds coded to d in pieces of the given sizes (cycled), the way
// the engine does: each piece is copied into a shared read buffer that is
// overwritten after the piece was handled. It returns everything decoded and
// the final error (nil for a clean end).
func decodeAll(d *Decoder, coded []byte, sizes ...int) ([]byte, error) {
	var out []byte
	shared := make([]byte, 0, 64<<10)
	drain := func() error {
		for {
			p, err := d.Output()
			if len(p) > ChunkSize {
				panic("Output returned more than ChunkSize")
			}
			if err != nil {
				return err
			}
			if len(p) == 0 {
				return nil
			}
			out = append(out, p...)
			d.Consumed(len(p))
		}
	}
	for i := 0; len(coded) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(coded))
		shared = append(shared[:0], coded[:n]...)
		coded = coded[n:]
		d.Feed(shared)
		err := drain()
		d.Keep()
		for j := range shared {
			shared[j] = 0xA5 // the read buffer is reused
		}
		if err != nil {
			return out, err
		}
	}
	d.FeedEOF()
	err := drain()
	if err == io.EOF {
		err = nil
	} else if err == nil {
		err = errors.New("test: no io.EOF after FeedEOF")
	}
	return out, err
}

// testData returns n bytes that compress somewhat, like text and markup.
func testData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := []string{"the ", "decoder ", "<div class=\"x\">", "event ", "loop ", "\n", "0123 ", "gzip ", "stream ", "</div>"}
	var b []byte
	for len(b) < n {
		if r.IntN(20) == 0 {
			b = append(b, byte(r.Uint32()))
			continue
		}
		b = append(b, words[r.IntN(len(words))]...)
	}
	return b[:n]
}

// randomData returns n bytes that do not compress.
func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
