package xfer

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/xfer-go/xfer/internal/conncache"
	"github.com/xfer-go/xfer/internal/sock"
	"github.com/xfer-go/xfer/internal/tlsconn"
	"golang.org/x/sys/unix"
)

// conn is one connection to a server. It is owned by one transfer at a time, or waits in
// the idle cache, still watched for PollIn so that a server closing it is noticed at once.
type conn struct {
	ent      *sockEntry
	fd       int
	key      string    // the cache key: scheme, host, port (and TLS identity)
	t        *transfer // the transfer using it; nil while idle
	idle     conncache.Entry[*conn]
	reusable bool // the last response left it fit for another request
	tls      *tlsconn.Conn
	proto    proto     // what it speaks once established; nil before
	mux      bool      // being set up, and may multiplex: counted in Multi.setups
	ends     *connEnds // the addresses (the one dialed, until connected) and TLS state

	pre   *prelude      // the proxy handshake, while it runs (proxy.go); else nil
	ptls  *tlsconn.Conn // an https proxy's TLS, under tls, when TLS to the origin runs inside it
	early []byte        // bytes that came with the proxy's reply, read before the socket's
}

// newConn registers a freshly opened fd as a connection of t.
func (m *Multi) newConn(t *transfer, fd int) *conn {
	c := &conn{fd: fd, key: t.target().key, t: t}
	c.idle.Value = c
	c.ent = m.socks.add(fd)
	c.ent.conn = c
	m.nconns++
	m.hostConns[c.key]++
	if t.target().h2 && !m.opts.DisableMultiplex {
		c.mux = true
		m.setups[c.key]++
	}
	return c
}

// dialState is what a transfer needs only while it finds its host's addresses and
// connects. It is kept apart, and reused through the Multi, so that a transfer holding a
// connection carries none of it.
type dialState struct {
	addrs    []addrCandidate // where the host may be reached, in the order to try
	next     int             // the next address to try
	lastErr  error           // why the last address failed
	query    resolverQuery   // the resolver lookup in flight
	attempts []*conn         // connections being made, raced (Happy Eyeballs)

	origin          netip.Addr // socks4 and socks5: the origin's address, looked up first
	lookingUpOrigin bool       // the lookup in flight is the origin's, for a socks4 or socks5 proxy
	eyeballsDue     bool       // the next attempt's start time came
	woken           bool       // taken out of Multi.pending for a freed slot
}

// maxSpareDials bounds the dialStates a Multi keeps for reuse.
const maxSpareDials = 256

// startDial gives t an empty dialState.
func (m *Multi) startDial(t *transfer) {
	m.endDial(t)
	if n := len(m.dials); n > 0 {
		t.dial = m.dials[n-1]
		m.dials = m.dials[:n-1]
		return
	}
	t.dial = &dialState{}
}

// endDial takes back t's dialState, once t has a connection or ended; its lookup and
// attempts are over by then.
func (m *Multi) endDial(t *transfer) {
	d := t.dial
	if d == nil {
		return
	}
	t.dial = nil
	clear(d.attempts[:cap(d.attempts)]) // no closed conn stays reachable from the spare
	*d = dialState{attempts: d.attempts[:0]}
	if len(m.dials) < maxSpareDials {
		m.dials = append(m.dials, d)
	}
}

// eyeballsDelay is how long a connection attempt runs alone before the next address is
// tried beside it (RFC 8305's Connection Attempt Delay).
const eyeballsDelay = 200 * time.Millisecond

// stepConnect takes an idle connection to the same origin, or, when a connection slot is
// free, starts connecting; otherwise t waits for a slot.
func (m *Multi) stepConnect(t *transfer) bool {
	key := t.target().key
	if !t.fresh() {
		c := m.muxConn(key)
		if c == nil {
			c = m.takeIdle(key, !t.retryableBody())
		}
		if c != nil {
			m.idle.Remove(&c.idle)
			c.proto.attach(c, t)
			t.conn, t.reused = c, true
			m.connected(t)
			return true
		}
	}
	m.waitForConn(t) // no connection to share, none idle
	if m.pipeWaits(t) || !m.slotFree(key) {
		m.setState(t, stPending)
		m.queueForSlot(t)
		return false
	}
	t.dial.woken = false
	if t.needOriginAddr() {
		return m.lookUpOrigin(t)
	}
	if _, err := t.localAddr(); err != nil {
		m.fail(t, ErrCouldntConnect, err)
		return false
	}
	m.setState(t, stConnecting)
	t.reused = false
	return m.startAttempt(t)
}

