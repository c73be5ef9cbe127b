package xfer

import (
	"net/netip"
	"time"

	"github.com/xfer-go/xfer/resolver"
)

// resolverQuery is a transfer's lookup in flight.
type resolverQuery struct {
	q      *resolver.Query
	inCall bool // inside resolver.Lookup: an answer arriving now is handled by stepInit
}

// resolver returns the Multi's resolver, making one from the system's configuration the
// first time it is needed. It returns nil when none can be made.
func (m *Multi) resolver() *resolver.Resolver {
	if m.res == nil {
		cfg, err := resolver.SystemConfig()
		if err != nil {
			return nil
		}
		r, err := resolver.New(cfg)
		if err != nil {
			return nil
		}
		m.res, m.resOwned = r, true
		m.attachResolver()
	}
	return m.res
}

// attachResolver routes the resolver's sockets through the socket hash (and so SocketFunc).
func (m *Multi) attachResolver() {
	m.res.SetWatch(m.resolverWatch)
}

// detachResolver withdraws the resolver's sockets; a resolver made here is closed.
func (m *Multi) detachResolver() {
	if m.resOwned {
		m.res.Close()
	}
	m.res.SetWatch(nil)
	m.timers.remove(&m.resNode)
	for fd := range m.resSocks {
		m.forgetSock(m.socks.get(fd))
	}
	clear(m.resSocks)
}

// hostsLookup answers from the hosts file.
func (m *Multi) hostsLookup(host string) []netip.Addr {
	if r := m.resolver(); r != nil {
		return r.LookupHosts(host)
	}
	return nil
}

// startLookup asks the resolver for t's host. The answer may come at once (cache), in
// which case t has moved on when this returns.
func (m *Multi) startLookup(t *transfer) {
	r := m.resolver()
	if r == nil {
		m.fail(t, t.lookupCode(), errNoResolver)
		return
	}
	host, _ := t.req.dialHost()
	if t.dial.lookingUpOrigin {
		host = t.target().host
	}
	t.dial.query.inCall = true
	q := r.Lookup(host, func(addrs []netip.Addr, err error) { m.lookupDone(t, addrs, err) })
	if d := t.dial; d != nil { // nil when the answer came at once and ended t
		d.query.inCall = false
		if t.state == stResolving {
			d.query.q = q
		}
	}
	m.syncResolverTimer()
}

// lookupDone receives the resolver's answer for t.
func (m *Multi) lookupDone(t *transfer, addrs []netip.Addr, err error) {
	if t.dial != nil {
		t.dial.query.q = nil
	}
	if t.done || t.state != stResolving {
		return
	}
	t.info.nameLookup = m.since(t)
	if err != nil {
		m.fail(t, t.lookupCode(), err)
		return
	}
	if t.dial.lookingUpOrigin {
		t.dial.lookingUpOrigin = false
		if !m.originFound(t, addrs) {
			return
		}
	} else {
		_, port := t.req.dialHost()
		t.dial.addrs = withPort(addrs, port)
		m.setState(t, stConnect)
	}
	if !t.dial.query.inCall {
		m.runSoon(t) // not from inside the resolver: it is run by this action's timer sweep
	}
}

// lookupCode is the code of a failed lookup: of the origin's name (for a socks4 or socks5
// proxy, a failure of the proxy's part, as curl counts it), or of the proxy's.
func (t *transfer) lookupCode() Code {
	switch {
	case t.dial.lookingUpOrigin:
		return ErrProxy
	case t.req.px != nil:
		return ErrCouldntResolveProxy
	}
	return ErrCouldntResolveHost
}

// cancelLookup stops t's lookup in flight.
func (m *Multi) cancelLookup(t *transfer) {
	if t.dial != nil && t.dial.query.q != nil {
		m.res.Cancel(t.dial.query.q)
		t.dial.query.q = nil
		m.syncResolverTimer()
	}
}

// resolverWatch is the resolver's WatchFunc: its sockets enter the socket hash like any
// other, and leave it (PollRemove first) before the resolver closes them.
func (m *Multi) resolverWatch(fd int, read, write bool) {
	ent := m.socks.get(fd)
	if !read && !write {
		if ent != nil && ent.res {
			delete(m.resSocks, fd)
			m.forgetSock(ent)
		}
		return
	}
	if ent == nil {
		ent = m.socks.add(fd)
		ent.res = true
		m.resSocks[fd] = struct{}{}
	}
	var want Poll
	if read {
		want |= PollIn
	}
	if write {
		want |= PollOut
	}
	m.setWant(ent, want)
}

// resolverEvent hands a ready resolver socket to the resolver.
func (m *Multi) resolverEvent(fd int, ev Event) {
	m.res.ProcessFd(fd, ev&(EventIn|EventErr) != 0, ev&(EventOut|EventErr) != 0)
	m.syncResolverTimer()
}

// resolverTimeout runs the resolver's expired deadlines. Answers already waiting in its
// sockets are read first: on a busy loop their readiness may not have been handed over
// yet, and a query must not time out with its answer in hand.
func (m *Multi) resolverTimeout() {
	if m.res == nil {
		return
	}
	for fd := range m.resSocks {
		m.res.ProcessFd(fd, true, false)
	}
	m.res.ProcessTimeouts(time.Now())
	m.syncResolverTimer()
}

// syncResolverTimer puts the resolver's next deadline in the expiry queue.
func (m *Multi) syncResolverTimer() {
	if m.res == nil {
		return
	}
	d, ok := m.res.NextTimeout()
	if !ok {
		m.timers.remove(&m.resNode)
		return
	}
	m.timers.schedule(&m.resNode, later(m.now(), max(time.Until(d), 0)))
}
