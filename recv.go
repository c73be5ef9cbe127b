package xfer

import (
	"errors"
	"fmt"
	"io"

	"github.com/xfer-go/xfer/internal/http1"
	"golang.org/x/sys/unix"
)

// readBudget is the most bytes one action reads for one transfer before it lets the others
// run (at least sixteen reads' worth); when it is spent the transfer asks for a timer of 0 to
// go on.
const readBudget = 256 << 10

// stepRecv reads the response until the socket has nothing more, the budget is spent, the
// transfer pauses or the response is complete.
func (m *Multi) stepRecv(t *transfer) bool {
	if t.e.pause&PauseRecv != 0 || t.throttled {
		return false
	}
	if t.held != nil && !m.deliverHeld(t) {
		return false
	}
	buf := m.readBuf(t.bufSize())
	plain := t.conn.tls == nil
	for budget := max(readBudget, 16*len(buf)); ; {
		n, err := m.connRead(t.conn, buf)
		switch {
		case n > 0:
			if t.info.startTransfer == 0 {
				t.info.startTransfer = m.since(t)
			}
			// A short read drained the socket; TLS may still hold records.
			if !m.consume(t, buf[:n]) {
				return t.state == stInit || t.state == stSend // a redirect to follow, or 100 Continue
			}
			if m.overRate(t, t.info.downloaded, t.e.MaxRecvSpeed) || (plain && n < len(buf)) {
				return false
			}
			if budget -= n; budget <= 0 {
				m.runSoon(t)
				return false
			}
		case err == unix.EAGAIN:
			return false
		case t.retryable() && (err == nil || err == unix.ECONNRESET || err == errTLSTruncated):
			m.retry(t) // the server closed the idle connection as we reused it
			return true
		case err == errTLSTruncated && !t.closeDelimited():
			// Without close_notify only a body that ends at the close is in doubt; for
			// the others the framing tells whether the body is whole.
			m.peerClosed(t)
			return t.state == stInit
		case err != nil:
			m.fail(t, ErrRecvError, err)
			return false
		default:
			m.peerClosed(t)
			return t.state == stInit
		}
	}
}

// consume feeds response bytes to the parser and acts on its events. It returns false when
// t cannot take more now: it finished, failed or paused (then the rest of in is held).
func (m *Multi) consume(t *transfer, in []byte) bool {
	p := t.parser
	for {
		n, ev, err := p.Next(in) // also with in empty: the end of a body is reported then
		in = in[n:]
		if err != nil {
			m.fail(t, parseErrorCode(err), err)
			return false
		}
		switch ev {
		case http1.EventNeedMore:
			return true
		case http1.EventHeaderLine:
			if !m.headerLine(t, p.Line()) {
				return false
			}
			if p.Interim() == 100 && t.body != nil && t.body.await {
				m.continueBody(t)
				if len(in) > 0 { // read with the 100: kept for after the body
					t.holdRest(in)
				}
				return false
			}
		case http1.EventResponse:
			if !m.response(t) {
				return false
			}
		case http1.EventBody:
			if !m.deliver(t, p.Body()) {
				if !t.done {
					t.holdRest(in)
				}
				return false
			}
		case http1.EventDone:
			m.complete(t, len(in) == 0)
			return false
		}
		if t.e.pause&PauseRecv != 0 {
			t.holdRest(in)
			return false
		}
	}
}

// headerLine hands one raw header line to HeaderLine.
func (m *Multi) headerLine(t *transfer, line []byte) bool {
	f := t.e.HeaderLine
	if f == nil {
		return true
	}
	if err := m.callback(func() error { return f(line) }); err != nil {
		m.fail(t, ErrWriteError, err)
		return false
	}
	return true
}

// response records the final response's head.
func (m *Multi) response(t *transfer) bool {
	p := t.parser
	if b := t.body; b != nil && b.expect && m.expectFailed(t, p.Status) {
		return true
	}
	return m.finalResponse(t, p.Status, p.Proto, p.ContentLength)
}

// expectFailed handles a final reply to a request that said "Expect: 100-continue". One
// that comes while the body waits for 100 ends the wait: the body is not sent, the reply
// is the result, and the connection is closed after it (complete). A 417 sends the request
// again, once, without Expect, when its body can be sent again: expectFailed then reports
// true and the reply's body is dropped.
func (m *Multi) expectFailed(t *transfer, status int) bool {
	b := t.body
	if b.await {
		b.await = false
		m.clearExpire(t, expExpect100)
	}
	if status != 417 || t.noExpect || b.started && !t.canRewind() {
		return false
	}
	t.noExpect, t.expect417, t.discard = true, true, true
	return true
}

// finalResponse records the final response's status, protocol and length, whatever the
// protocol, and decides whether t follows it (a redirect) or fails (FailOnError). It
// returns false when t ended.
func (m *Multi) finalResponse(t *transfer, status int, proto string, contentLength int64) bool {
	t.info.status = int32(status) // three digits
	t.info.proto = proto
	t.info.contentLength = contentLength
	m.storeCookies(t) // before a redirect's next hop asks the jar
	if !m.redirect(t) {
		return false
	}
	if t.discard {
		return true
	}
	if t.e.FailOnError && status >= 400 && !(status == 416 && t.resumes() && t.method == "GET") { // as curl: see startContent
		m.fail(t, ErrHTTPReturnedError, fmt.Errorf("xfer: the requested URL returned error: %d", status))
		return false
	}
	return m.startContent(t, status, contentLength)
}

