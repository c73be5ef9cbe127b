package xfer

import (
	"crypto/tls"
	"errors"
	"io"

	"github.com/xfer-go/xfer/internal/sock"
	"github.com/xfer-go/xfer/internal/tlsconn"
	"golang.org/x/sys/unix"
)

// tlsIdentity names a TLS identity: the config's, and the server name. Connections and
// resumed sessions are shared only within one identity.
func tlsIdentity(cfg *tls.Config, host string) string {
	return tlsconn.SessionKey(cfg) + " host=" + host
}

// startTLS begins the handshake on t's new connection.
func (m *Multi) startTLS(t *transfer) {
	var cfg *tls.Config
	if t.e.TLSConfig != nil {
		cfg = t.e.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = t.target().host
	}
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = alpn(t.httpVersion())
	}
	if cfg.ClientSessionCache == nil {
		cfg.ClientSessionCache = m.sessionCache(t.target().tlsID)
	}
	t.conn.tls = tlsconn.Client(cfg)
	m.setState(t, stTLS)
}

// sessionCache returns the Multi's TLS session cache for one identity.
func (m *Multi) sessionCache(identity string) tls.ClientSessionCache {
	if m.sessions == nil {
		m.sessions = map[string]tls.ClientSessionCache{}
	}
	c, ok := m.sessions[identity]
	if !ok {
		c = tls.NewLRUClientSessionCache(8)
		m.sessions[identity] = c
	}
	return c
}

// stepTLS advances the handshake: it flushes what TLS wants sent and feeds it what the
// socket has, until the handshake ends or must wait.
func (m *Multi) stepTLS(t *transfer) bool {
	c := t.conn
	buf := m.readBuf(t.bufSize())
	awaiting := false // a flight was just sent and nothing read since: the answer is not here yet
	for {
		if c.tlsOutLen() > 0 {
			if err := flushTLS(c); err == unix.EAGAIN {
				return false
			} else if err != nil {
				m.fail(t, ErrSSLConnectError, err)
				return false
			}
			awaiting = true
		}
		done, err := c.tls.Handshake()
		if err != nil {
			code := ErrSSLConnectError
			if tlsconn.VerificationFailed(err) {
				code = ErrPeerFailedVerification
			}
			m.fail(t, code, err)
			return false
		}
		if done && c.pre != nil {
			m.proxyTLSDone(t) // the https proxy's: the proxy handshake comes next
			return !t.done
		}
		if done {
			// The client's last flight stays in Outbound: the request joins it there and
			// one write sends both (stepSend flushes it in any case).
			t.info.appConnect = m.since(t)
			st := c.tls.ConnectionState()
			c.ends.tls = &st
			m.clearExpire(t, expConnect)
			m.establish(t, c)
			m.setState(t, stSend)
			return true
		}
		if len(c.tls.Outbound()) > 0 {
			continue
		}
		if awaiting && !c.tls.Buffered() && (c.ptls == nil || !c.ptls.Buffered()) {
			return false // wait for the socket rather than spend a read on EAGAIN
		}
		n, err := m.lowerRead(c, buf)
		switch {
		case n > 0:
			c.tls.Feed(buf[:n])
			awaiting = false
		case err == unix.EAGAIN:
			return false
		case err != nil:
			m.fail(t, ErrSSLConnectError, err)
			return false
		default:
			c.tls.FeedEOF()
		}
	}
}

// flushTLS writes what TLS has to send on c: through the https proxy's TLS when the
// origin's runs inside it. It returns nil when all of it went, unix.EAGAIN when the socket
// is full, or the write's error; the caller decides what a failure means for its transfer.
func flushTLS(c *conn) error {
	tc := c.tls
	if c.ptls != nil {
		if out := c.tls.Outbound(); len(out) > 0 {
			if _, err := c.ptls.Write(out); err != nil {
				return err
			}
			c.tls.Consumed(len(out))
		}
		tc = c.ptls
	}
	for out := tc.Outbound(); len(out) > 0; out = tc.Outbound() {
		n, err := sock.Write(c.fd, out)
		if n > 0 {
			tc.Consumed(n)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// tlsOutLen is how many bytes c's TLS (and the proxy's TLS under it) hold to be written.
func (c *conn) tlsOutLen() int {
	n := len(c.tls.Outbound())
	if c.ptls != nil {
		n += len(c.ptls.Outbound())
	}
	return n
}

// lowerRead reads what lies under c's TLS: the socket, or what the https proxy's TLS
// decrypts when the origin's TLS runs inside it. Like sock.Read, it returns 0 and a nil
// error at the end of the stream, and unix.EAGAIN when there is nothing now.
func (m *Multi) lowerRead(c *conn, p []byte) (int, error) {
	if c.ptls == nil {
		return sock.Read(c.fd, p)
	}
	for {
		n, err := c.ptls.Read(p)
		switch {
		case n > 0:
			return n, nil
		case err == nil:
			continue
		case errors.Is(err, tlsconn.ErrWouldBlock):
		case err == io.EOF:
			return 0, nil
		default:
			return 0, err
		}
		if m.pbuf == nil {
			m.pbuf = make([]byte, 32<<10)
		}
		k, err := sock.Read(c.fd, m.pbuf)
		switch {
		case k > 0:
			c.ptls.Feed(m.pbuf[:k])
		case err != nil:
			return 0, err
		default:
			c.ptls.FeedEOF()
		}
	}
}

// connWrite sends p on t's connection: straight to the socket, or through TLS, which takes
// all of p once what it had before is flushed. It returns unix.EAGAIN when nothing can be
// written now.
func connWrite(c *conn, p []byte) (int, error) {
	if c.tls == nil {
		return sock.Write(c.fd, p)
	}
	// What TLS holds already is sent first when it is much; a little (the handshake's
	// last flight) goes out in one write with p.
	if c.tlsOutLen() >= sendChunk {
		if err := flushTLS(c); err != nil {
			return 0, err
		}
	}
	n, err := c.tls.Write(p)
	if err != nil {
		return n, err
	}
	if err := flushTLS(c); err != nil && err != unix.EAGAIN {
		return n, err // p was taken, but the connection failed
	}
	return n, nil
}

// connRead reads response bytes from c: from the socket, or the plaintext
// TLS decrypts from it. It returns 0 and a nil error at the end of the stream, unix.EAGAIN
// when there is nothing now, and errTLSTruncated when the peer closed without close_notify.
func (m *Multi) connRead(c *conn, p []byte) (int, error) {
	if c.early != nil {
		return c.takeEarly(p), nil
	}
	if c.tls == nil {
		return sock.Read(c.fd, p)
	}
	for {
		n, err := c.tls.Read(p)
		switch {
		case n > 0:
			return n, nil
		case err == nil:
			continue
		case errors.Is(err, tlsconn.ErrWouldBlock):
		case err == io.EOF:
			return 0, nil
		case errors.Is(err, tlsconn.ErrTruncated):
			return 0, errTLSTruncated
		default:
			return 0, err
		}
		cbuf := m.cipherBuf()
		k, err := m.lowerRead(c, cbuf)
		switch {
		case k > 0:
			c.tls.Feed(cbuf[:k])
		case err != nil:
			return 0, err
		default:
			c.tls.FeedEOF()
		}
	}
}

// cipherBuf is the shared buffer TLS records are read into before decryption.
func (m *Multi) cipherBuf() []byte {
	if m.cbuf == nil {
		m.cbuf = make([]byte, 32<<10)
	}
	return m.cbuf
}

var errTLSTruncated = tlsconn.ErrTruncated
