//go:build linux

package tlsconn

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

// TestBuffer checks the byte queue against a plain slice under random
// writes and consumes, and that it holds no memory whenever it is empty.
func TestBuffer(t *testing.T) {
	testutil.CheckLeaks(t)
	rng := rand.New(rand.NewPCG(7, 7))
	var q buffer
	var ref []byte
	next := byte(0)
	for i := range 20000 {
		if rng.IntN(2) == 0 {
			sizes := []int{1, 10, 100, 3000, 17000, 70000}
			p := make([]byte, 1+rng.IntN(sizes[rng.IntN(len(sizes))]))
			for j := range p {
				p[j] = next
				next++
			}
			q.write(p)
			ref = append(ref, p...)
		} else if len(ref) > 0 {
			k := rng.IntN(len(ref) + 1)
			if rng.IntN(3) == 0 {
				k = len(ref)
			}
			q.consume(k)
			ref = ref[k:]
		}
		if !bytes.Equal(q.bytes(), ref) {
			t.Fatalf("step %d: content differs (%d bytes, want %d)", i, q.len(), len(ref))
		}
		if len(ref) == 0 && (q.b != nil || q.box != nil) {
			t.Fatalf("step %d: empty buffer holds %d bytes of memory", i, cap(q.b))
		}
	}
	q.release()
	q.write([]byte("abc"))
	p := make([]byte, 2)
	if n := q.read(p); n != 2 || string(p) != "ab" {
		t.Fatalf("read = %d %q", n, p)
	}
	q.release()
	if q.bytes() != nil || q.len() != 0 {
		t.Fatal("release left bytes")
	}
}

func TestBufferPoolClasses(t *testing.T) {
	testutil.CheckLeaks(t)
	for _, n := range []int{1, 4 << 10, 4<<10 + 1, 17 << 10, 64 << 10, 64<<10 + 1} {
		b, box := alloc(n)
		if cap(b) < n || len(b) != 0 {
			t.Errorf("alloc(%d): len %d cap %d", n, len(b), cap(b))
		}
		if (box != nil) != (n <= 64<<10) {
			t.Errorf("alloc(%d): pooled = %v", n, box != nil)
		}
		free(b, box)
	}
}
