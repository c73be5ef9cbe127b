package decode

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"testing"
)

// stacks are the codings the round trips cover; rawDeflate is "deflate"
// sent without zlib's header.
var stacks = [][]Coding{
	{Gzip},
	{Deflate},
	{rawDeflate},
	{Brotli},
	{Zstd},
	{Gzip, Brotli},
	{Brotli, Gzip},
	{rawDeflate, Zstd, Gzip},
	{Zstd, Zstd},
	{Gzip, Deflate, Brotli, Zstd, Gzip},
}

func stackName(codings []Coding) string {
	s := ""
	for i, c := range codings {
		if i > 0 {
			s += ","
		}
		if c == rawDeflate {
			s += "rawdeflate"
		} else {
			s += c.String()
		}
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	checkLeaks(t)
	inputs := map[string][]byte{
		"1B":           []byte("x"),
		"text-200KiB":  testData(200<<10, 1),
		"random-70KiB": randomData(70<<10, 2),
	}
	for _, codings := range stacks {
		for name, plain := range inputs {
			coded, stack := encode(t, codings, plain)
			for _, sizes := range [][]int{{1}, {7, 1, 300}, {64 << 10}, {len(coded)}} {
				if sizes[0] == 1 && len(coded) > 100<<10 && len(codings) > 2 {
					continue // slow, and covered by the single codings
				}
				t.Run(fmt.Sprintf("%s/%s/%v", stackName(codings), name, sizes), func(t *testing.T) {
					d := NewDecoder(stack)
					defer d.Close()
					got, err := decodeAll(d, coded, sizes...)
					if err != nil {
						t.Fatalf("decoding %d coded bytes: %v", len(coded), err)
					}
					if !bytes.Equal(got, plain) {
						t.Fatalf("decoded %d bytes, want %d identical bytes", len(got), len(plain))
					}
				})
			}
		}
	}
}

// TestCoroutineEnds checks that the coroutine is gone as soon as the stream
// ended, before Close.
func TestCoroutineEnds(t *testing.T) {
	checkLeaks(t)
	coded, stack := encode(t, []Coding{Gzip, Brotli}, testData(100<<10, 3))
	d := NewDecoder(stack)
	if _, err := decodeAll(d, coded, 1000); err != nil {
		t.Fatal(err)
	}
	if d.next != nil || d.out != nil || d.layers[0].r != nil {
		t.Fatal("the stream ended, and the Decoder still holds its coroutine or buffers")
	}
	if _, err := d.Output(); err != io.EOF {
		t.Fatalf("Output after the end: %v, want io.EOF", err)
	}
	d.Close()
	if _, err := d.Output(); err != ErrClosed {
		t.Fatalf("Output after Close: %v, want ErrClosed", err)
	}
}

// TestPauseResume stops taking output in the middle of the stream, as a
// Write callback returning ErrPause makes the engine do, reuses the read
// buffer, and resumes later: no byte is lost or repeated.
func TestPauseResume(t *testing.T) {
	checkLeaks(t)
	for _, codings := range stacks {
		t.Run(stackName(codings), func(t *testing.T) {
			plain := testData(300<<10, 4)
			coded, stack := encode(t, codings, plain)
			d := NewDecoder(stack)
			defer d.Close()
			var got []byte
			shared := make([]byte, 4096)
			pauses := 0
			for off := 0; off < len(coded); off += len(shared) {
				n := copy(shared, coded[off:])
				d.Feed(shared[:n])
				for {
					p, err := d.Output()
					if err != nil {
						t.Fatal(err)
					}
					if len(p) == 0 {
						break
					}
					if pauses%3 == 0 {
						// Pause: keep the unread input, lose the read
						// buffer, and come back to the same bytes.
						d.Keep()
						for i := range shared {
							shared[i] = 0
						}
						again, err := d.Output()
						if err != nil || !bytes.Equal(again, p) {
							t.Fatalf("after a pause Output returned %d other bytes (%v)", len(again), err)
						}
					}
					pauses++
					// Take part of the chunk at a time.
					k := min(len(p), 1+pauses%5000)
					got = append(got, p[:k]...)
					d.Consumed(k)
				}
				if d.src.owned {
					// The fed slice is still in use only through the copy.
					continue
				}
			}
			d.FeedEOF()
			for {
				p, err := d.Output()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, p...)
				d.Consumed(len(p))
			}
			if !bytes.Equal(got, plain) {
				t.Fatalf("decoded %d bytes, want %d identical bytes", len(got), len(plain))
			}
		})
	}
}

