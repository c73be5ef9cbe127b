package resolver

import (
	"errors"
	"net/netip"
	"slices"
	"time"
)

// lookup is the work for one host name, shared by every Query that asked
// for it while it is in flight. It tries the candidate names of the search
// list in turn; for each it asks A and AAAA at once (or takes them from
// the cache) and decides when both are known.
type lookup struct {
	r       *Resolver
	key     string // lower-case host: the key in r.lookups
	host    string // as given, for errors
	names   []string
	cand    int         // index in names of the name being asked; -1 before the first
	ex      [2]exchange // A and AAAA for names[cand]
	waiters []*Query
	busy    bool           // advance is running: a nested call leaves the work to it
	noData  bool           // a name tried exists but had no address of a type (NODATA)
	last    netip.AddrPort // the server of the latest negative answer, for the error
}

// advance moves l on once both of its exchanges are finished: to a result,
// or to the next candidate name. Exchanges that finish at once (cache, a
// socket that cannot be opened) are taken care of in the same loop.
func (r *Resolver) advance(l *lookup) {
	if l.busy {
		return
	}
	l.busy = true
	defer func() { l.busy = false }()
	for {
		if l.cand >= 0 {
			if !l.ex[0].finished || !l.ex[1].finished {
				return
			}
			if addrs, end, err := l.decide(); end {
				r.finishLookup(l, addrs, err)
				return
			}
		}
		l.cand++
		if l.cand == len(l.names) {
			reason := ErrNotFound
			if l.noData {
				reason = ErrNoData
			}
			r.finishLookup(l, nil, &Error{Name: l.host, Server: l.last, Err: reason})
			return
		}
		now := time.Now()
		for i := range l.ex {
			r.startExchange(&l.ex[i], l.names[l.cand], now)
		}
	}
}

// decide judges the answers for one candidate name: addresses of either
// type end the lookup; so does a failure (timeout, server failure, CNAME
// loop), as c-ares does, rather than trying the rest of the search list.
// NXDOMAIN and NODATA go on to the next name.
func (l *lookup) decide() (addrs []netip.Addr, end bool, err error) {
	a, aaaa := &l.ex[0].res, &l.ex[1].res
	if n := len(a.addrs) + len(aaaa.addrs); n > 0 {
		addrs = make([]netip.Addr, 0, n)
		return append(append(addrs, a.addrs...), aaaa.addrs...), true, nil
	}
	for _, res := range []*result{a, aaaa} {
		if !errors.Is(res.err, ErrNotFound) && !errors.Is(res.err, ErrNoData) {
			return nil, true, &Error{Name: l.host, Server: res.server, Err: res.err}
		}
	}
	for _, res := range []*result{a, aaaa} {
		if errors.Is(res.err, ErrNoData) {
			l.noData = true
		}
		l.last = res.server
	}
	return nil, false, nil
}

// finishLookup detaches l from the resolver, then hands its result to every
// waiter. err, if not nil, is an *Error.
func (r *Resolver) finishLookup(l *lookup, addrs []netip.Addr, err error) {
	r.abort(l)
	for i, q := range l.waiters {
		a := addrs
		if i > 0 {
			a = slices.Clone(addrs)
		}
		q.l = nil
		q.state = queryReady
		q.addrs, q.err = a, err
		r.ready = append(r.ready, q)
	}
	l.waiters = nil
}

// abort stops l's exchanges, closing their sockets, and forgets l.
func (r *Resolver) abort(l *lookup) {
	for i := range l.ex {
		r.stopTry(&l.ex[i])
		l.ex[i].finished = true
	}
	if r.lookups[l.key] == l {
		delete(r.lookups, l.key)
	}
}
