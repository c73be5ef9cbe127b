package xfer

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/xfer-go/xfer/internal/http1"
	"github.com/xfer-go/xfer/internal/http2"
)

// h2Stream is a transfer's HTTP/2 stream.
type h2Stream struct {
	used    bool // the request went out on this stream: the rest is its
	id      uint32
	closed  bool  // the stream is over in the ClientConn: ended, or reset
	ended   bool  // END_STREAM received: the response is complete (perhaps not yet delivered)
	started bool  // a response header block arrived
	waiting uint8 // why it is in http2Proto.senders (waitRoom, waitWindow), or waitNone
	fields  []http2.Field
	trailer []http2.Field
}

// field returns the first value of the response field name.
func (s *h2Stream) field(name string) string {
	for _, f := range s.fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// fieldsHeader makes an http.Header of HTTP/2 fields.
func fieldsHeader(fields []http2.Field) http.Header {
	h := make(http.Header, len(fields))
	for _, f := range fields {
		k := http.CanonicalHeaderKey(f.Name)
		h[k] = append(h[k], f.Value)
	}
	return h
}

// headers delivers a header block: 1xx interim responses, then the final one.
func (p *http2Proto) headers(m *Multi, t *transfer, ev *http2.Event) {
	s := t.h2
	s.started = true
	if t.info.startTransfer == 0 {
		t.info.startTransfer = m.since(t)
	}
	if !p.headerLines(m, t, ev.Status, ev.Fields) || ev.Status < 200 {
		return
	}
	s.fields = append(s.fields[:0], ev.Fields...)
	length := int64(-1)
	if v := s.field("content-length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			length = n
		}
	}
	m.finalResponse(t, ev.Status, "HTTP/2.0", length)
}

// headerLines hands a header block to HeaderLine as HTTP/1-style lines: the status line
// (when status is not 0), a line per field, and the empty line. It returns false when t
// ended.
func (p *http2Proto) headerLines(m *Multi, t *transfer, status int, fields []http2.Field) bool {
	if t.e.HeaderLine == nil {
		return true
	}
	if status != 0 {
		p.line = http2.AppendStatusLine(p.line[:0], status)
		if !m.headerLine(t, p.line) {
			return false
		}
	}
	for _, f := range fields {
		p.line = http2.AppendFieldLine(p.line[:0], f)
		if !m.headerLine(t, p.line) {
			return false
		}
	}
	return m.headerLine(t, append(p.line[:0], "\r\n"...))
}

// data delivers body bytes to t, or holds them while t is paused, throttled, or holds
// bytes already. The stream's window is credited only for what Write took, so what a
// paused stream holds stays within its window.
func (p *http2Proto) data(m *Multi, t *transfer, b []byte) {
	id := t.h2.id
	if t.discard { // the body of a redirect to follow
		p.cc.DataConsumed(id, len(b))
		return
	}
	if t.e.pause&PauseRecv != 0 || t.throttled || t.held != nil {
		t.holdMore(b)
		return
	}
	if m.deliver(t, b) { // else paused (deliver holds b) or failed
		p.cc.DataConsumed(id, len(b))
		m.overRate(t, t.info.downloaded, t.e.MaxRecvSpeed)
	}
}

// holdMore adds b to what t holds until it is unpaused.
func (t *transfer) holdMore(b []byte) {
	if t.held == nil {
		t.held = new(heldBytes)
	}
	t.held.body = append(t.held.body, b...)
}

// complete ends t, whose response arrived whole.
func (p *http2Proto) complete(m *Multi, t *transfer) {
	if t.discard {
		m.follow(t)
		if !t.done {
			m.runSoon(t) // the next hop starts at the next action: nothing else runs it
		}
		return
	}
	if m.endBody(t) {
		m.finish(t, nil)
	}
}

