package xfer

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/xfer-go/xfer/internal/conncache"
	"github.com/xfer-go/xfer/internal/proxy"
	"github.com/xfer-go/xfer/resolver"
)

// Poll is what the application must watch a socket for. It is passed to SocketFunc.
type Poll int

// The values of Poll.
const (
	PollIn     Poll = 1 // readable
	PollOut    Poll = 2 // writable
	PollInOut  Poll = 3 // both
	PollRemove Poll = 4 // stop watching; delivered BEFORE the library closes the fd
)

// Event is what the application's loop saw on a socket. It is passed to SocketAction and is
// a bitmask.
type Event int

// The bits of Event.
const (
	EventIn  Event = 1
	EventOut Event = 2
	EventErr Event = 4
)

// SocketTimeout is the fd value that tells SocketAction "the timer fired".
const SocketTimeout = -1

// SocketFunc is called only when what the library wants for fd changes. sockData is what
// Multi.Assign stored for fd (nil until then, and nil again after a PollRemove). A non-nil
// error aborts the calling API function, which returns an error wrapping it; the Multi is
// then dead: no timer callback is made any more, Add fails, and the next call that drives
// the Multi ends every transfer with ErrAbortedByCallback. Removing every transfer revives it.
type SocketFunc func(fd int, what Poll, sockData any) error

// TimerFunc is called only when the earliest expiry changes. The timer it sets is one-shot:
// after the application calls SocketAction(SocketTimeout, 0), the library announces the
// next expiry again even if it did not change (a timer that fired early is re-armed).
// timeout < 0: delete the timer. timeout == 0: call SocketAction(SocketTimeout, 0) as soon
// as possible, but not from inside this callback. A positive timeout is rounded up to whole
// milliseconds. A non-nil error is treated as SocketFunc's is.
type TimerFunc func(timeout time.Duration) error

// MultiOptions configures a Multi. The zero value is a Multi meant to be driven with
// Perform, Wait or Poll.
type MultiOptions struct {
	Socket              SocketFunc
	Timer               TimerFunc
	MaxConnects         int                // idle connections kept for reuse; 0: 4 x transfers added
	MaxHostConnections  int                // per host:port; 0: unlimited; excess transfers wait
	MaxTotalConnections int                // 0: unlimited; excess transfers wait
	Resolver            *resolver.Resolver // nil: one configured from the system

	// MaxConcurrentStreams is the most HTTP/2 streams this Multi opens on one connection;
	// 0: 100. A lower SETTINGS_MAX_CONCURRENT_STREAMS from the server wins.
	MaxConcurrentStreams int
	// DisableMultiplex: never run two transfers on one connection at once
	// (CURLPIPE_NOTHING). HTTP/2 is still spoken, one stream at a time.
	DisableMultiplex bool

	// ProxyFromEnvironment: an Easy whose Proxy is "" takes one from the environment as curl
	// does: http_proxy (lower case only) for http, HTTPS_PROXY or https_proxy for https,
	// then ALL_PROXY or all_proxy, and NO_PROXY or no_proxy (which Easy.NoProxy replaces).
	// The variables are read once, by NewMulti. When false the environment is never read.
	ProxyFromEnvironment bool
}

// Message reports a finished transfer; InfoRead returns them in the order transfers finished.
type Message struct {
	Easy *Easy
	Err  error // nil: the transfer succeeded; else an *Error
}

// Multi drives many transfers from one goroutine: the application's event loop. It is not
// safe for concurrent use; only Wakeup may be called from another goroutine.
type Multi struct {
	opts MultiOptions
	base time.Time // the origin of the engine's clock

	socks   sockHash
	changed []*sockEntry // entries whose interest may differ from what was announced
	timers  timerQueue
	due     []*timerNode // scratch for the timer sweep

	handles []*Easy
	running int
	msgs    []*msgSlot // finished transfers, oldest first; nil entries were removed
	msgHead int
	nmsgs   int

	idle      conncache.Cache[*conn]
	nconns    int                   // open connections, idle ones included
	hostConns map[string]int        // open connections per cache key
	pending   pendingQueue          // transfers waiting for a connection slot
	shared    map[string][]*conn    // multiplexed (HTTP/2) connections new transfers may join, by key
	setups    map[string]int        // connections being set up that may multiplex, by key
	dirty     []*http2Proto         // HTTP/2 connections to flush when the API call ends
	urls      map[urlKey]*parsedURL // parsed URLs that transfers share (target.go)
	claiming  bool                  // closing idle connections to take their slot: wake nobody

	buf      []byte                            // the one read buffer, shared by every transfer
	headBufs [][]byte                          // request-head buffers to reuse (send.go)
	dials    []*dialState                      // dialStates to reuse (conn.go)
	cbuf     []byte                            // TLS records are read here before decryption
	pbuf     []byte                            // an https proxy's records, under the origin's TLS
	sessions map[string]tls.ClientSessionCache // TLS sessions, per TLS identity

	busy      bool // inside an API call
	inCB      int  // inside a callback
	closed    bool
	dead      error // the first callback error; the Multi is dead while it is set
	callErr   error // a callback error to return from the current API call
	timerSet  bool  // an expiry was announced to TimerFunc
	timerWhen int64 // ... and this is its time

	res      *resolver.Resolver
	resOwned bool             // res was made here and is closed by Close
	resSocks map[int]struct{} // the resolver's fds in the socket hash
	resNode  timerNode

	poller poller // Wait, Poll and Wakeup

	env *proxy.Env // the proxy variables, read by NewMulti with ProxyFromEnvironment; else nil

	traceState func(e *Easy, from, to state) // tests: sees every change of a transfer's state
	clock      func() int64                  // tests: the engine's clock instead of the real one
}

