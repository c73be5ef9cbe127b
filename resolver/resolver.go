// Package resolver is an asynchronous DNS stub resolver in the manner of
// c-ares: it never blocks and starts no goroutine. It opens its own
// non-blocking UDP and TCP sockets and asks its owner, through a WatchFunc,
// to watch them; the owner's event loop reports readiness with ProcessFd
// and lets retries run with NextTimeout and ProcessTimeouts.
//
// Inside an xfer Multi the Multi is that owner: the resolver's sockets reach
// the application through the Multi's SocketFunc and its retries through the
// Multi's timer. On its own it is driven like this (see the Example):
//
//	r, err := resolver.New(cfg)        // or resolver.SystemConfig()
//	r.SetWatch(func(fd int, read, write bool) { ... add, change or remove fd in the loop ... })
//	q := r.Lookup("www.example.com", func(addrs []netip.Addr, err error) { ... })
//	for !finished {
//		deadline, ok := r.NextTimeout()          // wait no later than this
//		... poll, epoll_wait, kevent or select over the watched fds ...
//		r.ProcessFd(fd, readable, writable)      // for each ready fd
//		r.ProcessTimeouts(time.Now())            // after every wait
//	}
//	r.Cancel(q)                                // to give up early; done is then never called
//	r.Close()
//
// A Resolver is used from one goroutine, the loop's: it is not safe for
// concurrent use, and it calls the WatchFunc and done only from inside its
// own methods. done may call any method, including Lookup, Cancel and Close;
// the WatchFunc must not call the Resolver.
//
// How a name is resolved: an IP literal is returned as it is;
// "localhost" and names under ".localhost" are the loopback addresses
// (RFC 6761); names under ".onion" are not found (RFC 7686); then the hosts
// file is consulted, and only then DNS. DNS asks A and AAAA together, over
// UDP, each on a socket of its own with a fresh ephemeral port and random
// ID (RFC 5452), and again over TCP when a reply is truncated. Each server
// is tried Attempts times, Timeout each, in order or in turn (Rotate);
// SERVFAIL, REFUSED and the like move on to the next server at once. Names
// are expanded with the search list as resolv.conf describes (ndots; a
// name ending in '.' is tried alone). A CNAME chain is followed within the
// answer, at most 8 links; no further query is sent for it. Answers are
// cached for their TTL (at most an hour); NXDOMAIN and NODATA for the SOA's
// negative TTL (at most 5 minutes). Lookups of one name while its queries
// are in flight share them.
//
// Addresses are returned IPv4 first, then IPv6, each family in the order
// of the answer (of the hosts file). Interleaving the families for Happy
// Eyeballs (RFC 8305) is the caller's business.
package resolver

