package tlsconn

import (
	"io"
	"net"
	"time"
)

// transport is the net.Conn that crypto/tls reads ciphertext from and writes
// ciphertext to. It holds the two byte queues that the loop fills and drains.
//
// Read never blocks: when in is empty it yields to the loop if the handshake
// coroutine is running (yield != nil), and returns ErrWouldBlock otherwise.
// Write never fails: it appends to out.
type transport struct {
	in, out buffer

	eof     bool // the loop reported end of stream (FeedEOF)
	eofRead bool // io.EOF was returned to crypto/tls
	closed  bool // Close was called or the handshake was cancelled

	// yield suspends the handshake coroutine until the loop resumes it; it
	// is set only while the coroutine runs, and returns false when the
	// coroutine is being stopped.
	yield func(struct{}) bool
}

func (t *transport) Read(p []byte) (int, error) {
	for t.in.len() == 0 {
		switch {
		case t.closed:
			return 0, net.ErrClosed
		case t.eof:
			t.eofRead = true
			return 0, io.EOF
		case t.yield == nil:
			return 0, ErrWouldBlock
		case !t.yield(struct{}{}):
			// Stopped: the coroutine must now run to its end without
			// yielding again.
			t.closed = true
			return 0, net.ErrClosed
		}
	}
	return t.in.read(p), nil
}

func (t *transport) Write(p []byte) (int, error) {
	t.out.write(p)
	return len(p), nil
}

// Close stops further reads and drops unread input. Outbound bytes stay, so
// that an alert written just before (close_notify) can still be flushed.
func (t *transport) Close() error {
	t.closed = true
	t.in.release()
	return nil
}

// memAddr is the address reported for both ends. crypto/tls uses the remote
// address as the ClientSessionCache key when Config.ServerName is empty, so
// such configs would all share one cache entry; set ServerName.
type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return "tlsconn" }

func (t *transport) LocalAddr() net.Addr              { return memAddr{} }
func (t *transport) RemoteAddr() net.Addr             { return memAddr{} }
func (t *transport) SetDeadline(time.Time) error      { return nil }
func (t *transport) SetReadDeadline(time.Time) error  { return nil }
func (t *transport) SetWriteDeadline(time.Time) error { return nil }
