package xferhttp

import (
	"errors"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/xfer-go/xfer"
)

// Transport is an http.RoundTripper that runs requests on xfer's engine: event loops of its
// own, each one goroutine with one Multi. The zero value is ready to use: the loops start
// with the first RoundTrip. A Transport must not be copied after first use.
type Transport struct {
	// Multi holds the options for each loop's Multi (connection limits above all). Socket,
	// Timer and Resolver must be nil: each loop drives its sockets, its timer and its
	// resolver itself. Limits apply per loop. MaxConnects 0 keeps up to 256 idle
	// connections per loop (a Multi's own default follows the transfers in it, which come
	// and go with each request here).
	Multi xfer.MultiOptions

	// Loops is the number of event loops; 0: runtime.GOMAXPROCS(0).
	Loops int

	// Easy, when set, is called for each request's Easy before it runs (timeouts, TLSConfig,
	// Resolve, LocalAddr, speed limits, BufferSize...). It must not set URL, Method, Header,
	// Body, Write, HeaderLine, FollowLocation or FailOnError: http.Client owns redirects and
	// statuses (those are set after it returns, as is Private, which the Transport uses).
	// It is called on the goroutine of RoundTrip.
	Easy func(req *http.Request, e *xfer.Easy)

	mu     sync.Mutex
	loops  atomic.Pointer[[]*loop] // nil until the first RoundTrip
	closed atomic.Bool
}

// defaultMaxConnects is each loop's idle connection cache when Transport.Multi sets none.
const defaultMaxConnects = 256

// ErrClosed is returned by RoundTrip after Close, and is the error of requests that were in
// flight when Close was called.
var ErrClosed = errors.New("xferhttp: transport closed")

// errBadOptions is returned when Transport.Multi sets what the loops must own.
var errBadOptions = errors.New("xferhttp: Transport.Multi must not set Socket, Timer or Resolver")

// started returns the loops, starting them on first use.
func (t *Transport) started() ([]*loop, error) {
	if p := t.loops.Load(); p != nil {
		return *p, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Load() {
		return nil, ErrClosed
	}
	if p := t.loops.Load(); p != nil {
		return *p, nil
	}
	o := t.Multi
	if o.Socket != nil || o.Timer != nil || o.Resolver != nil {
		return nil, errBadOptions
	}
	if o.MaxConnects == 0 {
		o.MaxConnects = defaultMaxConnects
	}
	n := t.Loops
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	loops := make([]*loop, 0, n)
	for range n {
		l, err := newLoop(o)
		if err != nil {
			for _, l := range loops {
				l.release()
			}
			return nil, err
		}
		loops = append(loops, l)
	}
	for _, l := range loops {
		go l.run()
	}
	t.loops.Store(&loops)
	return loops, nil
}

// CloseIdleConnections closes the connections that wait idle in every loop for reuse.
// Connections in use are left alone.
func (t *Transport) CloseIdleConnections() {
	if p := t.loops.Load(); p != nil {
		for _, l := range *p {
			l.post(op{kind: opCloseIdle})
		}
	}
}

// Close ends every loop: requests in flight fail with ErrClosed (a response body being read
// returns it), every connection is closed, and the loops' goroutines are gone when it
// returns. Later RoundTrips fail with ErrClosed. Calls after the first return nil.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed.Swap(true) {
		t.mu.Unlock()
		return nil
	}
	p := t.loops.Load()
	t.mu.Unlock()
	if p == nil {
		return nil
	}
	for _, l := range *p {
		l.close()
	}
	return nil
}

// pick chooses the loop for a request to origin. Each origin has a home loop (a hash of
// scheme and host); a request goes to the first loop, counting from the home one, whose
// requests in flight exceed the least loaded loop's by at most spill. A quiet origin thus
// stays on its home loop and reuses its connections there, while a busy one spreads over
// the next loops in a fixed order, so every loop gets some of it and keeps reusing its
// connections too.
func pick(loops []*loop, scheme, host string) *loop {
	n := len(loops)
	if n == 1 {
		return loops[0]
	}
	least := loops[0].load.Load()
	for _, l := range loops[1:] {
		least = min(least, l.load.Load())
	}
	home := int(originHash(scheme, host) % uint32(n))
	for i := range n {
		l := loops[(home+i)%n]
		if l.load.Load() <= least+spill {
			return l
		}
	}
	return loops[home]
}

// spill is how many requests in flight a loop may carry beyond the least loaded one before
// an origin's requests go on to its next loop.
const spill = 4

// originHash is FNV-1a of scheme and host.
func originHash(scheme, host string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(scheme); i++ {
		h = (h ^ uint32(scheme[i])) * 16777619
	}
	h = (h ^ ':') * 16777619
	for i := 0; i < len(host); i++ {
		h = (h ^ uint32(host[i])) * 16777619
	}
	return h
}