func TestTruncated(t *testing.T) {
	checkLeaks(t)
	for _, codings := range stacks {
		plain := testData(50<<10, 5)
		coded, stack := encode(t, codings, plain)
		for _, cut := range []int{1, 2, 5, len(coded) / 2, len(coded) - 1} {
			t.Run(fmt.Sprintf("%s/%d-of-%d", stackName(codings), cut, len(coded)), func(t *testing.T) {
				d := NewDecoder(stack)
				defer d.Close()
				got, err := decodeAll(d, coded[:cut], 1000)
				if !errors.Is(err, ErrTruncated) || !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error %v, want ErrTruncated", err)
				}
				if !bytes.HasPrefix(plain, got) {
					t.Fatal("the bytes decoded before the error are not a prefix of the body")
				}
			})
		}
	}
}

func TestCorrupt(t *testing.T) {
	checkLeaks(t)
	plain := testData(50<<10, 6)
	for _, codings := range stacks {
		coded, stack := encode(t, codings, plain)
		for _, at := range []int{0, 3, 20, len(coded) / 2, len(coded) - 3} {
			bad := bytes.Clone(coded)
			bad[at] ^= 0x55
			t.Run(fmt.Sprintf("%s/flip-%d", stackName(codings), at), func(t *testing.T) {
				d := NewDecoder(stack)
				defer d.Close()
				got, err := decodeAll(d, bad, 999)
				if err == nil {
					if last := codings[len(codings)-1]; last == rawDeflate || last == Deflate && at == 0 {
						return // raw deflate has no checksum: a flip may go unnoticed
					}
					t.Fatal("no error")
				}
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error %v does not match ErrCorrupt", err)
				}
				if len(got) > len(plain) {
					t.Fatalf("decoded %d bytes of a %d-byte body", len(got), len(plain))
				}
			})
		}
	}
}

func TestCorruptWrapsCause(t *testing.T) {
	checkLeaks(t)
	d := NewDecoder([]Coding{Gzip})
	defer d.Close()
	_, err := decodeAll(d, []byte("<html>not gzip</html>"), 5)
	if !errors.Is(err, ErrCorrupt) || !errors.Is(err, gzip.ErrHeader) {
		t.Fatalf("error %v, want ErrCorrupt wrapping gzip.ErrHeader", err)
	}
	if want := "decode: gzip: corrupt content: gzip: invalid header"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestTrailingData(t *testing.T) {
	checkLeaks(t)
	plain := testData(20<<10, 7)
	for _, codings := range stacks {
		coded, stack := encode(t, codings, plain)
		for _, tail := range []string{"\x00", "garbage", "\n"} {
			t.Run(fmt.Sprintf("%s/%q", stackName(codings), tail), func(t *testing.T) {
				for _, sizes := range []int{1, len(coded), len(coded) + len(tail)} {
					d := NewDecoder(stack)
					got, err := decodeAll(d, append(bytes.Clone(coded), tail...), sizes)
					d.Close()
					if !errors.Is(err, ErrCorrupt) {
						t.Fatalf("fed %d at a time: error %v, want ErrCorrupt", sizes, err)
					}
					if !bytes.HasPrefix(plain, got) {
						t.Fatal("the bytes decoded before the error are not a prefix of the body")
					}
				}
			})
		}
	}
}

func TestTrailingDataKind(t *testing.T) {
	checkLeaks(t)
	for _, c := range []Coding{Gzip, Deflate, rawDeflate, Zstd} {
		coded, stack := encode(t, []Coding{c}, []byte("hello"))
		d := NewDecoder(stack)
		_, err := decodeAll(d, append(coded, "JUNK"...), len(coded))
		d.Close()
		if c == Gzip || c == Zstd {
			// The library reads the junk as the header of a next member
			// or frame.
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("%v: error %v, want ErrCorrupt", c, err)
			}
			continue
		}
		if !errors.Is(err, ErrTrailingData) {
			t.Errorf("%v: error %v, want ErrTrailingData", c, err)
		}
	}
}