// startAttempt starts connecting to the next address. The attempt runs beside those in
// flight; if it is not the last address, the next one starts after eyeballsDelay unless a
// connection was made by then.
func (m *Multi) startAttempt(t *transfer) bool {
	for t.dial.next < len(t.dial.addrs) {
		addr := t.dial.addrs[t.dial.next]
		t.dial.next++
		local, _ := t.localAddr()
		fd, err := sock.Dial(addr, local)
		if fd < 0 {
			t.dial.lastErr = fmt.Errorf("xfer: connect to %v: %w", addr, err)
			continue
		}
		c := m.newConn(t, fd)
		c.ends = &connEnds{remote: addr}
		t.dial.attempts = append(t.dial.attempts, c)
		if err == nil { // connected at once
			c.ends.local, c.ends.remote = sock.Addrs(c.fd)
			m.won(t, c)
			return true
		}
		if t.dial.next < len(t.dial.addrs) {
			m.expireIn(t, expEyeballs, eyeballsDelay)
		}
		return false
	}
	if len(t.dial.attempts) == 0 {
		m.fail(t, ErrCouldntConnect, t.dial.lastErr)
	}
	return false
}

// localAddr is LocalAddr parsed; the zero Addr when it is not set.
func (t *transfer) localAddr() (netip.Addr, error) {
	if t.e.LocalAddr == "" {
		return netip.Addr{}, nil
	}
	ip, err := netip.ParseAddr(t.e.LocalAddr)
	if err != nil {
		return ip, fmt.Errorf("xfer: LocalAddr: %w", err)
	}
	return ip, nil
}

// stepConnecting checks the attempts in flight: the first to connect wins; a failed one
// makes room for the next address at once.
func (m *Multi) stepConnecting(t *transfer) bool {
	failed := false
	for i := 0; i < len(t.dial.attempts); i++ {
		c := t.dial.attempts[i]
		switch remote, err := sock.Connected(c.fd); err {
		case sock.ErrInProgress:
		case nil:
			c.ends.local, c.ends.remote = sock.LocalAddr(c.fd), remote
			m.won(t, c)
			return true
		default:
			t.dial.lastErr = fmt.Errorf("xfer: connect to %v: %w", c.ends.remote, err)
			t.dial.attempts = append(t.dial.attempts[:i], t.dial.attempts[i+1:]...)
			i--
			c.t = nil
			m.closeConn(c)
			failed = true
		}
	}
	if failed || t.dial.eyeballsDue {
		t.dial.eyeballsDue = false
		if t.dial.next < len(t.dial.addrs) && (len(t.dial.attempts) == 0 || m.slotFree(t.target().key)) {
			return m.startAttempt(t)
		}
	}
	if len(t.dial.attempts) == 0 {
		m.fail(t, ErrCouldntConnect, t.dial.lastErr)
	}
	return false
}

// won makes c t's connection and closes the other attempts (PollRemove first). c.ends
// holds both ends' addresses by then.
func (m *Multi) won(t *transfer, c *conn) {
	for _, o := range t.dial.attempts {
		if o != c {
			o.t = nil
			m.closeConn(o)
		}
	}
	clear(t.dial.attempts)
	t.dial.attempts = t.dial.attempts[:0]
	m.clearExpire(t, expEyeballs)
	t.conn = c
	t.info.numConnects++
	m.connected(t)
}

// closeAttempts closes the connection attempts of a transfer that ends while connecting.
func (m *Multi) closeAttempts(t *transfer) {
	if t.dial == nil {
		return
	}
	for _, c := range t.dial.attempts {
		c.t = nil
		m.closeConn(c)
	}
	clear(t.dial.attempts)
	t.dial.attempts = t.dial.attempts[:0]
}

// connected records a usable connection and moves t on to sending.
func (m *Multi) connected(t *transfer) {
	c := t.conn
	var preErr error
	if c.proto == nil && t.req.px != nil {
		preErr = m.newPrelude(t, c) // before endDial: it may need the origin's address
	}
	m.endDial(t)
	c.reusable = false
	t.info.ends = c.ends
	t.info.connect = m.since(t)
	if preErr != nil {
		m.fail(t, ErrProxy, preErr)
		return
	}
	if c.pre != nil {
		m.startPrelude(t) // the proxy's TLS and handshake come first
		return
	}
	if t.target().tls && c.tls == nil {
		m.startTLS(t) // the connect timeout goes on to cover the handshake
		return
	}
	t.info.appConnect = t.info.connect
	m.clearExpire(t, expConnect)
	if c.proto == nil {
		m.establish(t, c)
	}
	m.setState(t, stSend)
}

