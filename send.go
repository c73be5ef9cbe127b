package xfer

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/xfer-go/xfer/internal/http1"
	"golang.org/x/sys/unix"
)

// sendChunk is the most request-body bytes taken from Body.Read at a time.
const sendChunk = 16 << 10

// bodyState is the request body's progress.
type bodyState struct {
	r       io.Reader
	left    int64 // bytes still to read when the size is known
	chunked bool  // size unknown: sent with chunked coding
	eof     bool  // the reader is exhausted and the last bytes are in out
	waiting bool  // the reader had nothing to give; a retry is scheduled
	started bool  // Read was called: the reader is no longer at the body's start
	expect  bool  // the HTTP/1.1 head says "Expect: 100-continue"
	await   bool  // the body waits for 100 Continue (expect, and neither 100 nor expExpect100 came)
	pending int64 // body bytes in the out buffer
	size    int64 // the whole body's size; -1: unknown
	buf     []byte
	raw     bool // the protocol frames the body itself (HTTP/2): no chunked coding
	endSent bool // HTTP/2: the stream's END_STREAM went with the last bytes
}

// stepSend writes the request: the head, then the body as Body.Read gives it.
func (m *Multi) stepSend(t *transfer) bool {
	if t.info.preTransfer == 0 {
		t.info.preTransfer = m.since(t)
	}
	if t.throttled {
		if t.conn.tls != nil { // what TLS holds (the handshake's last flight) need not wait
			if err := flushTLS(t.conn); err != nil && err != unix.EAGAIN {
				return m.sendFailed(t, err)
			}
		}
		return false
	}
	for {
		if int(t.outOff) == len(t.out) {
			m.dropOut(t)
			if b := t.body; b != nil {
				t.info.uploaded += b.pending
				b.pending = 0
				if b.await { // the head is sent: the body waits for 100 Continue
					more := m.toRecv(t)
					if t.state == stRecv {
						m.expireIn(t, expExpect100, t.expect100Timeout())
					}
					return more
				}
			}
			more, ok := m.fillBody(t)
			if !ok {
				return false
			}
			if !more {
				return m.toRecv(t)
			}
		}
		n, err := connWrite(t.conn, t.out[t.outOff:])
		t.outOff += int32(n)
		switch {
		case err == unix.EAGAIN:
			return false
		case err != nil:
			return m.sendFailed(t, err)
		}
		if m.overRate(t, t.info.uploaded+t.bodyPending(), t.e.MaxSendSpeed) {
			return false
		}
	}
}

// toRecv moves t to reading the reply once TLS wrote out what it holds: the request is sent,
// or its head is and the body waits for 100 Continue.
func (m *Multi) toRecv(t *transfer) bool {
	if t.conn.tls != nil {
		if err := flushTLS(t.conn); err == unix.EAGAIN {
			return false
		} else if err != nil {
			return m.sendFailed(t, err)
		}
	}
	m.setState(t, stRecv)
	// The reply cannot have come yet: wait for the socket to say so rather than spend a
	// read on EAGAIN, unless TLS holds records read ahead.
	return t.conn.tls != nil && t.conn.tls.Buffered()
}

// expect100Threshold is the body size past which an HTTP/1.1 request says "Expect:
// 100-continue" (curl's EXPECT_100_THRESHOLD); a body of unknown size says it too.
const expect100Threshold = 1 << 20

// expects decides the expectation of an HTTP/1.1 request with header hdr and a body of
// size (-1: unknown): whether its body waits for 100 Continue, and whether the Expect
// field is xfer's own (auto) rather than hdr's. An Expect field in hdr wins: the body
// waits when its value is 100-continue, and an empty one means none. noExpect (a 417
// came) means none of xfer's.
func expects(hdr http.Header, size int64, noExpect bool) (wait, auto bool) {
	for k, vs := range hdr {
		if !strings.EqualFold(k, "Expect") {
			continue
		}
		for _, v := range vs {
			for tok := range strings.SplitSeq(v, ",") {
				if strings.EqualFold(strings.TrimSpace(tok), "100-continue") {
					return true, false
				}
			}
		}
		return false, false
	}
	auto = !noExpect && (size < 0 || size > expect100Threshold)
	return auto, auto
}

// expect100Timeout is how long t's body waits for 100 Continue.
func (t *transfer) expect100Timeout() time.Duration {
	if d := t.e.Expect100Timeout; d > 0 {
		return d
	}
	return time.Second
}

