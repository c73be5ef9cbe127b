package xfer

import (
	"crypto/tls"
	"fmt"
	"net/netip"

	"github.com/xfer-go/xfer/internal/conncache"
	"github.com/xfer-go/xfer/internal/sock"
	"github.com/xfer-go/xfer/internal/tlsconn"
)

// conn is one connection to a server. It is owned by one transfer at a time, or waits in
// the idle cache, still watched for PollIn so that a server closing it is noticed at once.
type conn struct {
	ent           *sockEntry
	fd            int
	key           string    // the cache key: scheme, host, port (and TLS identity)
	t             *transfer // the transfer using it; nil while idle
	idle          conncache.Entry[*conn]
	reusable      bool // the last response left it fit for another request
	tls           *tlsconn.Conn
	tlsState      *tls.ConnectionState // once the handshake is done
	local, remote netip.AddrPort
}

// newConn registers a freshly opened fd as a connection of t.
func (m *Multi) newConn(t *transfer, fd int) *conn {
	c := &conn{fd: fd, key: t.target.key, t: t}
	c.idle.Value = c
	c.ent = m.socks.add(fd)
	c.ent.conn = c
	m.nconns++
	return c
}

// stepConnect takes an idle connection to the same origin, or starts connecting to the next
// address.
func (m *Multi) stepConnect(t *transfer) bool {
	if !t.e.FreshConnect {
		if c := m.takeIdle(t.target.key); c != nil {
			c.t, t.conn = t, c
			m.connected(t)
			return true
		}
	}
	var local netip.Addr
	if t.e.LocalAddr != "" {
		ip, err := netip.ParseAddr(t.e.LocalAddr)
		if err != nil {
			m.fail(t, ErrCouldntConnect, fmt.Errorf("xfer: LocalAddr: %w", err))
			return false
		}
		local = ip
	}
	for t.next < len(t.addrs) {
		addr := t.addrs[t.next]
		t.next++
		fd, err := sock.Dial(addr, local)
		if fd < 0 {
			t.lastErr = fmt.Errorf("xfer: connect to %v: %w", addr, err)
			continue
		}
		t.conn = m.newConn(t, fd)
		t.info.NumConnects++
		if err == nil {
			m.connected(t)
			return true
		}
		t.state = stConnecting
		return false
	}
	m.fail(t, ErrCouldntConnect, t.lastErr)
	return false
}

// stepConnecting checks a connect in progress; a failed one moves on to the next address.
func (m *Multi) stepConnecting(t *transfer) bool {
	c := t.conn
	switch err := sock.Connected(c.fd); err {
	case sock.ErrInProgress:
		return false
	case nil:
		m.connected(t)
		return true
	default:
		t.lastErr = fmt.Errorf("xfer: connect to %v: %w", t.addrs[t.next-1], err)
		t.conn, c.t = nil, nil
		m.closeConn(c)
		t.state = stConnect
		return true
	}
}

// connected records a usable connection and moves t on to sending.
func (m *Multi) connected(t *transfer) {
	c := t.conn
	if !c.remote.IsValid() {
		c.local, c.remote = sock.Addrs(c.fd)
	}
	c.reusable = false
	t.info.LocalAddr, t.info.RemoteAddr = c.local, c.remote
	t.info.Connect = m.since(t)
	if t.target.tls && c.tls == nil {
		m.startTLS(t) // the connect timeout goes on to cover the handshake
		return
	}
	t.info.AppConnect = t.info.Connect
	t.info.TLS = c.tlsState
	m.clearExpire(t, expConnect)
	t.state = stSend
}

// takeIdle returns a live idle connection for key, closing dead ones it meets.
func (m *Multi) takeIdle(key string) *conn {
	for {
		e := m.idle.Take(key)
		if e == nil {
			return nil
		}
		if c := e.Value; sock.Alive(c.fd) {
			return c
		}
		m.closeConn(e.Value)
	}
}

// releaseConn puts a connection whose transfer finished cleanly into the idle cache, and
// closes the oldest idle ones beyond MaxConnects.
func (m *Multi) releaseConn(c *conn) {
	c.t = nil
	m.idle.Put(&c.idle, c.key)
	m.setWant(c.ent, PollIn)
	limit := m.opts.MaxConnects
	if limit == 0 {
		limit = 4 * len(m.handles)
	}
	for m.idle.Len() > limit {
		m.closeConn(m.idle.Oldest().Value)
	}
}

// closeConn closes c: PollRemove is announced first if its fd was watched.
func (m *Multi) closeConn(c *conn) {
	m.idle.Remove(&c.idle)
	if c.tls != nil {
		c.tls.Close() // stops a handshake in progress; the close_notify is not waited for
	}
	m.closeSock(c.ent)
	c.ent = nil
	m.nconns--
}

// idleEvent handles activity on an idle connection: the server closed it or sent bytes
// nobody asked for. Either way it cannot carry another request.
func (m *Multi) idleEvent(c *conn) {
	m.closeConn(c)
}
