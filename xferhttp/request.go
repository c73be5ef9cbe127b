package xferhttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/xfer-go/xfer"
)

// request is one RoundTrip: its Easy, the state the loop builds the response in, and the
// response body's buffer, which the loop fills and the reader drains.
type request struct {
	l     *loop
	e     xfer.Easy
	req   *http.Request
	up    *upload     // the request body's pipe; nil without a body
	stop  func() bool // stops the context's AfterFunc; nil when the context cannot end
	limit int         // most body bytes held unread

	// The loop's alone.
	finished bool        // the transfer ended and was removed
	hstate   headState   // where the header lines are
	hdr      []byte      // the status line and fields of the final response, then trailers; from the loop's pool
	trailer  http.Header // parsed at the end of a chunked body

	sig chan struct{} // one token: the state below changed

	mu     sync.Mutex
	resp   *http.Response // set at the final response's header
	buf    []byte         // body bytes not yet read, from off; first in small
	off    int
	paused bool // Write refused need bytes: receiving is paused until they fit
	need   int
	done   bool  // the transfer ended; err says how
	err    error //
	closed bool  // Body.Close was called
	trl    http.Header
	small  [smallBody]byte // the buffer of a small body, which then costs no allocation
}

// smallBody is the size of the buffer every request has for its response body; larger
// bodies get one of their own, up to the limit.
const smallBody = 256

// defaultBuffer is the most response body bytes held unread when the Easy's BufferSize is 0.
const defaultBuffer = 256 << 10

// Default request fields: net/http's User-Agent, and no Accept (the engine would add one).
var (
	defaultUserAgent = []string{"Go-http-client/1.1"}
	noValue          = []string{""}
)

// RoundTrip runs req on one of the loops and returns the response once its final header
// has arrived (1xx replies are skipped; redirects are returned, for http.Client to follow).
// The body streams: at most the Easy's BufferSize (256 KiB when 0) waits unread, and the
// transfer pauses until the reader drains it. Closing the body before EOF ends the
// transfer. When req's context ends, the transfer ends and RoundTrip or Body.Read returns
// the context's error; other failures are *xfer.Error values, so errors.Is(err,
// xfer.ErrCouldntConnect) and errors.Is(err, syscall.ECONNREFUSED) hold. req.Body is always
// closed; req.GetBody is used when the request must be sent again on a new connection.
//
// The request is sent as net/http sends it, except that it carries no Accept-Encoding of
// its own and the response is not decompressed (as with DisableCompression).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	loops, err := t.started()
	if err == nil {
		err = validate(req)
	}
	if err == nil {
		err = req.Context().Err()
	}
	if err != nil {
		closeBody(req)
		return nil, err
	}
	r := t.newRequest(req)
	l := pick(loops, req.URL.Scheme, req.URL.Host)
	r.l = l
	l.load.Add(1)
	ctx := req.Context()
	if ctx.Done() != nil {
		// Before the add is posted, so that finish sees stop; a cancel that overtakes the
		// add finishes r, and the add then does nothing.
		r.stop = context.AfterFunc(ctx, func() { l.post(op{kind: opCancel, r: r, err: ctx.Err()}) })
	}
	if !l.post(op{kind: opAdd, r: r}) {
		l.load.Add(-1)
		if r.stop != nil {
			r.stop()
		}
		closeBody(req)
		return nil, ErrClosed
	}
	if r.up != nil {
		r.up.start()
	}
	return r.wait()
}

// validate checks what the engine cannot be asked.
func validate(req *http.Request) error {
	switch {
	case req.URL == nil:
		return errors.New("xferhttp: nil Request.URL")
	case req.URL.Scheme != "http" && req.URL.Scheme != "https":
		return fmt.Errorf("xferhttp: unsupported protocol scheme %q", req.URL.Scheme)
	case req.URL.Host == "":
		return errors.New("xferhttp: no Host in request URL")
	}
	return nil
}