// responseField returns the first value of the final response's field name, whatever the
// protocol.
func (t *transfer) responseField(name string) string {
	if s := t.h2; s != nil && s.used {
		return s.field(name)
	}
	if t.parser == nil {
		return ""
	}
	return t.parser.Get(name)
}

// deliver hands body bytes to Write. On ErrPause it keeps them to deliver again first.
func (m *Multi) deliver(t *transfer, body []byte) bool {
	if len(body) == 0 || t.discard {
		return true
	}
	if t.content != nil {
		return m.deliverContent(t, body)
	}
	if limit := t.e.MaxFileSize; limit > 0 && t.info.downloaded+int64(len(body)) > limit {
		m.fail(t, ErrFileSizeExceeded, fmt.Errorf("xfer: the body is more than MaxFileSize %d", limit))
		return false
	}
	w := t.e.Write
	if w == nil {
		t.info.downloaded += int64(len(body))
		return true
	}
	var n int
	err := m.callback(func() (err error) {
		n, err = w(body)
		return err
	})
	switch {
	case errors.Is(err, ErrPause):
		t.e.pause |= PauseRecv
		t.holdBody(body)
		return false
	case err != nil:
		m.fail(t, ErrWriteError, err)
		return false
	case n != len(body):
		m.fail(t, ErrWriteError, io.ErrShortWrite)
		return false
	}
	t.info.downloaded += int64(len(body))
	return true
}

// heldBytes is what a paused transfer keeps until it is unpaused: the body bytes Write
// refused, and the response bytes read after them but not yet parsed (the read buffer is
// shared, so they are copied).
type heldBytes struct{ body, rest []byte }

func (t *transfer) holdBody(b []byte) {
	if t.held == nil {
		t.held = new(heldBytes)
	}
	t.held.body = append(t.held.body[:0], b...)
}

func (t *transfer) holdRest(in []byte) {
	if t.held == nil {
		t.held = new(heldBytes)
	}
	t.held.rest = append(t.held.rest[:0], in...)
}

// deliverHeld delivers what was refused or read while receiving was paused.
func (m *Multi) deliverHeld(t *transfer) bool {
	h := t.held
	if !m.drainContent(t) {
		return false // paused again, or the decoded body ended
	}
	if len(h.body) > 0 {
		b := h.body
		h.body = nil
		if !m.deliver(t, b) || t.e.pause&PauseRecv != 0 {
			return false // paused again: b is held again (or in the decoder), with the rest
		}
	}
	t.held = nil
	// Even with nothing held: the parser reports the end of a body on its next call.
	if !m.consume(t, h.rest) {
		return false
	}
	return !t.done && t.state == stRecv
}

// complete ends t successfully. clean is false when bytes followed the response, which
// then must not be reused.
func (m *Multi) complete(t *transfer, clean bool) {
	p := t.parser
	// A body announced and not sent (a final reply came before 100) leaves the server
	// reading it or not: the connection is closed, unless the reply was the 417 that asks
	// for the request again.
	unsent := t.body != nil && !t.body.sent() && !t.expect417
	t.conn.reusable = clean && p.KeepAlive() && !t.e.ForbidReuse && !unsent
	if t.expect417 {
		m.resend(t)
		return
	}
	if t.discard {
		m.follow(t)
		return
	}
	if m.endBody(t) {
		m.finish(t, nil)
	}
}

// resend sends t's request again without Expect after a 417: on the same connection
// when the reply left it reusable (it goes back to the cache first), else on a new one.
func (m *Multi) resend(t *transfer) {
	t.discard, t.expect417 = false, false
	m.handBack(t)
	m.newHop(t)
}

// peerClosed handles the end of the stream from the server.
func (m *Multi) peerClosed(t *transfer) {
	ev, err := t.parser.EOF()
	if err != nil {
		m.fail(t, parseErrorCode(err), err)
		return
	}
	if ev == http1.EventDone {
		m.complete(t, false)
	}
}

// parseErrorCode maps a parser error to the transfer's result code.
func parseErrorCode(err error) Code {
	switch {
	case errors.Is(err, http1.ErrNoResponse):
		return ErrGotNothing
	case errors.Is(err, http1.ErrUnexpectedEOF):
		return ErrPartialFile
	case errors.Is(err, http1.ErrTruncatedHeader):
		return ErrRecvError
	}
	return ErrWeirdServerReply
}

// pauseChanged applies a new pause state to t: interest is recomputed and, when a direction
// was released, t is run at the next action.
func (m *Multi) pauseChanged(t *transfer, old PauseDir) {
	if t.conn != nil {
		m.setWant(t.conn.ent, t.interest())
	}
	if old&^t.e.pause != 0 {
		m.runSoon(t)
	}
}

// closeDelimited reports whether t's response body ends where the connection closes.
func (t *transfer) closeDelimited() bool {
	return t.info.status != 0 && t.parser.ContentLength < 0 && !t.parser.Chunked
}

// bufSize is the most bytes t takes from its socket per read.
func (t *transfer) bufSize() int {
	n := t.e.BufferSize
	switch {
	case n == 0:
		return 64 << 10
	case n < 1024:
		return 1024
	case n > 1<<20:
		return 1 << 20
	}
	return n
}
