package decode

import (
	"fmt"
	"io"
	"runtime"
	"testing"
)

// TestBomb decodes 64 MiB of zeros coded in a few KiB, fed in 16 KiB
// pieces, stopping after 10 MiB as the engine does with MaxFileSize, and
// then to the end: the decoder allocates a bounded amount whatever the
// decoded size.
func TestBomb(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("64 MiB bombs, measured")
	}
	checkLeaks(t)
	const size, limit = 64 << 20, 10 << 20
	zeros := make([]byte, size)
	for _, c := range []Coding{Gzip, Brotli, Zstd} {
		coded := encodeOne(t, c, zeros)
		for _, stop := range []int{limit, size} {
			t.Run(fmt.Sprintf("%v/%dMiB", c, stop>>20), func(t *testing.T) {
				before := memStats()
				d := NewDecoder([]Coding{c})
				decoded, peak := 0, uint64(0)
			feed:
				for off := 0; ; off += 16 << 10 {
					if off >= len(coded) {
						d.FeedEOF()
					} else {
						d.Feed(coded[off:min(off+16<<10, len(coded))])
					}
					for {
						p, err := d.Output()
						if err == io.EOF {
							break feed
						}
						if err != nil {
							t.Fatal(err)
						}
						if len(p) == 0 {
							break
						}
						decoded += len(p)
						d.Consumed(len(p))
						if decoded%(1<<20) == 0 {
							var ms runtime.MemStats
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapInuse)
						}
						if decoded >= stop {
							break feed
						}
					}
				}
				d.Close()
				after := memStats()
				alloc := after.TotalAlloc - before.TotalAlloc
				growth := int64(peak) - int64(before.HeapInuse)
				t.Logf("%v: %d coded bytes, %d MiB decoded: %.0f KiB allocated, peak heap growth %.0f KiB",
					c, len(coded), decoded>>20, float64(alloc)/1024, float64(growth)/1024)
				if decoded < stop {
					t.Fatalf("decoded %d bytes", decoded)
				}
				if alloc > 16<<20 || growth > 16<<20 {
					t.Fatal("more than 16 MiB")
				}
			})
		}
	}
}

// TestMemoryPerTransfer reports the heap held by Decoders in the middle of a
// body, coroutine suspended waiting for input, for each coding; and checks
// that Close gives it back.
func TestMemoryPerTransfer(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("measurement")
	}
	checkLeaks(t)
	const n = 100
	for _, size := range []int{64 << 10, 4 << 20} {
		plain := testData(size, 12)
		for _, codings := range stacks[:len(stacks)-3] {
			coded, stack := encode(t, codings, plain)
			t.Run(fmt.Sprintf("%s/%dKiB", stackName(codings), size>>10), func(t *testing.T) {
				start := func() *Decoder {
					d := NewDecoder(stack)
					d.Feed(coded[:len(coded)*3/4])
					for {
						p, err := d.Output()
						if err != nil {
							t.Fatal(err)
						}
						if len(p) == 0 {
							return d
						}
						d.Consumed(len(p))
					}
				}
				start().Close() // warm up
				base := memStats().HeapAlloc
				ds := make([]*Decoder, n)
				for i := range ds {
					ds[i] = start()
				}
				held := memStats().HeapAlloc
				for _, d := range ds {
					d.Close()
				}
				closed := memStats().HeapAlloc
				per := (float64(held) - float64(base)) / n / 1024
				left := (float64(closed) - float64(base)) / n / 1024
				t.Logf("%-22s %5d KiB body: %7.1f KiB per Decoder mid-stream, %5.1f KiB after Close",
					stackName(codings), size>>10, per, left)
				if left > 2 { // the Decoder itself stays, as ds holds it
					t.Errorf("%.1f KiB per Decoder left after Close", left)
				}
				runtime.KeepAlive(ds)
			})
		}
	}
}

func memStats() runtime.MemStats {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms
}
