package xferhttp

import (
	"errors"
	"io"
	"net/http"

	"github.com/xfer-go/xfer"
)

// The response body is the request itself: the loop's Write fills r.buf, at most r.limit
// bytes, and pauses receiving when the next piece does not fit; Read drains it and asks
// the loop to resume once that piece fits.

// errReadOnClosedBody is net/http's error for a Read after Close.
var errReadOnClosedBody = errors.New("http: read on closed response body")

// write is the Easy's Write. It runs on the loop.
func (r *request) write(p []byte) (int, error) {
	r.mu.Lock()
	if r.closed { // the transfer is being canceled: drop what still comes
		r.mu.Unlock()
		return len(p), nil
	}
	held := len(r.buf) - r.off
	if held > 0 && held+len(p) > r.limit {
		r.paused, r.need = true, len(p)
		r.mu.Unlock()
		return 0, xfer.ErrPause // delivered again once the reader made room
	}
	if len(r.buf)+len(p) > cap(r.buf) {
		if r.off > 0 && held+len(p) <= cap(r.buf) {
			r.buf = r.buf[:copy(r.buf, r.buf[r.off:])]
		} else {
			grown := make([]byte, held, max(held+len(p), min(2*cap(r.buf), r.limit)))
			copy(grown, r.buf[r.off:])
			r.buf = grown
		}
		r.off = 0
	}
	r.buf = append(r.buf, p...)
	r.mu.Unlock()
	r.signal()
	return len(p), nil
}

// Read reads the response body. At its end it fills in Response.Trailer and returns
// io.EOF; a failed or canceled transfer returns its error once the bytes that came before
// it are read.
func (r *request) Read(p []byte) (int, error) {
	r.mu.Lock()
	for {
		switch {
		case r.closed:
			r.mu.Unlock()
			return 0, errReadOnClosedBody
		case r.off < len(r.buf):
			n := copy(p, r.buf[r.off:])
			r.off += n
			if r.off == len(r.buf) {
				r.buf, r.off = r.buf[:0], 0
			}
			resume := r.paused && (r.off == len(r.buf) || len(r.buf)-r.off+r.need <= r.limit)
			if resume {
				r.paused = false
			}
			r.mu.Unlock()
			if resume {
				r.l.post(op{kind: opResume, r: r})
			}
			return n, nil
		case r.done:
			err := r.err
			if err == nil {
				err = io.EOF
				r.buf = nil
				if r.trl != nil && r.resp != nil {
					mergeTrailer(r.resp, r.trl)
					r.trl = nil
				}
			}
			r.mu.Unlock()
			return 0, err
		case len(p) == 0:
			r.mu.Unlock()
			return 0, nil
		}
		r.mu.Unlock()
		<-r.sig
		r.mu.Lock()
	}
}

// mergeTrailer sets the trailer's values in resp.Trailer, as net/http does at EOF.
func mergeTrailer(resp *http.Response, trl http.Header) {
	if resp.Trailer == nil {
		resp.Trailer = trl
		return
	}
	for k, vs := range trl {
		resp.Trailer[k] = vs
	}
}

// Close ends the transfer if it has not ended, and frees the buffer. Reads after it fail.
func (r *request) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.buf, r.off = nil, 0
	done := r.done
	r.mu.Unlock()
	r.signal()
	if !done {
		r.l.post(op{kind: opCancel, r: r, err: errReadOnClosedBody})
	}
	return nil
}