// reset ends t, whose stream the server reset or left unprocessed: it is sent again on
// another connection when that is safe, else it fails.
func (p *http2Proto) reset(m *Multi, t *transfer, ev *http2.Event) {
	var se *http2.StreamError
	errors.As(ev.Err, &se)
	again := !t.h2.started && t.retryableBody() && t.refusals < maxRefusals
	switch {
	case again && ev.Code == http2.CodeHTTP11Required:
		t.forceH1 = true
		p.sendAgain(m, t)
	case again && se != nil && se.Retryable():
		p.sendAgain(m, t)
	default:
		m.fail(t, ErrHTTP2Stream, ev.Err)
	}
}

// sendAgain starts t's request anew, on another connection.
func (p *http2Proto) sendAgain(m *Multi, t *transfer) {
	t.refusals++
	m.handBack(t)
	t.forceFresh = true
	m.newHop(t)
	m.runSoon(t)
}

// send opens t's stream and writes its body as the windows allow.
func (p *http2Proto) send(m *Multi, t *transfer) bool {
	if t.info.preTransfer == 0 {
		t.info.preTransfer = m.since(t)
	}
	if (t.h2 == nil || !t.h2.used) && !p.open(m, t) {
		return false
	}
	s := t.h2
	if s.waiting != waitNone {
		return false // run again by afterIO or a WINDOW_UPDATE
	}
	for b := t.body; b != nil && !b.endSent; {
		if t.e.pause&PauseSend != 0 || t.throttled || s.closed {
			return false
		}
		if int(t.outOff) == len(t.out) {
			more, ok := m.fillBody(t)
			if !ok {
				return false
			}
			b.pending = 0
			if !more {
				if err := p.cc.EndStream(s.id); err != nil {
					p.streamFailed(m, t, err)
					return false
				}
				b.endSent = true
				break
			}
		}
		end := b.eof
		n, err := p.cc.WriteData(s.id, t.out[t.outOff:], end)
		t.outOff += int32(n)
		t.info.uploaded += int64(n)
		if err != nil {
			p.streamFailed(m, t, err)
			return false
		}
		if int(t.outOff) < len(t.out) {
			// Outbound was full, or a window closed. What waits is sent first; once it is
			// gone, a write that takes nothing has met a closed window, which the
			// ClientConn then reports open with EventWindowUpdate.
			if len(p.cc.Outbound()) > 0 {
				if !p.flush(m) {
					return false
				}
				if len(p.cc.Outbound()) == 0 {
					continue
				}
				p.waitToSend(t, waitRoom)
			} else {
				p.waitToSend(t, waitWindow)
			}
			m.setWant(p.c.ent, p.interest())
			return false
		}
		b.endSent = end
		if m.overRate(t, t.info.uploaded, t.e.MaxSendSpeed) {
			p.dirty(m)
			return false
		}
	}
	m.dropOut(t)
	m.setState(t, stRecv)
	p.dirty(m)
	return false // the reply cannot be here yet: the socket's readiness will say
}

// open sends t's request header on a new stream.
func (p *http2Proto) open(m *Multi, t *transfer) bool {
	if p.dead {
		return false
	}
	m.dropOut(t) // the HTTP/1.1 head built before the protocol was known
	if b := t.body; b != nil {
		b.raw = true
		b.expect, b.await = false, false // HTTP/2 sends no Expect of its own and never waits
	}
	hdr := t.requestHeader(t.req)
	p.fields = h2Fields(p.fields[:0], hdr, t.method, t.body)
	req := &p.req // OpenStream encodes it at once: it is reused
	*req = http2.Request{
		Method:    t.method,
		Scheme:    "http",
		Authority: t.req.hostHdr,
		Path:      t.req.reqTarget,
		Header:    p.fields,
		Body:      t.body != nil,
	}
	if h := hdr.Get("Host"); h != "" { // as with HTTP/1.1, a Host field names the authority
		req.Authority = h
	}
	if t.target().tls {
		req.Scheme = "https"
	}
	id, err := p.cc.OpenStream(req)
	clear(p.fields) // no strings kept from the last request
	if errors.Is(err, http2.ErrNoStream) && t.refusals < maxRefusals {
		// The server allows fewer streams than were joined before its SETTINGS came:
		// t looks for a connection again.
		t.refusals++
		p.users = slices.DeleteFunc(p.users, func(u *transfer) bool { return u == t })
		t.conn = nil
		m.setState(t, stConnect)
		m.runSoon(t)
		return false
	}
	if err != nil {
		code := ErrSendError
		if errors.Is(err, http2.ErrInvalidRequest) {
			code = ErrURLMalformat
		}
		m.fail(t, code, err)
		return false
	}
	s := t.h2 // kept from an earlier request of the Easy, with its slices
	if s == nil {
		s = new(h2Stream)
		t.h2 = s
	}
	*s = h2Stream{id: id, used: true, fields: s.fields[:0], trailer: s.trailer[:0]}
	p.streams[id] = t
	return true
}

