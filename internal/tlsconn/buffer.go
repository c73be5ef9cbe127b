package tlsconn

import "sync"

// buffer is a byte queue that holds memory only while it holds bytes: when
// its last byte is consumed, the backing array goes back to a pool shared by
// all connections (or to the garbage collector if it is larger than the
// largest class). An idle connection therefore keeps no buffer at all.
//
// Invariant: 0 <= off <= len(b), and b == nil whenever off == len(b).
type buffer struct {
	b   []byte  // b[off:] holds the bytes
	off int     // bytes already consumed from the front of b
	box *[]byte // pool box that b came from, or nil
}

// Pool size classes: a small flight or request, one full TLS record
// (16 KiB of plaintext plus header and expansion), a large socket read.
var classes = [...]int{4 << 10, 17 << 10, 64 << 10}

var pools [len(classes)]sync.Pool

// alloc returns an empty slice with capacity at least n, and the pool box it
// came from (nil when n is larger than every class).
func alloc(n int) ([]byte, *[]byte) {
	for i, size := range classes {
		if n <= size {
			box, _ := pools[i].Get().(*[]byte)
			if box == nil {
				s := make([]byte, 0, size)
				box = &s
			}
			return (*box)[:0], box
		}
	}
	return make([]byte, 0, n), nil
}

// free hands b back to the pool it came from.
func free(b []byte, box *[]byte) {
	if box == nil {
		return
	}
	for i, size := range classes {
		if cap(b) == size {
			*box = b[:0]
			pools[i].Put(box)
			return
		}
	}
}

// len returns the number of bytes held.
func (q *buffer) len() int { return len(q.b) - q.off }

// bytes returns the bytes held, or nil. The slice is valid until the next
// write or consume.
func (q *buffer) bytes() []byte {
	if q.off == len(q.b) {
		return nil
	}
	return q.b[q.off:]
}

// write appends a copy of p.
func (q *buffer) write(p []byte) {
	if len(p) == 0 {
		return
	}
	n := q.len()
	if len(q.b)+len(p) > cap(q.b) {
		if q.b != nil && n+len(p) <= cap(q.b) && q.off >= n {
			// Slide the content to the front; the dead prefix is at least as
			// long as what moves, so copying stays amortised O(1) per byte.
			copy(q.b, q.b[q.off:])
			q.b, q.off = q.b[:n], 0
		} else {
			nb, box := alloc(max(n+len(p), 2*n))
			nb = append(nb, q.b[q.off:]...)
			free(q.b, q.box)
			q.b, q.off, q.box = nb, 0, box
		}
	}
	q.b = append(q.b, p...)
}

// read copies bytes from the front into p and consumes them.
func (q *buffer) read(p []byte) int {
	n := copy(p, q.b[q.off:])
	q.consume(n)
	return n
}

// consume drops k bytes from the front; it panics if fewer are held.
func (q *buffer) consume(k int) {
	if k < 0 || k > q.len() {
		panic("tlsconn: consumed more bytes than are held")
	}
	q.off += k
	if q.off == len(q.b) {
		q.release()
	}
}

// release drops everything held and gives the memory back.
func (q *buffer) release() {
	free(q.b, q.box)
	q.b, q.off, q.box = nil, 0, nil
}