// TestConcatenated checks that several gzip members, or zstd frames, make one
// body.
func TestConcatenated(t *testing.T) {
	checkLeaks(t)
	for _, c := range []Coding{Gzip, Zstd} {
		a, b := testData(30<<10, 8), testData(1000, 9)
		coded := append(encodeOne(t, c, a), encodeOne(t, c, b)...)
		for _, size := range []int{1, 100, len(coded)} {
			d := NewDecoder([]Coding{c})
			got, err := decodeAll(d, coded, size)
			d.Close()
			if err != nil || !bytes.Equal(got, append(a, b...)) {
				t.Errorf("%v, fed %d at a time: %d bytes, %v", c, size, len(got), err)
			}
		}
	}
}

func TestEmptyBody(t *testing.T) {
	checkLeaks(t)
	for _, c := range []Coding{Gzip, Deflate, Brotli, Zstd} {
		d := NewDecoder([]Coding{c})
		d.Feed(nil)
		if p, err := d.Output(); p != nil || err != nil {
			t.Fatalf("%v: Output before input = %q, %v", c, p, err)
		}
		d.FeedEOF()
		if p, err := d.Output(); p != nil || err != io.EOF {
			t.Fatalf("%v: Output of an empty body = %q, %v; want io.EOF", c, p, err)
		}
		d.Close()
	}
}

// TestEmptyStream decodes a coded stream of an empty body.
func TestEmptyStream(t *testing.T) {
	checkLeaks(t)
	for _, codings := range stacks {
		coded, stack := encode(t, codings, nil)
		d := NewDecoder(stack)
		got, err := decodeAll(d, coded, 1)
		d.Close()
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %q, %v", stackName(codings), got, err)
		}
	}
}

// TestCloseMidStream closes Decoders whose coroutine is suspended waiting
// for input, and waiting for its full output to be taken.
func TestCloseMidStream(t *testing.T) {
	checkLeaks(t)
	for _, codings := range stacks {
		coded, stack := encode(t, codings, testData(200<<10, 10))
		for _, take := range []bool{false, true} {
			d := NewDecoder(stack)
			d.Feed(coded[:len(coded)/2])
			for {
				p, err := d.Output()
				if err != nil {
					t.Fatal(err)
				}
				if len(p) == 0 || !take {
					break
				}
				d.Consumed(len(p))
			}
			d.Close()
			d.Close()
			if p, err := d.Output(); p != nil || err != ErrClosed {
				t.Fatalf("Output after Close = %d bytes, %v", len(p), err)
			}
			d.Feed(coded)
			d.FeedEOF()
			if p, err := d.Output(); p != nil || err != ErrClosed {
				t.Fatalf("Output after Close = %d bytes, %v", len(p), err)
			}
		}
	}
}

func TestChunkBound(t *testing.T) {
	checkLeaks(t)
	coded, stack := encode(t, []Coding{Zstd}, make([]byte, 1<<20))
	d := NewDecoder(stack)
	defer d.Close()
	d.Feed(coded)
	d.FeedEOF()
	total := 0
	for {
		p, err := d.Output()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != ChunkSize {
			t.Fatalf("Output returned %d bytes, want full chunks of %d", len(p), ChunkSize)
		}
		total += len(p)
		d.Consumed(len(p))
	}
	if total != 1<<20 {
		t.Fatalf("decoded %d bytes", total)
	}
}

func TestNewDecoderPanics(t *testing.T) {
	for _, codings := range [][]Coding{nil, {Gzip, Gzip, Gzip, Gzip, Gzip, Gzip}, {0}, {Zstd + 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewDecoder(%v) did not panic", codings)
				}
			}()
			NewDecoder(codings)
		}()
	}
}
