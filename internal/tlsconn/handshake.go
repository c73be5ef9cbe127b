package tlsconn

import (
	"fmt"
	"iter"
)

// Handshake advances the handshake with the bytes fed so far and returns once
// it needs more input, has completed or has failed. done=true means the
// handshake has completed (also on every later call); done=false with a nil
// error means it waits for input: flush Outbound, wait until the socket is
// readable, Feed, and call Handshake again. A non-nil error is final and is
// returned again by later calls; see the package documentation for how to
// tell a verification failure from other failures. Outbound may hold an
// alert to flush after a failure.
//
// The first call starts the handshake, leaving the ClientHello in Outbound.
// Calls while no new input has been fed return at once.
func (c *Conn) Handshake() (done bool, err error) {
	switch c.state {
	case stateEstablished:
		return true, nil
	case stateFailed:
		return false, c.err
	case stateClosed:
		if c.err != nil {
			return false, c.err
		}
		return false, errClosed
	case stateNew:
		c.next, c.stop = iter.Pull(c.runHandshake)
		c.state = stateHandshaking
	case stateHandshaking:
		if c.tr.in.len() == 0 && !c.tr.eof {
			return false, nil // resuming would only yield again
		}
	}
	if _, more := c.next(); more {
		return false, nil
	}
	// runHandshake has returned and set the state; the coroutine is gone.
	c.next, c.stop = nil, nil
	if c.state == stateFailed {
		return false, c.err
	}
	return true, nil
}

// runHandshake is the body of the handshake coroutine. tls.Conn.Handshake
// runs to its end inside it; each time the transport has no input, its Read
// yields here back to Handshake's caller.
func (c *Conn) runHandshake(yield func(struct{}) bool) {
	c.tr.yield = yield
	defer func() {
		c.tr.yield = nil
		if c.state == stateHandshaking {
			// A panic (from a config callback, say) is unwinding through
			// the coroutine; it reaches Handshake's caller. The handshake
			// is over.
			c.state = stateFailed
			c.err = errHandshakeAborted
		}
	}()
	err := c.tc.Handshake()
	if err != nil {
		c.state = stateFailed
		c.err = fmt.Errorf("tlsconn: handshake: %w", err)
		c.tr.in.release() // nothing will read it
		return
	}
	c.state = stateEstablished
	// The last flight may have carried more records (session tickets,
	// application data) that crypto/tls already took from the transport.
	c.pending = true
}

// cancelHandshake stops a suspended handshake. The coroutine resumes, its
// yield reports false, the transport's Read fails with net.ErrClosed, the
// handshake returns and the coroutine ends before stop returns.
func (c *Conn) cancelHandshake() {
	stop := c.stop
	c.next, c.stop = nil, nil
	stop() // runHandshake has returned and set stateFailed
	c.err = fmt.Errorf("tlsconn: handshake: %w", errClosed)
}
