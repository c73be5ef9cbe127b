package xfer

import (
	"strconv"

	"github.com/xfer-go/xfer/internal/http1"
	"github.com/xfer-go/xfer/internal/ilist"
)

// state is where a transfer stands in its life; run takes it one step at a time.
type state uint8

const (
	stInit       state = iota // parse the URL, build the request, look up the host
	stResolving               // waiting for the resolver
	stConnect                 // take an idle connection or start a new one
	stPending                 // waiting for a connection slot (MaxHostConnections, MaxTotalConnections)
	stConnecting              // waiting for the TCP connect to finish
	stProxy                   // the proxy handshake: SOCKS, or CONNECT (proxy.go)
	stTLS                     // TLS handshake: with an https proxy, or the origin
	stSend                    // writing the request
	stRecv                    // reading the response
	stDone                    // finished; a message is queued
)

var stateNames = [...]string{"init", "resolving", "connect", "pending", "connecting", "proxy", "tls", "send", "recv", "done"}

// String returns the state's name, such as "recv".
func (s state) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// findingHost reports whether a transfer in state s is still finding its host's addresses.
func (s state) findingHost() bool { return s == stInit || s == stResolving }

// exchanging reports whether a transfer in state s is sending its request or reading the
// response: bytes move, so the speed checks apply.
func (s state) exchanging() bool { return s == stSend || s == stRecv }

// setState is the one place where a transfer's state changes. Multi.traceState, when a test
// sets it, sees every change.
func (m *Multi) setState(t *transfer, s state) {
	if m.traceState != nil {
		m.traceState(t.e, t.state, s)
	}
	t.state = s
}

// transfer is the engine's state for one Easy while it is added. It lives inside the Easy,
// so adding a transfer allocates little.
type transfer struct {
	e        *Easy
	node     timerNode
	exp      [numExpire]int64
	start    int64 // engine clock at Add
	hopStart int64 // engine clock at the start of this hop (Add, a redirect, a retry)

	url       string      // the URL of this hop (redirects change it)
	method    string      // the method of this hop
	redirects int32       // redirects followed
	attempt   int32       // requests built so far; a second one rewinds the body
	replay    *bodyReplay // the body's size, and how to send it again; nil: no body
	speed     *speedState // the low-speed check and Progress; nil when neither is asked for

	req  *parsedURL // this hop's URL, parsed: what it names and how to ask for it
	dial *dialState // while the host is looked up and connected to; else nil
	conn *conn      // the connection in use

	plinks ilist.Links[transfer] // in Multi.pending while it waits for a connection slot

	out  []byte     // request bytes not yet written
	body *bodyState // nil: no request body
	// The HTTP/1.1 response: the parser also keeps the final response's fields (raw, so
	// thousands of waiting transfers cost little; Info builds the maps) and its trailer. It
	// is made at the first HTTP/1.1 request and kept by the Easy; nil before.
	parser *http1.Parser

	held    *heldBytes // what a pause left to deliver; nil when nothing is held
	content *content   // the body's stage before Write when it is decoded or skipped; else nil
	h2      *h2Stream  // the request's HTTP/2 stream, when it went over HTTP/2; nil otherwise

	info stats
	msg  *msgSlot // the message, once finished: valid until the Easy is removed; else nil

	outOff     int32 // of out, written
	state      state
	refusals   uint8 // times an HTTP/2 server refused or left unprocessed the request (at most maxRefusals)
	forceH1    bool  // an HTTP/2 server asked for HTTP/1.1 (HTTP_1_1_REQUIRED)
	h1ready    bool  // the parser was reset for this request (http1Proto.send)
	done       bool
	outHead    bool // out is a request head's buffer, lent by the Multi
	stripCreds bool // a redirect left the origin: no credentials are sent
	dropBody   bool // a redirect turned the request into a GET
	discard    bool // the current response is a redirect to follow: its body is dropped
	retried    bool // a request failed on a reused connection was sent again
	forceFresh bool // the next connection must be a new one
	reused     bool // the connection came from the idle cache
	throttled  bool // over MaxRecvSpeed or MaxSendSpeed: waiting for expRateLimit
	noExpect   bool // a 417 came: no Expect is sent from now on
	expect417  bool // the current response is a 417 to Expect: the request is sent again
}