// NewMulti returns a Multi with opts.
func NewMulti(opts MultiOptions) (*Multi, error) {
	if opts.MaxConnects < 0 || opts.MaxHostConnections < 0 || opts.MaxTotalConnections < 0 {
		return nil, errors.New("xfer: negative connection limit")
	}
	m := &Multi{opts: opts, base: time.Now(), res: opts.Resolver, hostConns: map[string]int{}, shared: map[string][]*conn{}, setups: map[string]int{}, resSocks: map[int]struct{}{}}
	m.timers.init()
	m.resNode.res = true
	if opts.ProxyFromEnvironment {
		m.env = proxy.FromEnvironment(os.Getenv)
	}
	if err := m.poller.init(m); err != nil {
		return nil, fmt.Errorf("xfer: wakeup: %w", err)
	}
	if m.res != nil {
		m.attachResolver()
	}
	return m, nil
}

// now is the engine's clock: nanoseconds since the Multi was made, never 0. It is the one
// place the engine reads the time; a test may replace it (clock).
func (m *Multi) now() int64 {
	if m.clock != nil {
		return m.clock()
	}
	return int64(time.Since(m.base)) + 1
}

// enter guards an API call: it refuses calls from callbacks, nested calls and calls on a
// closed Multi.
func (m *Multi) enter() error {
	if m.inCB > 0 || m.busy {
		return ErrRecursiveAPICall
	}
	if m.closed {
		return ErrMultiClosed
	}
	m.busy = true
	return nil
}

// leave ends an API call: it announces socket and timer changes and returns the error of a
// callback that failed during the call.
func (m *Multi) leave() error {
	// Frames that streams wrote during the call leave together, before the interest they
	// leave is announced. A callback may change what is wanted (Easy.Pause): announce
	// until nothing changes.
	m.flushShared()
	for m.flushSockets(); m.updateTimer() || len(m.changed) > 0; m.flushSockets() {
	}
	m.busy = false
	err := m.callErr
	m.callErr = nil
	return err
}

// callback calls f, which calls one of the application's callbacks. While it runs, the
// Multi refuses every API call but Assign, Easy.Pause and Wakeup (ErrRecursiveAPICall); a
// callback that panics leaves the Multi as it was.
func (m *Multi) callback(f func() error) error {
	m.inCB++
	defer func() { m.inCB-- }()
	return f()
}

// callbackFailed records a failed socket or timer callback: the Multi is dead from now on.
func (m *Multi) callbackFailed(which string, err error) {
	err = fmt.Errorf("xfer: %s callback: %w", which, err)
	if m.dead == nil {
		m.dead = err
	}
	if m.callErr == nil {
		m.callErr = err
	}
}

// Add starts e's transfer. The timer callback is asked for a timeout of 0 before Add returns,
// so the loop's next SocketAction(SocketTimeout, 0) starts it.
func (m *Multi) Add(e *Easy) error {
	if e == nil {
		return ErrBadEasyHandle
	}
	if err := m.enter(); err != nil {
		return err
	}
	if e.m != nil {
		m.busy = false
		return ErrAddedAlready
	}
	if m.dead != nil {
		m.busy = false
		return m.dead
	}
	e.m = m
	e.idx = int32(len(m.handles))
	m.handles = append(m.handles, e)
	m.running++
	m.startTransfer(e)
	return m.leave()
}

