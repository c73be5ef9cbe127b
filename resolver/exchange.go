package resolver

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/xfer-go/xfer/internal/sock"
	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"
)

// udpReadBudget is how many datagrams one ProcessFd call reads from a
// socket; the rest wait for ProcessTimeouts (NextTimeout then says "now"),
// so a flood cannot hold the loop.
const udpReadBudget = 64

// What a socket waits for.
const (
	wantRead  uint8 = 1
	wantWrite uint8 = 2
)

// exchange asks one name for one type: a try per server and attempt, each
// over UDP on a socket of its own, or over TCP after a truncated reply,
// until an answer, a final error, or the tries run out.
type exchange struct {
	l        *lookup
	qtype    dnsmessage.Type
	key      cacheKey
	q        dnsmessage.Question
	finished bool   // res holds the outcome
	res      result // when finished

	first   int            // index of the first server
	tries   int            // tries started
	failure error          // the most telling failure so far; nil: none but timeouts
	failSrv netip.AddrPort // who caused it

	// The current try.
	server     netip.AddrPort
	fd         int // -1: no socket
	tcp        bool
	connecting bool
	want       uint8 // what the owner was last told to watch for
	id         uint16
	msg        []byte // the query behind two bytes for the TCP length prefix
	sent       int    // bytes of msg written over TCP; UDP: 0 until sent
	lenBuf     [2]byte
	rbuf       []byte // TCP reply, once its length is known
	got        int    // TCP bytes read, prefix included
	badReply   error  // UDP: a malformed reply seen in this try
	deadline   time.Time
	hidx       int // index in r.timers; -1: not there
}

// startExchange begins asking name for e's type, from the cache if it can.
func (r *Resolver) startExchange(e *exchange, name string, now time.Time) {
	e.finished, e.res = false, result{}
	e.failure, e.failSrv = nil, netip.AddrPort{}
	e.key = cacheKey{name: lowerASCII(name), qtype: e.qtype}
	if res, ok := r.cache.get(e.key, now); ok {
		e.finished, e.res = true, res
		return
	}
	n, err := dnsmessage.NewName(name)
	if err != nil {
		r.endExchange(e, result{err: ErrInvalidName})
		return
	}
	e.q = dnsmessage.Question{Name: n, Type: e.qtype, Class: dnsmessage.ClassINET}
	e.first, e.tries = r.firstServer(), 0
	r.nextTry(e)
}

// nextTry starts the next try, skipping those that fail at once; out of
// tries, e ends with the most telling failure.
func (r *Resolver) nextTry(e *exchange) {
	servers := r.set.servers
	for e.tries < len(servers)*r.set.attempts {
		srv := servers[(e.first+e.tries)%len(servers)]
		e.tries++
		err := r.sendUDP(e, srv)
		if err == nil {
			return
		}
		r.stopTry(e)
		e.noteFailure(err)
	}
	res := result{err: e.failure, server: e.failSrv}
	if res.err == nil {
		res.err = ErrTimeout
	}
	r.endExchange(e, res)
}

// noteFailure records why the current try failed. A timeout does not hide
// an earlier, more telling, failure.
func (e *exchange) noteFailure(reason error) {
	if reason != ErrTimeout {
		e.failure, e.failSrv = reason, e.server
	}
}

// timeoutReason is why a try that reached its deadline failed.
func (e *exchange) timeoutReason() error {
	if e.badReply != nil {
		return e.badReply
	}
	return ErrTimeout
}

// tryFailed ends the current try and starts the next.
func (r *Resolver) tryFailed(e *exchange, reason error) {
	r.stopTry(e)
	e.noteFailure(reason)
	r.nextTry(e)
}

// endExchange records e's outcome and lets its lookup decide.
func (r *Resolver) endExchange(e *exchange, res result) {
	r.stopTry(e)
	e.finished, e.res = true, res
	r.advance(e.l)
}

// stopTry closes e's socket and drops its deadline.
func (r *Resolver) stopTry(e *exchange) {
	r.closeSocket(e)
	r.timers.remove(e)
	e.rbuf, e.badReply = nil, nil
}

// sendUDP starts a try over UDP to srv: a new socket (a fresh ephemeral
// port), connected to srv so the kernel passes only its datagrams, a new
// random ID, and the deadline.
func (r *Resolver) sendUDP(e *exchange, srv netip.AddrPort) error {
	e.server, e.tcp, e.connecting = srv, false, false
	fd, sa, err := openSocket(srv, unix.SOCK_DGRAM)
	if err != nil {
		return err
	}
	e.fd = fd
	r.socks[fd] = e
	if err := connectUDP(fd, sa); err != nil {
		return err
	}
	e.id = r.newID()
	msg, err := packQuery(append(e.msg[:0], 0, 0), e.id, e.q)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint16(msg, uint16(len(msg)-2))
	e.msg, e.sent = msg, 0
	e.deadline = time.Now().Add(r.set.timeout)
	r.timers.set(e)
	return r.writeUDP(e)
}

// writeUDP sends the query datagram, or waits until the socket can take it.
func (r *Resolver) writeUDP(e *exchange) error {
	_, err := sock.Write(e.fd, e.msg[2:])
	switch err {
	case nil:
		e.sent = len(e.msg)
		r.setWant(e, wantRead)
	case unix.EAGAIN, unix.ENOBUFS:
		r.setWant(e, wantWrite)
	default:
		return err
	}
	return nil
}

func (r *Resolver) processUDP(e *exchange, readable, writable bool) {
	if writable && e.sent == 0 {
		if err := r.writeUDP(e); err != nil {
			r.tryFailed(e, err)
			return
		}
	}
	if readable && e.sent > 0 {
		r.readUDP(e)
	}
}

