package xferhttp

import (
	"sync"
	"sync/atomic"

	"github.com/xfer-go/xfer"
)

// loop is one event loop: a goroutine that owns a Multi. Other goroutines reach it only
// through post, which queues an op and wakes the loop; everything the Multi and its Easy
// handles do happens on the loop's goroutine.
type loop struct {
	m    *xfer.Multi
	drv  driver       // the platform's way to wait and to be woken
	load atomic.Int32 // requests handed to this loop and not yet finished

	mu      sync.Mutex
	ops     []op // queued for the loop; the loop is woken when the first one is queued
	spare   []op // the slice of the previous drain, to reuse; the loop's alone
	closing bool // Close was called: post refuses, and the loop ends at its next drain

	done chan struct{} // closed when the loop's goroutine ends

	hdrBufs [][]byte // buffers that collect response headers, to reuse; the loop's alone
}

// takeHdrBuf returns an empty buffer to collect a response header in.
func (l *loop) takeHdrBuf() []byte {
	if n := len(l.hdrBufs); n > 0 {
		b := l.hdrBufs[n-1]
		l.hdrBufs = l.hdrBufs[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 1024)
}

// putHdrBuf gives a buffer back for reuse; very large ones are dropped.
func (l *loop) putHdrBuf(b []byte) {
	if cap(b) <= 16<<10 && len(l.hdrBufs) < 64 {
		l.hdrBufs = append(l.hdrBufs, b)
	}
}

// opKind says what an op asks of the loop.
type opKind uint8

const (
	opAdd       opKind = iota // start r's transfer
	opResume                  // r's reader drained its buffer, or its body has bytes: unpause
	opCancel                  // end r's transfer with err
	opCloseIdle               // close the idle connections
)

// op is one request to the loop from another goroutine.
type op struct {
	kind opKind
	r    *request
	err  error
}

// newLoop makes a loop with a Multi configured by o; run starts it.
func newLoop(o xfer.MultiOptions) (*loop, error) {
	l := &loop{done: make(chan struct{})}
	if err := l.drv.init(l, &o); err != nil {
		return nil, err
	}
	m, err := xfer.NewMulti(o)
	if err != nil {
		l.drv.close()
		return nil, err
	}
	l.m = m
	return l, nil
}

// post queues o for the loop and wakes it if the queue was empty. It returns false when
// the loop is closing: o will not be done.
func (l *loop) post(o op) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return false
	}
	l.ops = append(l.ops, o)
	if len(l.ops) == 1 {
		l.drv.wake(l) // under mu, so it never races with the wake fd's close
	}
	return true
}

// close makes the loop end and waits until its goroutine is gone. A loop that never ran
// is released at once.
func (l *loop) close() {
	l.mu.Lock()
	if !l.closing {
		l.closing = true
		l.drv.wake(l)
	}
	l.mu.Unlock()
	<-l.done
}

// release frees a loop whose goroutine never started.
func (l *loop) release() {
	l.closing = true
	l.m.Close()
	l.drv.close()
	close(l.done)
}

// drain does the queued ops. It returns true when the loop must end.
func (l *loop) drain() (stop bool) {
	l.mu.Lock()
	ops := l.ops
	l.ops = l.spare
	stop = l.closing
	l.mu.Unlock()
	for i := range ops {
		l.do(&ops[i])
		ops[i] = op{}
	}
	l.spare = ops[:0] // only the loop touches spare
	return stop
}

// do carries out one op on the loop.
func (l *loop) do(o *op) {
	r := o.r
	switch o.kind {
	case opAdd:
		if r.finished { // canceled before it was added
			return
		}
		if err := l.m.Add(&r.e); err != nil {
			r.finish(err)
		}
	case opResume:
		if !r.finished {
			r.e.Pause(r.pauseState())
		}
	case opCancel:
		if !r.finished {
			l.m.Remove(&r.e)
			r.finish(o.err)
		}
	case opCloseIdle:
		l.m.CloseIdle()
	}
}

// collect finishes the transfers the Multi reports done.
func (l *loop) collect() {
	for {
		msg, _ := l.m.InfoRead()
		if msg == nil {
			return
		}
		e, err := msg.Easy, msg.Err
		l.m.Remove(e)
		e.Private.(*request).finish(err)
	}
}

// shutdown ends every transfer with ErrClosed, closes the Multi and the loop's own fds, and
// marks the loop done. It runs on the loop's goroutine as its last act.
func (l *loop) shutdown() {
	for _, e := range l.m.Handles() {
		l.m.Remove(e)
		e.Private.(*request).finish(ErrClosed)
	}
	l.m.Close()
	l.mu.Lock()
	l.drv.close()
	l.mu.Unlock()
	close(l.done)
}