// continueBody ends t's wait for 100 Continue: 100 came, or expExpect100 fired. The body
// is sent next.
func (m *Multi) continueBody(t *transfer) {
	b := t.body
	if b == nil || !b.await || t.state != stRecv {
		return
	}
	b.await = false
	m.clearExpire(t, expExpect100)
	m.setState(t, stSend)
}

// sent reports whether the whole body went out.
func (b *bodyState) sent() bool { return b.eof || !b.chunked && b.left == 0 }

// Request heads are built in buffers the Multi lends and takes back once they are sent, so a
// transfer keeps no request bytes while it waits for its reply and a new request allocates
// nothing.
const (
	maxHeadBufs   = 64      // buffers kept for reuse
	headBufSize   = 512     // the capacity of a new one
	maxHeadBufCap = 4 << 10 // a larger one (a request with big headers) is not kept
)

// takeHeadBuf returns an empty buffer for a request head.
func (m *Multi) takeHeadBuf() []byte {
	if n := len(m.headBufs); n > 0 {
		b := m.headBufs[n-1]
		m.headBufs = m.headBufs[:n-1]
		return b
	}
	return make([]byte, 0, headBufSize)
}

// dropOut forgets t's unsent request bytes. A request head's buffer goes back to the Multi.
func (m *Multi) dropOut(t *transfer) {
	if t.outHead && len(m.headBufs) < maxHeadBufs && cap(t.out) <= maxHeadBufCap {
		m.headBufs = append(m.headBufs, t.out[:0])
	}
	t.out, t.outOff, t.outHead = nil, 0, false
}

// ownOut moves t's unsent request bytes out of the Multi's lent buffer into one of their
// own size: t is going to wait (for a lookup or a connection) before it sends them, and
// the Multi's few buffers are for requests sent at once.
func (m *Multi) ownOut(t *transfer) {
	if !t.outHead {
		return
	}
	out := append(make([]byte, 0, len(t.out)-int(t.outOff)), t.out[t.outOff:]...)
	m.dropOut(t)
	t.out = out
}

// fillBody puts the next piece of the request body into t.out. more is false when the
// whole request was sent; ok is false when t must wait (paused, reader empty) or failed.
func (m *Multi) fillBody(t *transfer) (more, ok bool) {
	b := t.body
	if b == nil || b.eof || (!b.chunked && b.left == 0) {
		return false, true
	}
	if t.e.pause&PauseSend != 0 {
		return false, false
	}
	b.waiting = false
	b.started = true
	if b.buf == nil {
		b.buf = make([]byte, sendChunk)
	}
	framed := b.chunked && !b.raw
	var p []byte
	switch {
	case framed:
		p = m.readBuf(max(t.bufSize(), sendChunk))[:sendChunk]
	case b.chunked:
		p = b.buf[:sendChunk]
	default:
		p = b.buf[:min(int64(len(b.buf)), b.left)]
	}
	n, err := t.readBody(p)
	switch {
	case errors.Is(err, ErrPause):
		t.e.pause |= PauseSend
		if n == 0 {
			return false, false
		}
	case err == io.EOF:
		b.eof = true
		if !b.chunked && b.left > int64(n) {
			m.fail(t, ErrReadError, fmt.Errorf("xfer: request body ended %d bytes short", b.left-int64(n)))
			return false, false
		}
	case err != nil:
		m.fail(t, ErrReadError, err)
		return false, false
	case n == 0:
		b.waiting = true
		m.expireIn(t, expRetry, time.Millisecond)
		return false, false
	}
	if t.done { // a callback of another kind cannot end t, but stay safe
		return false, false
	}
	b.pending = int64(n)
	switch {
	case framed:
		out := http1.AppendChunk(b.buf[:0], p[:n])
		if b.eof {
			out = http1.AppendLastChunk(out)
		}
		b.buf = out[:cap(out)]
		t.out = out
	case b.chunked:
		t.out = b.buf[:n]
	default:
		b.left -= int64(n)
		if b.left == 0 {
			b.eof = true
		}
		t.out = b.buf[:n]
	}
	t.outOff = 0
	return len(t.out) > 0 || !b.eof, true
}

// bodyPending is the number of body bytes in the out buffer.
func (t *transfer) bodyPending() int64 {
	if t.body == nil {
		return 0
	}
	return t.body.pending
}

// readBody calls Body.Read as a callback.
func (t *transfer) readBody(p []byte) (int, error) {
	var n int
	err := t.e.m.callback(func() (err error) {
		n, err = t.body.r.Read(p)
		return err
	})
	if n < 0 || n > len(p) {
		return 0, fmt.Errorf("xfer: Body.Read returned %d", n)
	}
	return n, err
}
