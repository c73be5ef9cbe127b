package xfer

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/xfer-go/xfer/internal/http1"
	"github.com/xfer-go/xfer/internal/http2"
	"golang.org/x/sys/unix"
)

// HTTPVersion is the HTTP version a transfer asks for (CURLOPT_HTTP_VERSION), numbered as
// libcurl's.
type HTTPVersion int

// The values of HTTPVersion.
const (
	HTTPVersionDefault         HTTPVersion = 0 // as HTTPVersion2TLS
	HTTPVersion11              HTTPVersion = 2 // HTTP/1.1 only; ALPN offers "http/1.1" alone
	HTTPVersion2TLS            HTTPVersion = 4 // https: ALPN offers "h2", "http/1.1" and the server picks; http: HTTP/1.1
	HTTPVersion2PriorKnowledge HTTPVersion = 5 // HTTP/2 only: the cleartext preface on http://, ALPN "h2" alone on https://
)

// maxRefusals is how many times a request that an HTTP/2 server refused or left
// unprocessed is sent again.
const maxRefusals = 5

// httpVersion is the version t asks for now: HTTP/1.1 once a server required it.
func (t *transfer) httpVersion() HTTPVersion {
	if t.forceH1 {
		return HTTPVersion11
	}
	return t.e.HTTPVersion
}

// alpn is what TLS offers for version.
func alpn(version HTTPVersion) []string {
	switch version {
	case HTTPVersion11:
		return []string{"http/1.1"}
	case HTTPVersion2PriorKnowledge:
		return []string{"h2"}
	}
	return []string{"h2", "http/1.1"}
}

// establish picks the protocol of t's new connection: HTTP/2 when the server chose "h2"
// by ALPN, or on cleartext with prior knowledge; HTTP/1.1 otherwise.
func (m *Multi) establish(t *transfer, c *conn) {
	h2 := false
	if c.tls != nil {
		h2 = c.tls.ConnectionState().NegotiatedProtocol == "h2"
	} else {
		h2 = t.httpVersion() == HTTPVersion2PriorKnowledge
	}
	if !h2 {
		c.proto = http1Proto{}
		m.endSetup(c)
		m.wakeWaiters(c.key) // transfers that waited for a multiplexed connection go their own way
		return
	}
	streams := m.opts.MaxConcurrentStreams
	if m.opts.DisableMultiplex {
		streams = 1
	}
	p := &http2Proto{c: c, cc: http2.NewClientConn(http2.Config{MaxConcurrentStreams: streams}), streams: map[uint32]*transfer{}}
	c.proto = p
	c.t = nil // a multiplexed connection belongs to its streams
	p.join(t)
	// Others join once the server's SETTINGS said how many streams it takes; until then
	// the connection still counts as being set up, for PipeWait.
	m.shared[c.key] = append(m.shared[c.key], c)
}

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

// http2Proto is HTTP/2 as a proto: one connection, many transfers, each a stream. A
// readiness event feeds the connection once and runs the streams it concerns; what the
// socket is watched for is the union of what the streams need: always reading, and
// writing while frames wait to be sent.
type http2Proto struct {
	c       *conn
	cc      *http2.ClientConn
	streams map[uint32]*transfer // open streams by id
	users   []*transfer          // transfers using the connection, streams open or about to be
	senders []*transfer          // streams waiting for a window, or for Outbound to drain
	scratch []*transfer
	line    []byte // a header line being built
	req     http2.Request
	fields  []http2.Field // the request's fields, while it is encoded
	inRead  bool          // inside read: a transfer that ends must not close the connection
	queued  bool          // in Multi.dirty: afterIO runs at the end of the API call
	dead    bool          // failed or closed: no stream may start
	goaway  bool          // the server sent GOAWAY: no new stream
}

// Why a stream waits in http2Proto.senders.
const (
	waitNone   uint8 = iota
	waitRoom         // Outbound is full: run again once it drained
	waitWindow       // the flow-control window is closed: run again at a WINDOW_UPDATE
)

// canTake reports whether another transfer may join the connection. None joins before
// the server's SETTINGS arrived: until then its stream limit is not known, and streams
// beyond it would be refused.
func (p *http2Proto) canTake() bool {
	if p.dead || p.goaway || !p.cc.GotPreface() || !p.cc.CanOpenStream() {
		return false
	}
	return len(p.users) < p.cc.MaxStreams()
}

