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

// fuzzCap is how much a fuzz case decodes at most: a small input can be a
// bomb, and the engine would stop it with MaxFileSize.
const fuzzCap = 4 << 20

// fuzzStacks are the stacks FuzzDecode picks from.
var fuzzStacks = [][]Coding{
	{Gzip}, {Deflate}, {rawDeflate}, {Brotli}, {Zstd},
	{Gzip, Brotli}, {Zstd, Deflate}, {Brotli, Zstd, Gzip},
}

// FuzzDecode decodes, in random chunkings, streams made from the input by
// the encoders, the same with one byte flipped, and the raw input as a
// corrupt stream. However the bytes are split, the Decoder never panics,
// never returns more than ChunkSize at once, decodes the same bytes and
// fails or not alike; and valid streams decode to the input.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("hello, hello, hello"), uint8(0), uint64(1))
	f.Add(testData(3000, 1), uint8(3), uint64(2))
	f.Add(randomData(500, 2), uint8(7), uint64(3))
	for i, codings := range fuzzStacks {
		coded, _ := encode(f, codings, testData(1000, uint64(i)))
		f.Add(coded, uint8(i), uint64(i))
	}
	zenc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<16))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, sel uint8, seed uint64) {
		codings := fuzzStacks[int(sel)%len(fuzzStacks)]
		stack := make([]Coding, len(codings))
		coded := data
		for i, c := range codings {
			coded = fuzzEncode(t, zenc, c, coded)
			if c == rawDeflate {
				c = Deflate
			}
			stack[i] = c
		}
		r := rand.New(rand.NewPCG(seed, 3))

		got, err := checkSplits(t, stack, coded, r)
		if err != nil {
			t.Fatalf("a valid stream: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("decoded %d bytes, want the %d input bytes", len(got), len(data))
		}

		if len(coded) > 0 {
			bad := bytes.Clone(coded)
			bad[r.IntN(len(bad))] ^= byte(1 + r.IntN(255))
			checkSplits(t, stack, bad, r)
		}
		checkSplits(t, stack, data, r)
	})
}

// checkSplits decodes coded whole and in a random chunking, and checks that
// both agree. It returns the whole decoding's result.
func checkSplits(t *testing.T, stack []Coding, coded []byte, r *rand.Rand) ([]byte, error) {
	t.Helper()
	whole, errWhole := fuzzDecode(stack, coded, func() int { return len(coded) })
	max := 1 + r.IntN(64)
	split, errSplit := fuzzDecode(stack, coded, func() int { return 1 + r.IntN(max) })
	for _, err := range []error{errWhole, errSplit} {
		if err != nil && err != errCapped && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v does not match ErrCorrupt", err)
		}
	}
	if errWhole == errCapped || errSplit == errCapped {
		n := min(len(whole), len(split))
		if !bytes.Equal(whole[:n], split[:n]) {
			t.Fatal("decoded different bytes when split")
		}
		return whole, errWhole
	}
	if (errWhole == nil) != (errSplit == nil) {
		t.Fatalf("whole: %v; split: %v", errWhole, errSplit)
	}
	if errWhole == nil && !bytes.Equal(whole, split) {
		t.Fatal("decoded different bytes when split")
	}
	if errWhole != nil {
		short, long := whole, split
		if len(short) > len(long) {
			short, long = long, short
		}
		if !bytes.HasPrefix(long, short) {
			t.Fatal("decoded different bytes before the error when split")
		}
	}
	return whole, errWhole
}

var errCapped = errors.New("test: decoded more than fuzzCap")

// fuzzDecode is decodeAll with pieces of size next() and a cap.
func fuzzDecode(stack []Coding, coded []byte, next func() int) ([]byte, error) {
	d := NewDecoder(stack)
	defer d.Close()
	var out []byte
	drain := func() error {
		for {
			p, err := d.Output()
			if len(p) > ChunkSize {
				panic("Output returned more than ChunkSize")
			}
			if err != nil || len(p) == 0 {
				return err
			}
			out = append(out, p...)
			d.Consumed(len(p))
			if len(out) > fuzzCap {
				return errCapped
			}
		}
	}
	for len(coded) > 0 {
		n := min(next(), len(coded))
		d.Feed(coded[:n])
		coded = coded[n:]
		if err := drain(); err != nil {
			return out, err
		}
	}
	d.FeedEOF()
	if err := drain(); err != io.EOF {
		if err == nil {
			panic("no io.EOF after FeedEOF")
		}
		return out, err
	}
	return out, nil
}

// fuzzEncode codes p with c quickly.
func fuzzEncode(t *testing.T, zenc *zstd.Encoder, c Coding, p []byte) []byte {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch c {
	case Gzip:
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	case Deflate:
		w, _ = zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	case rawDeflate:
		w, _ = flate.NewWriter(&buf, flate.BestSpeed)
	case Brotli:
		w = brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: 1, LGWin: 16})
	case Zstd:
		return zenc.EncodeAll(p, nil)
	}
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBrotliEndInPieces decodes brotli streams fed in pieces of every size from 1 to 40
// bytes: the end of a stream that arrives in pieces is no "excessive input", and a byte
// after the end is ErrTrailingData however the bytes are split.
func TestBrotliEndInPieces(t *testing.T) {
	checkLeaks(t)
	for _, size := range []int{100, 2247, 20000} {
		data := testData(size, uint64(size))
		coded := fuzzEncode(t, nil, Brotli, data)
		for piece := 1; piece <= 40; piece++ {
			got, err := fuzzDecode([]Coding{Brotli}, coded, func() int { return piece })
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%d bytes in pieces of %d: %v, %d bytes", size, piece, err, len(got))
			}
			extra := append(bytes.Clone(coded), 'x')
			if _, err := fuzzDecode([]Coding{Brotli}, extra, func() int { return piece }); !errors.Is(err, ErrTrailingData) {
				t.Fatalf("%d bytes and one more in pieces of %d: %v, want ErrTrailingData", size, piece, err)
			}
		}
	}
}
