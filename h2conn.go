package xfer

import (
	"errors"
	"slices"

	"github.com/xfer-go/xfer/internal/http2"
	"golang.org/x/sys/unix"
)

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

// attach makes t a user of the connection; its stream opens at its send step.
func (p *http2Proto) attach(_ *conn, t *transfer) {
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