// SocketAction tells the Multi what the loop saw on fd (or, with SocketTimeout, that the
// timer fired). It runs the transfers that own fd, then every transfer whose expiry has
// passed, announces what changed through the callbacks, and returns how many transfers are
// still running. An fd the Multi does not hold is ignored.
func (m *Multi) SocketAction(fd int, ev Event) (running int, err error) {
	if err := m.enter(); err != nil {
		return m.running, err
	}
	if m.dead != nil {
		m.abortAll()
	}
	// Only what was due when the call began runs: a transfer that asks to go on at once
	// (its read budget spent) waits for the next call, so one call stays bounded.
	now := m.now()
	if fd == SocketTimeout {
		m.timerSet = false // the application's timer fired: announce the next one anew
	} else if ent := m.socks.get(fd); ent != nil {
		m.dispatch(ent, ev)
	}
	m.runDue(now)
	err = m.leave()
	return m.running, err
}

// dispatch runs the owner of a ready socket.
func (m *Multi) dispatch(ent *sockEntry, ev Event) {
	switch {
	case ent.res:
		m.resolverEvent(ent.fd, ev)
	case ent.conn.proto != nil:
		ent.conn.proto.ready(m, ent.conn, ev)
	default: // connecting, or the TLS handshake: the transfer drives the connection
		m.run(ent.conn.t)
	}
}

// run takes t through as many steps as it can make now, then records what its connection
// must be watched for.
//
// A step (stepInit, stepConnect...) returns true when t can take another step at once: its
// state changed, or it has more to do that needs no waiting. It returns false when t must
// wait, for its socket, an expiry, a connection slot or the resolver, or when t ended.
func (m *Multi) run(t *transfer) {
	for !t.done {
		var more bool
		switch t.state {
		case stInit:
			more = m.stepInit(t)
		case stConnect:
			more = m.stepConnect(t)
		case stPending:
			if t.plinks.In() {
				return // not woken yet
			}
			m.setState(t, stConnect)
			more = true
		case stConnecting:
			more = m.stepConnecting(t)
		case stProxy:
			more = m.stepProxy(t)
		case stTLS:
			more = m.stepTLS(t)
		case stSend:
			more = t.conn.proto.send(m, t)
		case stRecv:
			more = t.conn.proto.recv(m, t)
		}
		if !more {
			break
		}
	}
	if t.done || !m.progress(t, false) {
		return
	}
	if d := t.dial; d != nil {
		for _, c := range d.attempts {
			m.setWant(c.ent, PollOut)
		}
	}
	if t.conn != nil {
		m.setWant(t.conn.ent, t.interest())
	}
}

// interest is what t's connection must be watched for in t's state.
func (t *transfer) interest() Poll {
	switch t.state {
	case stTLS:
		return PollIn | t.conn.tlsPending()
	case stProxy:
		if len(t.conn.pre.out) > 0 {
			return PollOut
		}
		return PollIn | t.conn.tlsPending()
	case stSend, stRecv:
		return t.conn.proto.want(t)
	}
	return 0
}

// phase names what a connect timeout interrupted.
func (t *transfer) phase() string {
	if t.state.findingHost() {
		return "resolving"
	}
	return "connection"
}

// abortAll ends every running transfer of a dead Multi with ErrAbortedByCallback.
func (m *Multi) abortAll() {
	for _, e := range m.handles {
		if !e.x.done {
			m.fail(&e.x, ErrAbortedByCallback, m.dead)
		}
	}
}

// fail ends t with code and cause.
func (m *Multi) fail(t *transfer, code Code, cause error) {
	m.finish(t, newError(code, t.url, cause))
}

// finish ends t: its timers are cleared, its connection goes back to the cache or is
// closed, and a message is queued.
func (m *Multi) finish(t *transfer, err error) {
	if t.done {
		return
	}
	if err == nil && !m.progress(t, false) {
		return // the final Progress call ended it
	}
	m.stopTransfer(t)
	t.info.total = m.since(t)
	m.running--
	m.queueMessage(t, err)
}

// stopTransfer ends t without a message: used by finish, Remove and Close.
func (m *Multi) stopTransfer(t *transfer) {
	t.done = true
	m.setState(t, stDone)
	m.clearAllExpire(t)
	m.cancelLookup(t)
	m.pending.Remove(t)
	m.closeAttempts(t)
	m.endDial(t)
	m.handBack(t)
	m.dropOut(t)
	t.held = nil
	t.body = nil
	t.endContent()
}
