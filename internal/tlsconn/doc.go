// Package tlsconn drives an unmodified crypto/tls client from a single-threaded
// event loop, with the ciphertext passing through memory.
//
// The loop owns the socket. It reads ciphertext from it and hands it to a
// [Conn] with [Conn.Feed] (or [Conn.FeedEOF] at end of stream), and it writes
// what [Conn.Outbound] returns to the socket, reporting progress with
// [Conn.Consumed]. Nothing in this package blocks, touches a socket or starts
// a goroutine that outlives a handshake.
//
// # How crypto/tls is driven
//
// A *tls.Conn is built on a transport (a net.Conn over two byte queues):
//
//   - The transport's Write appends to the outbound queue and never fails.
//     crypto/tls records any write error as permanent, so no error may ever
//     reach it from that side; back-pressure belongs above TLS (write less
//     into [Conn.Write] while [Conn.Outbound] is long).
//   - The handshake is straight-line code that cannot be resumed after its
//     transport reported "would block" (the error is kept and returned for
//     ever). It therefore runs inside an [iter.Pull] coroutine: when the
//     transport has no input, its Read yields back to the loop, and the next
//     [Conn.Handshake] resumes it where it stopped. The coroutine exists only
//     while the handshake is in progress.
//   - After the handshake, tls.Conn.Read is called directly. When the transport
//     has no input its Read returns [ErrWouldBlock], a net.Error whose
//     Temporary method reports true, which crypto/tls passes up without
//     recording it; partial records stay buffered inside crypto/tls.
//
// While the handshake coroutine is suspended it holds the tls.Conn's internal
// locks, so no other method of the tls.Conn may be called; Conn guards this.
//
// # Errors
//
// A handshake fails with an error that wraps the cause:
//
//   - Verification failed (the server's chain does not lead to a trusted root,
//     a certificate has expired or is not yet valid, the name does not match):
//     errors.As finds a *tls.CertificateVerificationError, and
//     [VerificationFailed] reports true.
//   - Any other failure (the peer is not speaking TLS, it sent an alert, it
//     closed the connection, no common version or cipher suite, an error
//     returned by the config's own VerifyPeerCertificate or VerifyConnection
//     callback, a handshake cancelled by [Conn.Close]): VerificationFailed
//     reports false.
//
// After the handshake, Read returns [ErrWouldBlock] when it needs more input,
// io.EOF after the server's close_notify, and [ErrTruncated] when the peer
// closed the socket without a close_notify.
package tlsconn