// takeIdle returns an idle connection for key. Idle connections are watched, so one the
// server closed is normally gone already; when the request could not be sent again after
// a failure (check), the connection is also probed, closing dead ones it meets.
func (m *Multi) takeIdle(key string, check bool) *conn {
	for {
		e := m.idle.Take(key)
		if e == nil {
			return nil
		}
		if c := e.Value; !check || sock.Alive(c.fd) {
			return c
		}
		m.closeConn(e.Value)
	}
}

// handBack takes t's connection from it. Its protocol decides what becomes of it (release);
// a connection never established cannot be reused, and is closed.
func (m *Multi) handBack(t *transfer) {
	c := t.conn
	if c == nil {
		return
	}
	t.conn = nil
	if c.proto != nil {
		c.proto.release(m, c, t)
		return
	}
	c.t = nil
	m.closeConn(c)
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
	m.slotFreed()
}

// closeConn closes c: PollRemove is announced first if its fd was watched.
func (m *Multi) closeConn(c *conn) {
	m.endSetup(c)
	if c.proto != nil {
		c.proto.closing(m, c)
	}
	m.idle.Remove(&c.idle)
	if c.tls != nil {
		c.tls.Close() // stops a handshake in progress; the close_notify is not waited for
	}
	if c.ptls != nil {
		c.ptls.Close()
	}
	m.closeSock(c.ent)
	c.ent = nil
	m.nconns--
	if m.hostConns[c.key]--; m.hostConns[c.key] == 0 {
		delete(m.hostConns, c.key)
	}
	if !m.claiming {
		m.slotFreed()
	}
}

// idleEvent handles activity on an idle connection. The server closed it or sent bytes
// nobody asked for, and then it cannot carry another request; but TLS may also deliver a
// message of its own (a session ticket, a key update), which leaves it usable.
func (m *Multi) idleEvent(c *conn) {
	if c.tls == nil {
		if !sock.Alive(c.fd) {
			m.closeConn(c)
		}
		return
	}
	buf := m.cipherBuf()
	n, err := m.lowerRead(c, buf)
	switch {
	case err == unix.EAGAIN:
		return
	case n <= 0:
		m.closeConn(c)
		return
	}
	c.tls.Feed(buf[:n])
	if k, err := c.tls.Read(m.readBuf(4096)); k > 0 || !errors.Is(err, tlsconn.ErrWouldBlock) {
		m.closeConn(c) // application data, close_notify or an error
	}
}

// tlsPending is PollOut when TLS has bytes waiting to be written.
func (c *conn) tlsPending() Poll {
	if c.tls != nil && c.tlsOutLen() > 0 {
		return PollOut
	}
	return 0
}

// muxConn returns a multiplexed connection for key that can take another stream, or nil.
func (m *Multi) muxConn(key string) *conn {
	for _, c := range m.shared[key] {
		if c.proto.(*http2Proto).canTake() {
			return c
		}
	}
	return nil
}

// unshare takes c out of the multiplexed connections that new transfers may join.
func (m *Multi) unshare(c *conn) {
	list := m.shared[c.key]
	for i, o := range list {
		if o == c {
			list = slices.Delete(list, i, i+1)
			break
		}
	}
	if len(list) == 0 {
		delete(m.shared, c.key)
	} else {
		m.shared[c.key] = list
	}
}

// endSetup records that c, which may have come to multiplex, is set up or closed.
func (m *Multi) endSetup(c *conn) {
	if !c.mux {
		return
	}
	c.mux = false
	if m.setups[c.key]--; m.setups[c.key] <= 0 {
		delete(m.setups, c.key)
	}
}

// pipeWaits reports whether t waits for a connection to its origin that is being set up
// and may multiplex, rather than open another (PipeWait).
func (m *Multi) pipeWaits(t *transfer) bool {
	return t.e.PipeWait && !t.fresh() && !m.opts.DisableMultiplex && t.target().h2 && m.setups[t.target().key] > 0
}

// wakeWaiters wakes every transfer waiting for a connection to key: one it may share was
// set up, turned out not to multiplex, or allows more streams.
func (m *Multi) wakeWaiters(key string) {
	for t := m.pending.Front(); t != nil; {
		next := m.pending.Next(t)
		if t.target().key == key {
			m.pending.Remove(t)
			t.dial.woken = true
			m.runSoon(t)
		}
		t = next
	}
}
