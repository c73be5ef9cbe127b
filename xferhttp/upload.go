package xferhttp

import (
	"errors"
	"io"
	"sync"

	"github.com/xfer-go/xfer"
)

// upload carries the request body from Request.Body, which may block, to the engine, which
// must not: a pump goroutine on the caller's side reads the body into buf, and the Easy's
// Body (upload.Read, on the loop) takes from buf, returning ErrPause while it is empty.
// The pump then asks the loop to resume sending. When the engine must send the body again
// (a reused connection died under the request), it seeks to the start: a new pump reads
// from GetBody.
type upload struct {
	r *request

	mu      sync.Mutex
	buf     []byte // read from the body, not yet taken by the engine, from off
	off     int
	eof     bool  // the body ended; buf holds its last bytes
	err     error // the body's Read failed
	starved bool  // the engine found buf empty and waits to be resumed
	ended   bool  // the transfer ended: pumps stop
	gen     int   // bumped when the engine starts the body again: older pumps stop
	reading *onceCloser

	room chan struct{} // one token: the engine took bytes, or the pump must stop
}

// upChunk is the most bytes one Read of the request body asks for; upLimit the most that
// wait for the engine.
const (
	upChunk = 32 << 10
	upLimit = 64 << 10
)

var errNoReplay = errors.New("xferhttp: the request body cannot be sent again: Request.GetBody is nil")

func newUpload(r *request) *upload {
	return &upload{r: r, room: make(chan struct{}, 1)}
}

// onceCloser closes a body once, from the pump or from end, whichever comes first.
type onceCloser struct {
	rc   io.ReadCloser
	once sync.Once
}

func (c *onceCloser) close() { c.once.Do(func() { c.rc.Close() }) }

// start runs the first pump on Request.Body.
func (u *upload) start() {
	body := &onceCloser{rc: u.r.req.Body}
	u.mu.Lock()
	ended := u.ended
	if !ended {
		u.reading = body
	}
	u.mu.Unlock()
	if ended { // the transfer is over already
		body.close()
		return
	}
	go u.pump(body, 0)
}

// pump reads body into buf until it ends, the transfer ends, or a newer pump replaces it.
// It closes body.
func (u *upload) pump(body *onceCloser, gen int) {
	defer body.close()
	chunk := make([]byte, upChunk)
	for {
		n, err := body.rc.Read(chunk)
		u.mu.Lock()
		for n > 0 && !u.ended && u.gen == gen && len(u.buf)-u.off+n > upLimit {
			u.mu.Unlock()
			<-u.room
			u.mu.Lock()
		}
		if u.ended || u.gen != gen {
			u.mu.Unlock()
			return
		}
		if n > 0 {
			if u.off == len(u.buf) {
				u.buf, u.off = u.buf[:0], 0
			} else if u.off > 0 && len(u.buf)+n > cap(u.buf) {
				u.buf, u.off = u.buf[:copy(u.buf, u.buf[u.off:])], 0
			}
			u.buf = append(u.buf, chunk[:n]...)
		}
		switch {
		case err == io.EOF:
			u.eof = true
		case err != nil:
			u.err = err
		}
		wake := u.starved && (n > 0 || err != nil)
		if wake {
			u.starved = false
		}
		u.mu.Unlock()
		if wake {
			u.r.l.post(op{kind: opResume, r: u.r})
		}
		if err != nil {
			return
		}
	}
}

// Read is the Easy's Body. It runs on the loop.
func (u *upload) Read(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.off < len(u.buf) {
		n := copy(p, u.buf[u.off:])
		u.off += n
		select {
		case u.room <- struct{}{}:
		default:
		}
		return n, nil
	}
	switch {
	case u.err != nil:
		return 0, u.err
	case u.eof:
		return 0, io.EOF
	}
	u.starved = true
	return 0, xfer.ErrPause
}

// isStarved reports whether the engine waits for bytes. It runs on the loop.
func (u *upload) isStarved() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.starved
}

// Seek lets the engine send the body again: Seek(0, io.SeekCurrent) asks whether it can
// (only with GetBody), Seek(0, io.SeekStart) starts it again from GetBody. It runs on the
// loop.
func (u *upload) Seek(offset int64, whence int) (int64, error) {
	if u.r.req.GetBody == nil || offset != 0 {
		return 0, errNoReplay
	}
	switch whence {
	case io.SeekCurrent:
		return 0, nil
	case io.SeekStart:
	default:
		return 0, errNoReplay
	}
	u.mu.Lock()
	u.gen++
	gen := u.gen
	u.buf, u.off, u.eof, u.err, u.starved = u.buf[:0], 0, false, nil, false
	u.mu.Unlock()
	select {
	case u.room <- struct{}{}: // an older pump waiting for room sees it is replaced
	default:
	}
	go u.replay(gen)
	return 0, nil
}

// replay pumps the body again, from GetBody.
func (u *upload) replay(gen int) {
	rc, err := u.r.req.GetBody()
	u.mu.Lock()
	if u.ended || u.gen != gen {
		u.mu.Unlock()
		if err == nil {
			rc.Close()
		}
		return
	}
	if err != nil {
		u.err = err
		wake := u.starved
		u.starved = false
		u.mu.Unlock()
		if wake {
			u.r.l.post(op{kind: opResume, r: u.r})
		}
		return
	}
	body := &onceCloser{rc: rc}
	old := u.reading
	u.reading = body
	u.mu.Unlock()
	if old != nil {
		old.close() // the first body is not read again; a pump blocked in it returns
	}
	u.pump(body, gen)
}

// end stops the pumps: the transfer ended. A body whose Read blocks is closed, from a
// goroutine of its own (Close may block too), so that the pump returns. It runs on the
// loop.
func (u *upload) end() {
	u.mu.Lock()
	u.ended = true
	body := u.reading
	done := u.eof || u.err != nil
	u.mu.Unlock()
	select {
	case u.room <- struct{}{}:
	default:
	}
	if body != nil && !done {
		go body.close()
	}
}
