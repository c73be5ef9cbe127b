package decode

import (
	"runtime"
	"sync"
	"testing"
)

// TestCoroutinesEnd runs 200 Decoders at once, of every stack, and checks
// that each suspended one holds exactly one coroutine, and that none
// remains after they are closed in the middle of the stream, or after the
// stream ended.
func TestCoroutinesEnd(t *testing.T) {
	checkLeaks(t)
	const n = 200
	type body struct {
		coded []byte
		stack []Coding
	}
	bodies := make([]body, len(stacks))
	for i, codings := range stacks {
		bodies[i].coded, bodies[i].stack = encode(t, codings, testData(100<<10, uint64(i)))
	}
	base := runtime.NumGoroutine()
	ds := make([]*Decoder, n)
	for i := range ds {
		b := bodies[i%len(bodies)]
		ds[i] = NewDecoder(b.stack)
		ds[i].Feed(b.coded[:len(b.coded)/2])
		if _, err := ds[i].Output(); err != nil {
			t.Fatal(err)
		}
	}
	if got := runtime.NumGoroutine() - base; got != n {
		t.Errorf("%d coroutines for %d suspended Decoders", got, n)
	}
	for i, d := range ds {
		if i%2 == 0 {
			d.Close() // the transfer is removed mid-stream
			continue
		}
		b := bodies[i%len(bodies)]
		if _, err := decodeAll(d, b.coded[len(b.coded)/2:], 4096); err != nil {
			t.Fatal(err)
		}
	}
	if got := runtime.NumGoroutine() - base; got != 0 {
		t.Errorf("%d coroutines left after the streams ended or were closed", got)
	}
	for _, d := range ds[1:] {
		d.Close()
	}
}

// TestParallelDecoders runs Decoders on several goroutines at once, each
// Decoder on one goroutine, as several event loops would (for -race).
func TestParallelDecoders(t *testing.T) {
	checkLeaks(t)
	plain := testData(100<<10, 13)
	var wg sync.WaitGroup
	for g := range 8 {
		codings := stacks[g%len(stacks)]
		coded, stack := encode(t, codings, plain)
		wg.Go(func() {
			for i := range 20 {
				d := NewDecoder(stack)
				if i%3 == 0 {
					d.Feed(coded[:len(coded)/3])
					d.Output()
					d.Close()
					continue
				}
				got, err := decodeAll(d, coded, 1000+i)
				d.Close()
				if err != nil || string(got) != string(plain) {
					t.Errorf("%s: %d bytes, %v", stackName(codings), len(got), err)
					return
				}
			}
		})
	}
	wg.Wait()
}
