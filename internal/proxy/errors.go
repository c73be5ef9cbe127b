package proxy

import (
	"errors"
	"fmt"
)

// Errors reported by this package. Returned errors wrap one of these values
// with detail; match them with [errors.Is]. Messages never hold a password
// or the user name of a proxy URL.
//
// The engine ends a transfer whose SOCKS handshake fails, whatever the
// error, with ErrProxy (97). A CONNECT reply with a status other than 2xx
// ([ErrTunnelRefused]) ends it with ErrRecvError, ConnectCode set, as curl
// does; the other CONNECT errors ([ErrBadReply], [ErrTruncated]) are
// failures of the proxy as well, mapped by the engine. An error of [Parse]
// is a bad Proxy option or environment variable.
var (
	// ErrBadURL means a proxy string is not "scheme://[user:password@]host[:port]"
	// with a scheme this package knows: an unknown scheme, an empty or
	// malformed host, a port that is not 1 to 65535, or bad
	// percent-encoding in the user name or password.
	ErrBadURL = errors.New("proxy: invalid proxy URL")

	// ErrBadTarget means the destination handed to a handshake cannot be
	// sent: an empty host, one holding whitespace or control bytes, a port
	// outside 1 to 65535, a host name for a proxy that takes an address
	// (socks4, socks5: the caller resolves first), or an IPv6 address for
	// SOCKS4.
	ErrBadTarget = errors.New("proxy: invalid destination")

	// ErrNameTooLong means a host name for socks4a or socks5h is longer than
	// 255 bytes. Nothing is sent, and the name is never resolved locally
	// instead (CVE-2023-38545).
	ErrNameTooLong = errors.New("proxy: host name longer than 255 bytes")

	// ErrCredentialsTooLong means a SOCKS user name or password is longer
	// than 255 bytes. Nothing is sent.
	ErrCredentialsTooLong = errors.New("proxy: user name or password longer than 255 bytes")

	// ErrBadVersion means a SOCKS reply did not start with the version
	// byte the protocol requires.
	ErrBadVersion = errors.New("proxy: wrong version in SOCKS reply")

	// ErrNoAcceptableMethod means the SOCKS5 server accepted none of the
	// authentication methods offered.
	ErrNoAcceptableMethod = errors.New("proxy: no acceptable SOCKS5 authentication method")

	// ErrAuthRejected means the SOCKS5 server rejected the user name and
	// password.
	ErrAuthRejected = errors.New("proxy: SOCKS5 authentication rejected")

	// ErrRejected means the SOCKS server refused to connect to the
	// destination. The error is a [*ReplyError] that tells why.
	ErrRejected = errors.New("proxy: SOCKS request rejected")

	// ErrBadReply means a reply that breaks its protocol: a SOCKS5 server
	// choosing a method that was not offered, an unknown address type, or
	// a CONNECT reply that is not an acceptable HTTP/1.x response (the
	// error then also wraps the error of internal/http1, such as
	// http1.ErrHeaderTooLarge).
	ErrBadReply = errors.New("proxy: malformed reply from proxy")

	// ErrTruncated means the proxy closed the connection before the end of
	// its reply.
	ErrTruncated = errors.New("proxy: connection closed during the proxy handshake")

	// ErrTunnelRefused means the HTTP proxy answered CONNECT with a status
	// other than 2xx; [Connect.Status] holds it.
	ErrTunnelRefused = errors.New("proxy: CONNECT refused")
)

// ReplyError is the error for a SOCKS server that refused the request: a
// SOCKS4 reply other than 90 or a SOCKS5 reply other than 0. It wraps
// [ErrRejected].
type ReplyError struct {
	Version int  // 4 or 5
	Code    byte // CD of SOCKS4 (91 to 93 defined), REP of SOCKS5 (1 to 8 defined)
}

var socks4Reasons = map[byte]string{
	91: "request rejected or failed",
	92: "request rejected: the server cannot reach the client's identd",
	93: "request rejected: the client program and identd report different user ids",
}

var socks5Reasons = [...]string{
	1: "general SOCKS server failure",
	2: "connection not allowed by ruleset",
	3: "network unreachable",
	4: "host unreachable",
	5: "connection refused",
	6: "TTL expired",
	7: "command not supported",
	8: "address type not supported",
}

// Reason returns the meaning of the reply code, or "unassigned reply code".
func (e *ReplyError) Reason() string {
	if e.Version == 4 {
		if r, ok := socks4Reasons[e.Code]; ok {
			return r
		}
	} else if int(e.Code) < len(socks5Reasons) && socks5Reasons[e.Code] != "" {
		return socks5Reasons[e.Code]
	}
	return "unassigned reply code"
}

// Error returns a message such as
// "proxy: SOCKS5 server refused: connection refused (reply 5)".
func (e *ReplyError) Error() string {
	return fmt.Sprintf("proxy: SOCKS%d server refused: %s (reply %d)", e.Version, e.Reason(), e.Code)
}

// Unwrap returns [ErrRejected].
func (e *ReplyError) Unwrap() error { return ErrRejected }
