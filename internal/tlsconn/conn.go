package tlsconn

import (
	"crypto/tls"
	"fmt"
	"io"
)

// Conn is a client TLS connection whose ciphertext passes through memory.
//
// The loop that owns the socket feeds what it reads with [Conn.Feed], writes
// [Conn.Outbound] to the socket and reports it with [Conn.Consumed], calls
// [Conn.Handshake] until it reports done, and then [Conn.Read] and
// [Conn.Write]. Conn never blocks and never touches a socket.
//
// A Conn is not safe for concurrent use. While a handshake is in progress a
// coroutine is suspended inside it; every call must then come from the same
// goroutine state: in particular a goroutine locked to its OS thread
// (runtime.LockOSThread) must keep that lock for the whole handshake. A
// handshake that is abandoned without [Conn.Close] keeps its coroutine alive.
type Conn struct {
	tc *tls.Conn
	tr transport

	state state
	err   error // final handshake error (stateFailed, or stateClosed after it)

	// The handshake coroutine; nil unless state == stateHandshaking.
	next func() (struct{}, bool)
	stop func()

	// pending is set when crypto/tls may hold decrypted bytes or complete
	// records that a Read would return without new input.
	pending bool
}

type state uint8

const (
	stateNew         state = iota // Handshake not yet called
	stateHandshaking              // coroutine suspended, waiting for input
	stateEstablished              // handshake done; Read and Write allowed
	stateFailed                   // handshake failed; err is final
	stateClosed                   // Close was called
)

// Client returns a Conn for a client handshake with cfg. cfg is used as given:
// the caller sets ServerName (needed for verification and for the
// ClientSessionCache key), RootCAs, NextProtos, ClientSessionCache and the
// rest. The handshake starts with the first call to [Conn.Handshake].
//
// cfg.Renegotiation must stay RenegotiateNever (the default): crypto/tls runs
// a TLS 1.2 renegotiation inside Read, outside the coroutine, so one whose
// server flight is not all in memory would fail the connection.
func Client(cfg *tls.Config) *Conn {
	c := &Conn{}
	c.tc = tls.Client(&c.tr, cfg)
	return c
}

// Feed hands ciphertext read from the socket to the connection. The bytes are
// copied; the caller may reuse b at once. Input fed after a failed handshake
// or after Close is dropped. The Conn holds whatever is fed until it is read,
// so a loop that pauses reading should also stop feeding.
func (c *Conn) Feed(b []byte) {
	if c.state == stateFailed || c.state == stateClosed || c.tr.closed {
		return
	}
	c.tr.in.write(b)
}

// FeedEOF records that the peer closed the socket (read returned 0). A
// handshake then fails; Read returns the bytes still held and then io.EOF (if
// a close_notify came first) or [ErrTruncated].
func (c *Conn) FeedEOF() {
	c.tr.eof = true
}

// Outbound returns the ciphertext waiting to be written to the socket, or nil
// if there is none. The slice aliases internal memory: it is valid until the
// next call of any method other than Outbound. After writing k bytes of it,
// the caller calls Consumed(k).
func (c *Conn) Outbound() []byte {
	return c.tr.out.bytes()
}

// Consumed reports that the first k bytes of Outbound were written to the
// socket. It panics if k is larger than len(Outbound()). Once everything is
// consumed the outbound memory is released.
func (c *Conn) Consumed(k int) {
	c.tr.out.consume(k)
}

// Read decrypts into p. It returns [ErrWouldBlock] when more ciphertext is
// needed, io.EOF after the server's close_notify, [ErrTruncated] when the
// socket was closed without one, and other errors (wrapped) when the stream
// is broken; all but ErrWouldBlock are final. It may return n > 0 together
// with an error: the n bytes are valid and should be used first. Read may
// queue bytes of its own in Outbound (the answer to a TLS 1.3 KeyUpdate), so
// the loop flushes after reading. Read returns [ErrHandshakeIncomplete] until
// [Conn.Handshake] has reported done.
func (c *Conn) Read(p []byte) (int, error) {
	if c.state != stateEstablished {
		return 0, c.notEstablished()
	}
	n, err := c.tc.Read(p)
	switch {
	case err == nil:
		if n > 0 {
			c.pending = true
		}
		return n, nil
	case err == ErrWouldBlock:
		// crypto/tls found no complete record and asked the transport, which
		// was empty: nothing is held that a Read could return.
		c.pending = false
		return n, ErrWouldBlock
	case err == io.EOF:
		c.pending = false
		if c.tr.eofRead {
			// The EOF came from the socket, not from a close_notify.
			return n, ErrTruncated
		}
		return n, io.EOF
	default:
		c.pending = false
		return n, fmt.Errorf("tlsconn: read: %w", err)
	}
}

// Write encrypts p and appends the records to Outbound. It never blocks and
// writes all of p unless the connection is broken or closed. The caller
// applies back-pressure by writing less while Outbound is long: Write itself
// accepts any amount. Write returns [ErrHandshakeIncomplete] until
// [Conn.Handshake] has reported done.
func (c *Conn) Write(p []byte) (int, error) {
	if c.state != stateEstablished {
		return 0, c.notEstablished()
	}
	n, err := c.tc.Write(p)
	if err != nil {
		return n, fmt.Errorf("tlsconn: write: %w", err)
	}
	return n, nil
}

// notEstablished returns the error for Read or Write outside stateEstablished.
func (c *Conn) notEstablished() error {
	switch c.state {
	case stateFailed:
		return c.err
	case stateClosed:
		return errClosed
	}
	return ErrHandshakeIncomplete
}

// ConnectionState returns the state of the TLS connection: complete once the
// handshake is done, partial after a failed one, and the zero value while a
// handshake is suspended (crypto/tls holds its locks then).
func (c *Conn) ConnectionState() tls.ConnectionState {
	if c.state == stateHandshaking {
		return tls.ConnectionState{}
	}
	return c.tc.ConnectionState()
}

// Close ends the connection. A handshake in progress is cancelled: its
// coroutine is stopped and returns before Close does, and Handshake then
// reports an error that matches net.ErrClosed. After a completed handshake a
// close_notify alert is appended to Outbound; the caller may flush it or not.
// Input not yet read is dropped. Close is idempotent and always returns nil
// unless crypto/tls reports a failure to write the alert.
func (c *Conn) Close() error {
	var err error
	switch c.state {
	case stateClosed:
		return nil
	case stateHandshaking:
		c.cancelHandshake()
	case stateEstablished:
		if e := c.tc.Close(); e != nil {
			err = fmt.Errorf("tlsconn: close: %w", e)
		}
	}
	c.state = stateClosed
	c.pending = false
	c.tr.Close()
	return err
}

// Buffered reports whether bytes held in memory may let Read (or, during the
// handshake, Handshake) make progress without new input from the socket:
// ciphertext fed but not yet taken by crypto/tls, records or plaintext that
// crypto/tls holds after a Read that filled p, or an end of stream not yet
// reported. The loop must then call Read again even if the socket is not
// readable, e.g. after it resumes a paused transfer. Buffered may report true
// when the next Read finds only a partial record; that Read returns
// [ErrWouldBlock] and Buffered then reports false.
func (c *Conn) Buffered() bool {
	if c.state != stateHandshaking && c.state != stateEstablished {
		return false
	}
	if c.tr.in.len() > 0 || c.tr.eof && !c.tr.eofRead {
		return true
	}
	return c.state == stateEstablished && c.pending
}