// closeBody closes req.Body, if any.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// newRequest prepares the Easy for req.
func (t *Transport) newRequest(req *http.Request) *request {
	r := &request{req: req, sig: make(chan struct{}, 1)}
	r.buf = r.small[:0]
	e := &r.e
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if t.Easy != nil {
		t.Easy(req, e)
	}
	e.URL = req.URL.String()
	e.Method = method
	e.Header = easyHeader(req)
	e.Body, e.BodySize = nil, 0
	if req.Body != nil && req.Body != http.NoBody {
		r.up = newUpload(r)
		e.Body = r.up
		if req.ContentLength > 0 {
			e.BodySize = req.ContentLength
		}
	} else if req.Body != nil {
		req.Body.Close()
	}
	e.Write = r.write
	e.HeaderLine = r.headerLine
	e.FollowLocation, e.FailOnError = false, false
	if req.Close {
		e.ForbidReuse = true
	}
	e.Private = r
	r.limit = defaultBuffer
	if e.BufferSize > 0 {
		r.limit = e.BufferSize
	}
	return r
}

// plainHeader is easyHeader's result for a request with no header of its own. The engine
// only reads it.
var plainHeader = http.Header{"User-Agent": defaultUserAgent, "Accept": noValue, "Expect": noValue}

// easyHeader is req's header as the engine is to send it: net/http's default User-Agent,
// no Accept unless req has one, no Expect unless req has one (net/http's Transport sends
// none of its own; with req's "Expect: 100-continue" the body waits for 100, as with
// net/http's ExpectContinueTimeout), req.Host as the Host field, and no Host entry of its
// own.
func easyHeader(req *http.Request) http.Header {
	if len(req.Header) == 0 && (req.Host == "" || req.Host == req.URL.Host) {
		return plainHeader
	}
	h := make(http.Header, len(req.Header)+4)
	for k, v := range req.Header {
		if !strings.EqualFold(k, "Host") {
			h[k] = v
		}
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		h["User-Agent"] = defaultUserAgent
	}
	if _, ok := req.Header["Accept"]; !ok {
		h["Accept"] = noValue
	}
	if _, ok := req.Header["Expect"]; !ok {
		h["Expect"] = noValue
	}
	if req.Host != "" && req.Host != req.URL.Host {
		h["Host"] = []string{req.Host}
	}
	return h
}

// wait waits for the final response's header, or for the transfer's end.
func (r *request) wait() (*http.Response, error) {
	for {
		<-r.sig
		r.mu.Lock()
		resp, done, err := r.resp, r.done, r.err
		r.mu.Unlock()
		switch {
		case resp != nil:
			return resp, nil
		case done && err != nil:
			return nil, err
		case done:
			return nil, errNoResponse
		}
	}
}

var errNoResponse = errors.New("xferhttp: the transfer ended without a response")

// signal tells the goroutine waiting on r, if any, that its state changed.
func (r *request) signal() {
	select {
	case r.sig <- struct{}{}:
	default:
	}
}

// finish records the end of r's transfer, which the loop has removed. It runs on the loop.
func (r *request) finish(err error) {
	if r.finished {
		return
	}
	r.finished = true
	r.l.load.Add(-1)
	if r.stop != nil {
		r.stop()
	}
	if r.up != nil {
		r.up.end()
	}
	r.mu.Lock()
	r.done = true
	if err != nil && r.err == nil {
		r.err = err
	}
	r.trl = r.trailer
	r.mu.Unlock()
	r.signal()
}

// pauseState is the pause the transfer needs now: receiving while the reader has not made
// room, sending while the request body has nothing ready. It runs on the loop.
func (r *request) pauseState() xfer.PauseDir {
	dir := xfer.PauseCont
	r.mu.Lock()
	if r.paused {
		dir |= xfer.PauseRecv
	}
	r.mu.Unlock()
	if r.up != nil && r.up.isStarved() {
		dir |= xfer.PauseSend
	}
	return dir
}