import (
	"crypto/rand"
	mrand "math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// WatchFunc is called when the resolver's interest in one of its sockets
// changes: read and write say what to wait for. Both false means stop
// watching; it comes before the resolver closes fd, so a number the kernel
// reuses is never confused with the old socket. It is called only on a
// change, and never for a socket that was not announced.
type WatchFunc func(fd int, read, write bool)

// Resolver resolves host names to addresses; see the package comment. Make
// one with New.
type Resolver struct {
	set   settings
	hosts hostsFile
	watch WatchFunc
	ids   *mrand.ChaCha8 // query IDs, seeded from crypto/rand
	turn  int            // next first server, with Rotate

	lookups map[string]*lookup // in flight, by lower-case host
	socks   map[int]*exchange  // every open socket's exchange
	timers  deadlines          // exchanges waiting for an answer
	again   []int              // UDP fds whose read budget ran out: read them again soon
	ready   []*Query           // finished, done not yet called, in order
	cache   cache
	buf     []byte // UDP receive buffer, shared: the Resolver is single-threaded
	closed  bool
}

// Query is one caller's wait for a Lookup; pass it to Cancel to stop
// waiting.
type Query struct {
	host  string
	done  func(addrs []netip.Addr, err error)
	l     *lookup // while waiting
	state queryState
	addrs []netip.Addr
	err   error
}

type queryState uint8

const (
	queryWaiting   queryState = iota // attached to a lookup
	queryReady                       // result known, in r.ready
	queryDone                        // done called
	queryCancelled                   // done will not be called
)

// Host returns the name that was looked up.
func (q *Query) Host() string { return q.host }

// New returns a Resolver for cfg. It opens nothing until the first Lookup.
func New(cfg Config) (*Resolver, error) {
	set, err := newSettings(cfg)
	if err != nil {
		return nil, err
	}
	path := cfg.HostsFile
	if path == "" {
		path = defaultHosts
	}
	var seed [32]byte
	rand.Read(seed[:])
	return &Resolver{
		set:     set,
		hosts:   hostsFile{path: path},
		ids:     mrand.NewChaCha8(seed),
		lookups: make(map[string]*lookup),
		socks:   make(map[int]*exchange),
	}, nil
}

// SetWatch installs the function told about the resolver's sockets (nil:
// none). Set it before the first Lookup: sockets open at the time are not
// announced again.
func (r *Resolver) SetWatch(w WatchFunc) { r.watch = w }

// Lookup starts resolving host for both A and AAAA and returns at once.
// done is called exactly once, unless q is cancelled: later, from inside
// ProcessFd, ProcessTimeouts or Lookup, or before Lookup returns when the
// answer is known at once (an IP literal, localhost, the hosts file, the
// cache, an invalid name, a closed Resolver). On success addrs is not empty
// and belongs to the caller; on failure err is an *Error. Lookups of one
// name while its queries are in flight share them.
func (r *Resolver) Lookup(host string, done func(addrs []netip.Addr, err error)) *Query {
	q := &Query{host: host, done: done}
	r.start(q)
	r.deliver()
	return q
}

func (r *Resolver) start(q *Query) {
	host := q.host
	if r.closed {
		r.finish(q, nil, ErrClosed)
		return
	}
	if a, err := netip.ParseAddr(host); err == nil {
		r.finish(q, []netip.Addr{a}, nil)
		return
	}
	key := lowerASCII(host)
	bare := key
	if len(bare) > 0 && bare[len(bare)-1] == '.' {
		bare = bare[:len(bare)-1]
	}
	switch {
	case !validName(host):
		r.finish(q, nil, ErrInvalidName)
		return
	case isLocalhost(bare):
		r.finish(q, []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}, nil)
		return
	case isUnresolvable(bare):
		r.finish(q, nil, ErrNotFound)
		return
	}
	if addrs := r.hosts.lookup(bare); len(addrs) > 0 {
		r.finish(q, slices.Clone(addrs), nil)
		return
	}
	if l := r.lookups[key]; l != nil {
		q.l = l
		l.waiters = append(l.waiters, q)
		return
	}
	l := &lookup{r: r, key: key, host: host, names: nameList(host, r.set.search, r.set.ndots), cand: -1}
	for i := range l.ex {
		l.ex[i] = exchange{l: l, fd: -1, hidx: -1, qtype: qtypes[i], finished: true}
	}
	q.l = l
	l.waiters = append(l.waiters, q)
	r.lookups[key] = l
	r.advance(l)
}

// finish records q's result and queues it for delivery.
func (r *Resolver) finish(q *Query, addrs []netip.Addr, reason error) {
	q.l = nil
	q.state = queryReady
	q.addrs = addrs
	if reason != nil {
		q.err = &Error{Name: q.host, Err: reason}
	}
	r.ready = append(r.ready, q)
}

// deliver calls done for every finished query, each exactly once. It runs
// last in every entry point, once the resolver's state is consistent, so a
// done that calls back in sees no half-made change; a query cancelled
// meanwhile (Close cancels them all) is skipped.
func (r *Resolver) deliver() {
	for len(r.ready) > 0 {
		q := r.ready[0]
		r.ready[0] = nil
		r.ready = r.ready[1:]
		if q.state != queryReady {
			continue
		}
		q.state = queryDone
		addrs, err := q.addrs, q.err
		q.addrs, q.err = nil, nil
		if q.done != nil {
			q.done(addrs, err)
		}
	}
	r.ready = nil
}