// readUDP reads datagrams until none is left, an acceptable reply moves the
// exchange on, or the budget is spent. Empty datagrams, datagrams from
// elsewhere and replies that do not match are dropped; the wait goes on.
func (r *Resolver) readUDP(e *exchange) {
	if r.buf == nil {
		r.buf = make([]byte, 64<<10)
	}
	fd := e.fd
	for range udpReadBudget {
		n, from, err := recvfrom(fd, r.buf)
		switch {
		case err == unix.EAGAIN:
			return
		case err != nil: // ECONNREFUSED: nothing listens there
			r.tryFailed(e, err)
			return
		case n == 0 || from == nil || !fromServer(from, e.server):
			continue
		}
		if r.handleReply(e, r.buf[:n], false) {
			return
		}
	}
	r.again = append(r.again, fd)
}

// handleReply acts on one message received for e's current try and reports
// whether the try is over. Over UDP, a message that does not answer the
// query or cannot be parsed is dropped and the try goes on (RFC 5452 §9.1);
// over TCP it ends the try.
func (r *Resolver) handleReply(e *exchange, msg []byte, tcp bool) bool {
	rep, err := parseReply(msg, e.id, e.q, tcp)
	var rc rcodeError
	switch {
	case err != nil:
		if err == errMismatch {
			err = malformed(err)
		}
		if !tcp {
			e.badReply = err
			return false
		}
		r.tryFailed(e, err)
	case rep.truncated:
		if err := r.sendTCP(e); err != nil {
			r.tryFailed(e, err)
		}
	case errors.As(rep.err, &rc): // SERVFAIL, REFUSED...: the next server may know
		r.tryFailed(e, rep.err)
	default:
		res := result{addrs: rep.addrs, err: rep.err, server: e.server}
		if rep.cacheable {
			r.cache.put(e.key, res, rep.ttl, time.Now())
		}
		r.endExchange(e, res)
	}
	return true
}

// sendTCP asks e's question again over TCP, to the same server, after a
// truncated UDP reply. The try gets a new deadline; it never goes back to
// UDP.
func (r *Resolver) sendTCP(e *exchange) error {
	r.stopTry(e)
	e.tcp, e.sent, e.got = true, 0, 0
	fd, sa, err := openSocket(e.server, unix.SOCK_STREAM)
	if err != nil {
		return err
	}
	e.fd = fd
	r.socks[fd] = e
	pending, err := connectTCP(fd, sa)
	if err != nil {
		return err
	}
	e.deadline = time.Now().Add(r.set.timeout)
	r.timers.set(e)
	if pending {
		e.connecting = true
		r.setWant(e, wantWrite)
		return nil
	}
	return r.writeTCP(e)
}

func (r *Resolver) processTCP(e *exchange, readable, writable bool) {
	if e.connecting {
		if !readable && !writable {
			return
		}
		if err := sock.ConnectError(e.fd); err != nil {
			r.tryFailed(e, err)
			return
		}
		e.connecting = false
		writable = true
	}
	if writable && e.sent < len(e.msg) {
		if err := r.writeTCP(e); err != nil {
			r.tryFailed(e, err)
			return
		}
	}
	if readable && e.sent == len(e.msg) {
		r.readTCP(e)
	}
}

// writeTCP writes what is left of the length-prefixed query, then waits
// for the reply.
func (r *Resolver) writeTCP(e *exchange) error {
	for e.sent < len(e.msg) {
		n, err := sock.Write(e.fd, e.msg[e.sent:])
		if err == unix.EAGAIN {
			r.setWant(e, wantWrite)
			return nil
		}
		if err != nil {
			return err
		}
		e.sent += n
	}
	r.setWant(e, wantRead)
	return nil
}

// readTCP reads the 2-byte length, then the reply, as far as the socket
// has them.
func (r *Resolver) readTCP(e *exchange) {
	for {
		var buf []byte
		if e.got < 2 {
			buf = e.lenBuf[e.got:]
		} else {
			buf = e.rbuf[e.got-2:]
		}
		n, err := sock.Read(e.fd, buf)
		switch {
		case err == unix.EAGAIN:
			return
		case err != nil:
			r.tryFailed(e, err)
			return
		case n == 0:
			r.tryFailed(e, io.ErrUnexpectedEOF)
			return
		}
		e.got += n
		if e.got == 2 {
			size := binary.BigEndian.Uint16(e.lenBuf[:])
			if size == 0 {
				r.tryFailed(e, malformed(errors.New("empty message")))
				return
			}
			e.rbuf = make([]byte, size)
		}
		if e.got >= 2 && e.got-2 == len(e.rbuf) {
			r.handleReply(e, e.rbuf, true)
			return
		}
	}
}

// setWant tells the owner what e's socket now waits for, if that changed.
func (r *Resolver) setWant(e *exchange, w uint8) {
	if e.want == w {
		return
	}
	e.want = w
	if r.watch != nil {
		r.watch(e.fd, w&wantRead != 0, w&wantWrite != 0)
	}
}

// closeSocket closes e's socket, after telling the owner to stop watching
// it if it was watched.
func (r *Resolver) closeSocket(e *exchange) {
	if e.fd < 0 {
		return
	}
	if e.want != 0 && r.watch != nil {
		r.watch(e.fd, false, false)
	}
	e.want = 0
	delete(r.socks, e.fd)
	unix.Close(e.fd)
	e.fd = -1
	e.connecting = false
}
