package decode

import (
	"compress/gzip"
	"fmt"
	"io"
	"testing"
)

// BenchmarkDecode decodes a 4 MiB body fed in 64 KiB pieces, as read from
// the socket, in the steady state: b.N counts 64 KiB feeds of coded bytes,
// and the throughput (SetBytes) is of decoded bytes. After the first body
// the loop starts the next one, so a Decoder's setup is included once per
// body.
func BenchmarkDecode(b *testing.B) {
	plain := testData(4<<20, 20)
	for _, codings := range [][]Coding{{Gzip}, {Deflate}, {Brotli}, {Zstd}} {
		coded, stack := encode(b, codings, plain)
		b.Run(stackName(codings), func(b *testing.B) {
			benchDecode(b, stack, coded, len(plain))
		})
	}
}

func benchDecode(b *testing.B, stack []Coding, coded []byte, plainLen int) {
	const piece = 64 << 10
	pieces := (len(coded) + piece - 1) / piece
	b.SetBytes(int64(plainLen / pieces)) // decoded bytes per feed, on average
	b.ReportAllocs()
	var d *Decoder
	off := 0
	for b.Loop() {
		if d == nil {
			d = NewDecoder(stack)
		}
		end := min(off+piece, len(coded))
		d.Feed(coded[off:end])
		off = end
		if off == len(coded) {
			d.FeedEOF()
		}
		for {
			p, err := d.Output()
			if err == io.EOF {
				d.Close()
				d, off = nil, 0
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if len(p) == 0 {
				break
			}
			d.Consumed(len(p))
		}
	}
	if d != nil {
		d.Close()
	}
}

// BenchmarkGzipSteady is BenchmarkDecode for gzip without the ends of
// bodies: one endless stream of gzip members, so every feed is in the middle
// of a stream. It shows the allocations of a running Decoder (none
// expected).
func BenchmarkGzipSteady(b *testing.B) {
	member := encodeOne(b, Gzip, testData(4<<20, 21))
	const piece = 64 << 10
	for _, level := range []int{gzip.BestSpeed, gzip.DefaultCompression} {
		b.Run(fmt.Sprint("level", level), func(b *testing.B) {
			d := NewDecoder([]Coding{Gzip})
			defer d.Close()
			b.SetBytes(int64(4<<20) * piece / int64(len(member)))
			b.ReportAllocs()
			off := 0
			for b.Loop() {
				end := min(off+piece, len(member))
				d.Feed(member[off:end])
				if off = end; off == len(member) {
					off = 0 // the next member
				}
				for {
					p, err := d.Output()
					if err != nil {
						b.Fatal(err)
					}
					if len(p) == 0 {
						break
					}
					d.Consumed(len(p))
				}
			}
		})
	}
}

// BenchmarkGzipReader is the standard gzip.Reader reading the same bodies
// through io.Copy, for comparison.
func BenchmarkGzipReader(b *testing.B) {
	plain := testData(4<<20, 20)
	coded := encodeOne(b, Gzip, plain)
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	buf := make([]byte, ChunkSize)
	for b.Loop() {
		zr, err := gzip.NewReader(&sliceReader{b: coded})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{zr}, buf); err != nil {
			b.Fatal(err)
		}
	}
}

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
