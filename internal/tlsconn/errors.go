package tlsconn

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
)

// ErrWouldBlock is returned by [Conn.Read] when no complete record is held in
// memory: the loop must feed more ciphertext first. It is a net.Error whose
// Timeout and Temporary methods report true; crypto/tls relies on the latter to
// treat the condition as passing rather than fatal.
var ErrWouldBlock error = wouldBlockError{}

// ErrTruncated is returned by [Conn.Read] when the peer closed the socket
// without sending a close_notify alert first, so the stream may have been cut
// short (RFC 8446, section 6.1). errors.Is(ErrTruncated, io.ErrUnexpectedEOF)
// holds. Whether bytes already read are complete is for the protocol above to
// decide (an HTTP body with a known length is; a close-delimited one is not).
var ErrTruncated = fmt.Errorf("tlsconn: connection closed without close_notify: %w", io.ErrUnexpectedEOF)

// ErrHandshakeIncomplete is returned by [Conn.Read] and [Conn.Write] before the
// handshake has completed.
var ErrHandshakeIncomplete = errors.New("tlsconn: handshake not complete")

// errClosed is returned after [Conn.Close], and is the handshake error of a
// handshake that Close cancelled.
var errClosed = fmt.Errorf("tlsconn: %w", net.ErrClosed)

// errHandshakeAborted is the handshake error after a panic inside the
// handshake.
var errHandshakeAborted = errors.New("tlsconn: handshake: aborted by a panic")

type wouldBlockError struct{}

func (wouldBlockError) Error() string   { return "tlsconn: would block" }
func (wouldBlockError) Timeout() bool   { return true }
func (wouldBlockError) Temporary() bool { return true }

// VerificationFailed reports whether err, as returned by [Conn.Handshake],
// means that the server's certificate did not verify: an unknown or untrusted
// issuer, an expired or not yet valid certificate, or a name that does not
// match. It is true exactly when errors.As finds a
// *tls.CertificateVerificationError in err. Errors returned by the config's
// own VerifyPeerCertificate or VerifyConnection callbacks are passed through
// unchanged and are not recognised here.
func VerificationFailed(err error) bool {
	var cv *tls.CertificateVerificationError
	return errors.As(err, &cv)
}