// Remove takes e out of the Multi. A running transfer is stopped at once: its connection is
// closed (PollRemove first) and its timers are cleared, and no message is queued. A message
// already queued for e is dropped. Removing an Easy that is in no Multi does nothing.
// Afterwards e may be changed and added again.
func (m *Multi) Remove(e *Easy) error {
	if e == nil {
		return ErrBadEasyHandle
	}
	if err := m.enter(); err != nil {
		return err
	}
	switch e.m {
	case nil:
		m.busy = false
		return nil
	case m:
	default:
		m.busy = false
		return ErrBadEasyHandle
	}
	m.detach(e)
	return m.leave()
}

// detach stops e's transfer without a message and removes e from the Multi.
func (m *Multi) detach(e *Easy) {
	t := &e.x
	if !t.done {
		m.stopTransfer(t)
		m.running--
	}
	if s := t.msg; s != nil && s.queued {
		m.msgs[s.idx] = nil
		m.nmsgs--
		s.queued = false
	}
	last := len(m.handles) - 1
	m.handles[e.idx] = m.handles[last]
	m.handles[e.idx].idx = e.idx
	m.handles[last] = nil
	m.handles = m.handles[:last]
	e.m = nil
	if len(m.handles) == 0 {
		m.dead = nil // a dead Multi with no transfers may be used again
		m.msgs, m.msgHead = m.msgs[:0], 0
	}
}

// Close removes every transfer and closes every socket, announcing PollRemove for each
// watched one before closing it, and deletes the timer. Afterwards Add, SocketAction,
// Perform, Wait and Poll return ErrMultiClosed and Close returns nil. The Easy handles are
// left intact and may be added to another Multi.
func (m *Multi) Close() error {
	if m.closed {
		return nil
	}
	if err := m.enter(); err != nil {
		return err
	}
	for len(m.handles) > 0 {
		m.detach(m.handles[len(m.handles)-1])
	}
	for e := m.idle.Oldest(); e != nil; e = m.idle.Oldest() {
		m.closeConn(e.Value)
	}
	if m.res != nil {
		m.detachResolver()
	}
	m.timers.clear()
	err := m.leave()
	m.closed = true
	m.poller.close()
	m.buf = nil
	return err
}

// Timeout returns the time until the earliest expiry: -1 when none is pending, 0 when the
// loop should call SocketAction(SocketTimeout, 0) (or Perform) now. It is rounded up to
// whole milliseconds.
func (m *Multi) Timeout() time.Duration {
	if m.dead != nil && len(m.handles) > 0 {
		return 0
	}
	n := m.timers.first()
	if n == nil {
		return -1
	}
	return roundUpMs(n.when - m.now())
}

// Assign stores sockData for fd; it is passed to every later SocketFunc call for fd, up to
// and including its PollRemove. It returns ErrBadSocket for an fd the Multi does not hold.
// It may be called from inside callbacks.
func (m *Multi) Assign(fd int, sockData any) error {
	ent := m.socks.get(fd)
	if ent == nil {
		return ErrBadSocket
	}
	ent.data = sockData
	return nil
}

// InfoRead returns the oldest message about a finished transfer, and how many remain after
// it. It returns nil when there is none. The message stays valid until its Easy is removed
// or added again.
func (m *Multi) InfoRead() (msg *Message, remaining int) {
	for m.msgHead < len(m.msgs) {
		s := m.msgs[m.msgHead]
		m.msgs[m.msgHead] = nil
		m.msgHead++
		if s != nil {
			m.nmsgs--
			s.queued = false
			msg = &s.msg
			break
		}
	}
	if m.msgHead == len(m.msgs) {
		m.msgs, m.msgHead = m.msgs[:0], 0
	}
	return msg, m.nmsgs
}

// queueMessage records that t finished with err.
func (m *Multi) queueMessage(t *transfer, err error) {
	s := t.msg
	if s == nil {
		s = &msgSlot{}
		t.msg = s
	}
	s.msg = Message{Easy: t.e}
	if err != nil {
		s.msg.Err = err
	}
	s.queued, s.idx = true, int32(len(m.msgs))
	m.msgs = append(m.msgs, s)
	m.nmsgs++
}

// msgSlot holds a finished transfer's message, which InfoRead hands out. It is kept apart
// from the transfer, which needs it only once finished, and belongs to the Easy for good:
// a message read stays readable after Remove, until the Easy finishes again.
type msgSlot struct {
	msg    Message
	idx    int32 // its index in Multi.msgs, while queued
	queued bool  // in Multi.msgs, not yet read
}

// Handles returns the transfers added to m, finished or not.
func (m *Multi) Handles() []*Easy {
	return append([]*Easy(nil), m.handles...)
}

// readBuf returns the shared read buffer cut to size bytes.
func (m *Multi) readBuf(size int) []byte {
	if cap(m.buf) < size {
		m.buf = make([]byte, size)
	}
	return m.buf[:size]
}