// join makes t a user of the connection; its stream opens at its send step.
func (p *http2Proto) join(t *transfer) {
	p.users = append(p.users, t)
}

func (p *http2Proto) ready(m *Multi, _ *conn, _ Event) {
	p.read(m, readBudget)
	p.dirty(m)
}

// dirty asks for afterIO at the end of the API call (Multi.flushShared), once however
// many streams wrote: the frames of one action leave in one write.
func (p *http2Proto) dirty(m *Multi) {
	if !p.queued && !p.dead {
		p.queued = true
		m.dirty = append(m.dirty, p)
	}
}

// flushShared runs afterIO for every HTTP/2 connection that asked for it during the API
// call that is ending (dirty).
func (m *Multi) flushShared() {
	for i := 0; i < len(m.dirty); i++ { // afterIO may run streams, which may ask again
		p := m.dirty[i]
		m.dirty[i] = nil
		p.queued = false
		if !p.dead {
			p.afterIO(m)
		}
	}
	m.dirty = m.dirty[:0]
}

// afterIO flushes what waits to be sent, runs the streams that waited for room to
// write, and announces what the socket must be watched for.
func (p *http2Proto) afterIO(m *Multi) {
	if p.dead || !p.flush(m) {
		return
	}
	if len(p.cc.Outbound()) == 0 && len(p.senders) > 0 {
		run := p.takeSenders(waitRoom, 0)
		for _, t := range run {
			if !t.done && t.conn == p.c {
				m.run(t)
			}
		}
		clear(run)
		p.scratch = run[:0]
		if p.dead {
			return
		}
	}
	m.setWant(p.c.ent, p.interest())
}

// takeSenders takes the streams waiting for why (for a window: of stream id, or of any
// stream when id is 0) out of senders.
func (p *http2Proto) takeSenders(why uint8, id uint32) []*transfer {
	run := p.scratch[:0]
	kept := p.senders[:0]
	for _, t := range p.senders {
		s := t.h2
		if s != nil && s.waiting == why && (id == 0 || s.id == id) {
			s.waiting = waitNone
			run = append(run, t)
		} else {
			kept = append(kept, t)
		}
	}
	clear(p.senders[len(kept):])
	p.senders = kept
	return run
}

// interest is what the connection's socket must be watched for.
func (p *http2Proto) interest() Poll {
	if len(p.cc.Outbound()) > 0 {
		return PollInOut
	}
	return PollIn | p.c.tlsPending()
}

func (p *http2Proto) want(*transfer) Poll { return p.interest() }

// read reads from the socket until it has nothing more or budget bytes were read, and
// hands what it read to the ClientConn and its events to the streams.
func (p *http2Proto) read(m *Multi, budget int) {
	buf := m.readBuf(64 << 10)
	p.inRead = true
	defer func() { p.inRead = false }()
	for budget > 0 && !p.dead {
		n, err := m.connRead(p.c, buf)
		switch {
		case n > 0:
			budget -= n
			if !p.feed(m, buf[:n]) || p.c.tls == nil && n < len(buf) {
				return // failed, or a short read drained the socket
			}
		case err == unix.EAGAIN:
			return
		case err == nil || err == errTLSTruncated: // the server closed the connection
			p.fail(m, p.cc.EOF())
			return
		default:
			p.fail(m, err)
			return
		}
	}
	if budget <= 0 && len(p.users) > 0 {
		m.runSoon(p.users[0]) // more may be waiting: read on at the next action
	}
}

// feed hands in to the ClientConn and acts on its events. It returns false when the
// connection failed.
func (p *http2Proto) feed(m *Multi, in []byte) bool {
	for !p.dead {
		n, ev, err := p.cc.Next(in)
		in = in[n:]
		if err != nil {
			p.fail(m, err)
			return false
		}
		if ev.Kind == http2.EventNeedMore {
			return true
		}
		p.event(m, &ev)
	}
	return false
}