// h2Fields appends a request's header to fields as HTTP/2 fields, with the defaults the HTTP/1.1
// writer adds (a User-Agent and an Accept unless the header sets them; an empty value:
// not sent, nor is an empty Expect: xfer's own Expect is in the HTTP/1.1 head only) and
// the body's length when it is known, 0 for a method that has a body and was given none.
func h2Fields(fields []http2.Field, h http.Header, method string, body *bodyState) []http2.Field {
	hasUA, hasAccept := false, false
	for k, vs := range h {
		ua, accept := strings.EqualFold(k, "User-Agent"), strings.EqualFold(k, "Accept")
		switch {
		case strings.EqualFold(k, "Content-Length"), strings.EqualFold(k, "Host"):
			continue
		case (ua || accept || strings.EqualFold(k, "Expect")) && len(vs) == 1 && vs[0] == "":
			hasUA, hasAccept = hasUA || ua, hasAccept || accept
			continue
		}
		hasUA, hasAccept = hasUA || ua, hasAccept || accept
		for _, v := range vs {
			fields = append(fields, http2.Field{Name: k, Value: v}) // the ClientConn lowercases names
		}
	}
	if !hasUA {
		fields = append(fields, http2.Field{Name: "user-agent", Value: http1.DefaultUserAgent})
	}
	if !hasAccept {
		fields = append(fields, http2.Field{Name: "accept", Value: "*/*"})
	}
	switch {
	case body != nil && body.size >= 0:
		fields = append(fields, http2.Field{Name: "content-length", Value: strconv.FormatInt(body.size, 10)})
	case body == nil && http1.MethodHasBody(method):
		fields = append(fields, http2.Field{Name: "content-length", Value: "0"})
	}
	return fields
}

// waitToSend puts t among the streams waiting to write, for why.
func (p *http2Proto) waitToSend(t *transfer, why uint8) {
	if t.h2.waiting == waitNone {
		p.senders = append(p.senders, t)
	}
	t.h2.waiting = why
}

// streamFailed ends t, whose stream could not be written to.
func (p *http2Proto) streamFailed(m *Multi, t *transfer, err error) {
	if errors.Is(err, http2.ErrConnection) {
		p.fail(m, err)
		return
	}
	m.fail(t, ErrHTTP2Stream, err)
}

// recv delivers what t holds, then reads the connection for every stream on it: also
// when t is paused, for the read may be its siblings' (what is read for t is held).
func (p *http2Proto) recv(m *Multi, t *transfer) bool {
	if h := t.held; h != nil && t.e.pause&PauseRecv == 0 && !t.throttled {
		if !m.drainContent(t) {
			return false // paused again, or the decoded body ended
		}
		b := h.body
		t.held = nil
		if len(b) > 0 {
			if !m.deliver(t, b) {
				return false // paused again: deliver holds b again
			}
			if !t.h2.closed {
				p.cc.DataConsumed(t.h2.id, len(b))
			}
			if m.overRate(t, t.info.downloaded, t.e.MaxRecvSpeed) {
				p.dirty(m)
				return false
			}
		}
		if t.h2.ended {
			p.complete(m, t)
			return false
		}
	}
	p.read(m, readBudget)
	p.dirty(m)
	return false
}
