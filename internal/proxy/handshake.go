package proxy

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Handshake is the state machine of one proxy handshake on a connection to
// the proxy: [*SOCKS4], [*SOCKS5] or [*Connect]. It does no I/O; the caller
// moves the bytes (see the package documentation for the steps). A
// Handshake is used by one goroutine at a time.
type Handshake interface {
	// Start returns the first bytes to send to the proxy. Call it once,
	// before Feed. The slice is the caller's.
	Start() []byte

	// Feed consumes bytes received from the proxy and returns n, the
	// number consumed; out, bytes to send to the proxy now, in order
	// (nil when none; the slice is the caller's); and whether the
	// handshake is done. Until done, or an error, n is len(in). Once done,
	// in[n:] is not the proxy's: it belongs to the protocol that the
	// tunnel carries, and Feed consumes nothing more and reports done. An
	// error is final: every later call returns it, and the connection is
	// of no further use (n then tells nothing).
	Feed(in []byte) (n int, out []byte, done bool, err error)

	// EOF tells the handshake that the proxy closed the connection. It
	// returns nil if the handshake was done, the handshake's error if it
	// had one, and otherwise an error wrapping [ErrTruncated].
	EOF() error
}

// New returns the handshake that sets up a tunnel to host:port through the
// proxy u: SOCKS4, SOCKS4a, SOCKS5 or SOCKS5h by its scheme, or HTTP
// CONNECT for an http or https proxy, which sends the fields of header (see
// [NewConnect]; the SOCKS handshakes take no header). For socks4 and socks5
// host must be an IP address ([URL.ResolvesLocally]); for the others it
// may be a name, which the proxy resolves. An IPv6 address may be written
// with or without brackets.
func New(u *URL, host string, port int, header http.Header) (Handshake, error) {
	var h Handshake
	var err error
	switch u.Scheme {
	case "socks4", "socks4a":
		h, err = NewSOCKS4(u, host, port)
	case "socks5", "socks5h":
		h, err = NewSOCKS5(u, host, port)
	case "http", "https":
		h, err = NewConnect(u, host, port, header)
	default:
		err = fmt.Errorf("%w: unknown scheme %q", ErrBadURL, u.Scheme)
	}
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return h, nil
}

// target is a destination checked for sending: either an address or a
// name, never both. The choice is made once, here, and kept.
type target struct {
	addr netip.Addr // valid when the destination is an IP address
	name string     // the host name when it is not
	port uint16
}

// parseTarget checks host and port: a host that is not empty and holds no
// whitespace or control byte, a port from 1 to 65535. An IP address, with
// or without brackets, becomes addr, an IPv4-mapped IPv6 address an IPv4
// one; anything else is a name.
func parseTarget(host string, port int) (target, error) {
	if port < 1 || port > 65535 {
		return target{}, fmt.Errorf("%w: port %d", ErrBadTarget, port)
	}
	h := host
	if len(h) >= 2 && h[0] == '[' && h[len(h)-1] == ']' {
		h = h[1 : len(h)-1]
	}
	if h == "" {
		return target{}, fmt.Errorf("%w: empty host", ErrBadTarget)
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; c <= ' ' || c == 0x7f {
			return target{}, fmt.Errorf("%w: byte %#x in host", ErrBadTarget, c)
		}
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return target{addr: a.Unmap(), port: uint16(port)}, nil
	}
	if h != host || strings.IndexByte(h, ':') >= 0 {
		return target{}, fmt.Errorf("%w: %q is neither a host name nor an IP address", ErrBadTarget, host)
	}
	return target{name: h, port: uint16(port)}, nil
}

// replyBuf gathers a reply of known length a few bytes at a time. It never
// takes more than the reply holds: the caller says how many bytes it needs
// before its next decision.
type replyBuf struct {
	buf [4 + 1 + 255 + 2]byte // the largest reply: SOCKS5 with a 255-byte name
	n   int
}

// fill moves bytes of in into r until r holds need bytes, and returns how
// many it took.
func (r *replyBuf) fill(in []byte, need int) int {
	if r.n >= need {
		return 0
	}
	m := copy(r.buf[r.n:need], in)
	r.n += m
	return m
}

// truncated returns the error for a close after got bytes of a reply.
func truncated(what string, got int) error {
	return fmt.Errorf("%w: after %d bytes of the %s", ErrTruncated, got, what)
}
