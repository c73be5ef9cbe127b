package xfer

import "github.com/xfer-go/xfer/internal/http1"

// http1Proto is HTTP/1.1 as a proto: one transfer at a time on a connection, its request
// written by stepSend (send.go) and its response read by stepRecv (recv.go) through the
// transfer's http1.Parser.
type http1Proto struct{}

func (http1Proto) ready(m *Multi, c *conn, _ Event) {
	if c.t != nil {
		m.run(c.t)
		return
	}
	m.idleEvent(c)
}

func (http1Proto) send(m *Multi, t *transfer) bool {
	if !t.h1ready {
		if t.parser == nil {
			t.parser = new(http1.Parser)
		}
		t.parser.Reset(t.method)
		t.h1ready = true
	}
	return m.stepSend(t)
}

func (http1Proto) recv(m *Multi, t *transfer) bool { return m.stepRecv(t) }

func (http1Proto) release(m *Multi, c *conn, _ *transfer) {
	c.t = nil
	if c.reusable {
		m.releaseConn(c)
	} else {
		m.closeConn(c)
	}
}

func (http1Proto) attach(c *conn, t *transfer) { c.t = t }

func (http1Proto) closing(*Multi, *conn) {}

func (http1Proto) want(t *transfer) Poll {
	pending := t.conn.tlsPending()
	if t.state == stSend {
		if pending != 0 {
			return PollOut
		}
		if t.e.pause&PauseSend != 0 || (t.body != nil && t.body.waiting) || t.throttled {
			return 0
		}
		return PollOut
	}
	if t.e.pause&PauseRecv != 0 || t.throttled {
		return pending
	}
	return PollIn | pending
}