// event acts on one event of the ClientConn.
func (p *http2Proto) event(m *Multi, ev *http2.Event) {
	switch ev.Kind {
	case http2.EventGoAway:
		p.goaway = true
		m.unshare(p.c)
		if len(p.users) == 0 {
			p.close(m)
		}
		return
	case http2.EventSettings:
		m.endSetup(p.c)
		m.wakeWaiters(p.c.key) // the server may allow more streams now
		return
	case http2.EventWindowUpdate:
		for _, t := range p.takeSenders(waitWindow, ev.Stream) {
			m.runSoon(t)
		}
		return
	}
	t := p.streams[ev.Stream]
	if t == nil || t.done {
		return // a stream this side reset, or gave up
	}
	s := t.h2
	switch ev.Kind {
	case http2.EventHeaders:
		p.headers(m, t, ev)
	case http2.EventData:
		p.data(m, t, ev.Data)
	case http2.EventTrailers:
		s.trailer = append(s.trailer[:0], ev.Fields...)
		p.headerLines(m, t, 0, ev.Fields)
	case http2.EventEndStream:
		s.ended = true
		p.closeStream(s)
		if t.held == nil {
			p.complete(m, t)
		}
	case http2.EventReset:
		p.closeStream(s)
		p.reset(m, t, ev)
	}
}

// closeStream forgets s, which is over in the ClientConn.
func (p *http2Proto) closeStream(s *h2Stream) {
	s.closed = true
	delete(p.streams, s.id)
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

// fail ends the connection: every transfer on it fails with ErrHTTP2 (or, when the socket
// failed, with ErrRecvError), except those that may be sent again on a new connection: no
// byte of their reply arrived, on a connection that was reused, with a body that can be
// sent again.
func (p *http2Proto) fail(m *Multi, err error) {
	if p.dead {
		return
	}
	code := ErrHTTP2
	if !errors.Is(err, http2.ErrConnection) {
		code = ErrRecvError
	}
	if err == nil {
		err = errors.New("xfer: the server closed the HTTP/2 connection")
	}
	p.flush(m) // a GOAWAY of ours, when this side found the error
	p.dead = true
	m.unshare(p.c)
	users := append([]*transfer(nil), p.users...)
	for _, t := range users {
		switch {
		case t.done || t.conn != p.c:
		case t.retryable():
			m.retry(t)
			m.runSoon(t)
		default:
			m.fail(t, code, err)
		}
	}
	p.close(m)
}

// close closes the connection.
func (p *http2Proto) close(m *Multi) {
	p.dead = true
	if p.c.ent != nil {
		m.closeConn(p.c)
	}
}

// closing is called by closeConn: no stream may start on the connection any more.
func (p *http2Proto) closing(m *Multi, _ *conn) {
	p.dead = true
	m.unshare(p.c)
	p.cc.Close()
}

// flush writes what the ClientConn has to send. It returns false when the connection
// failed.
func (p *http2Proto) flush(m *Multi) bool {
	if p.dead {
		return false
	}
	for out := p.cc.Outbound(); len(out) > 0; out = p.cc.Outbound() {
		n, err := connWrite(p.c, out)
		if n > 0 {
			p.cc.Consumed(n)
		}
		switch {
		case err == unix.EAGAIN:
			return true
		case err != nil:
			p.fail(m, err)
			return false
		}
	}
	return true
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

func (p *http2Proto) release(m *Multi, c *conn, t *transfer) {
	for i, u := range p.users {
		if u == t {
			p.users = slices.Delete(p.users, i, i+1)
			break
		}
	}
	if s := t.h2; s != nil && s.used { // a stream of its own on c, not an earlier request's
		if s.waiting != waitNone {
			s.waiting = waitNone
			for i, w := range p.senders {
				if w == t {
					p.senders = slices.Delete(p.senders, i, i+1)
					break
				}
			}
		}
		if !s.closed {
			p.closeStream(s)
		}
		// A stream still open either way is reset; one the ClientConn closed already is
		// unknown to it, and Reset does nothing.
		p.cc.Reset(s.id, http2.CodeCancel)
	}
	switch {
	case p.dead:
		return // fail or closeConn is closing it
	case len(p.users) == 0 && (p.goaway || t.e.ForbidReuse):
		if !p.inRead {
			p.flush(m)
		}
		p.close(m)
		return
	}
	p.dirty(m)
	if len(p.users) == 0 {
		m.releaseConn(c) // which may close it, over MaxConnects
		if !p.dead {
			m.setWant(c.ent, p.interest())
		}
		return
	}
	m.slotFreed()
}
