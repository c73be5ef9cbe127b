package resolver

import "container/heap"

// deadlines orders the exchanges waiting for an answer by deadline, so the
// next timeout is found in O(1) and the due ones in O(log n) each. An
// exchange is in the heap exactly while its hidx is >= 0.
type deadlines []*exchange

func (d deadlines) Len() int           { return len(d) }
func (d deadlines) Less(i, j int) bool { return d[i].deadline.Before(d[j].deadline) }
func (d deadlines) Swap(i, j int) {
	d[i], d[j] = d[j], d[i]
	d[i].hidx, d[j].hidx = i, j
}

func (d *deadlines) Push(x any) {
	e := x.(*exchange)
	e.hidx = len(*d)
	*d = append(*d, e)
}

func (d *deadlines) Pop() any {
	old := *d
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*d = old[:len(old)-1]
	e.hidx = -1
	return e
}

// set puts e in the heap, or moves it, at its current deadline.
func (d *deadlines) set(e *exchange) {
	if e.hidx >= 0 {
		heap.Fix(d, e.hidx)
		return
	}
	heap.Push(d, e)
}

// remove takes e out of the heap if it is there.
func (d *deadlines) remove(e *exchange) {
	if e.hidx >= 0 {
		heap.Remove(d, e.hidx)
	}
}