// Cancel stops q: its done is never called. The queries it shared stop
// when no one else waits for them; their sockets are closed. Cancelling a
// query whose done has been called, or nil, does nothing.
func (r *Resolver) Cancel(q *Query) {
	if q == nil {
		return
	}
	switch q.state {
	case queryWaiting:
		l := q.l
		q.l = nil
		q.state = queryCancelled
		if l == nil {
			return
		}
		if i := slices.Index(l.waiters, q); i >= 0 {
			l.waiters = slices.Delete(l.waiters, i, i+1)
		}
		if len(l.waiters) == 0 {
			l.r.abort(l)
		}
	case queryReady:
		q.state = queryCancelled
		q.addrs, q.err = nil, nil
	}
}

// LookupHosts returns host's addresses in the hosts file, IPv4 first, or
// nil. It does no I/O but reading the file, which is cached and read again
// when its modification time or size changes.
func (r *Resolver) LookupHosts(host string) []netip.Addr {
	key := lowerASCII(host)
	if len(key) > 0 && key[len(key)-1] == '.' {
		key = key[:len(key)-1]
	}
	return slices.Clone(r.hosts.lookup(key))
}

// NextTimeout reports the earliest deadline of any query in flight; ok is
// false when there is none. A deadline in the past means "call
// ProcessTimeouts now".
func (r *Resolver) NextTimeout() (deadline time.Time, ok bool) {
	if len(r.again) > 0 {
		return time.Now(), true
	}
	if len(r.timers) == 0 {
		return time.Time{}, false
	}
	return r.timers[0].deadline, true
}

// ProcessTimeouts handles every deadline at or before now: a try that timed
// out moves on to the next server or attempt, and a query out of tries
// fails. It also finishes reading sockets left with data by ProcessFd's
// per-call budget.
func (r *Resolver) ProcessTimeouts(now time.Time) {
	again := r.again
	r.again = nil
	for _, fd := range again {
		if e := r.socks[fd]; e != nil && !e.tcp {
			r.readUDP(e)
		}
	}
	for len(r.timers) > 0 && !r.timers[0].deadline.After(now) {
		e := r.timers[0]
		r.timers.remove(e)
		r.tryFailed(e, e.timeoutReason())
	}
	r.deliver()
}

// ProcessFd handles readiness of fd, one of the sockets announced through
// the WatchFunc; an fd the resolver does not hold is ignored. Report error
// and hang-up conditions as readable.
func (r *Resolver) ProcessFd(fd int, readable, writable bool) {
	e := r.socks[fd]
	if e == nil {
		return
	}
	if e.tcp {
		r.processTCP(e, readable, writable)
	} else {
		r.processUDP(e, readable, writable)
	}
	r.deliver()
}

// Close cancels every lookup without calling done, and closes every socket
// (the WatchFunc hears of each first). Lookups afterwards fail with
// ErrClosed. Close returns nil.
func (r *Resolver) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	for _, l := range r.lookups {
		for _, q := range l.waiters {
			q.l, q.state = nil, queryCancelled
		}
		l.waiters = nil
		r.abort(l)
	}
	for _, q := range r.ready {
		q.state = queryCancelled
	}
	r.ready = nil
	r.again = nil
	r.cache = cache{}
	return nil
}

// qtypes are the types asked for each name, in the order the answers are
// returned.
var qtypes = [2]dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA}

// newID returns a random query ID over all 16 bits.
func (r *Resolver) newID() uint16 { return uint16(r.ids.Uint64()) }

// firstServer returns the index of the server a new query starts at.
func (r *Resolver) firstServer() int {
	if !r.set.rotate {
		return 0
	}
	i := r.turn % len(r.set.servers)
	r.turn = i + 1
	return i
}
