package proxy

import (
	"fmt"
	"strings"
)

// SOCKS4 is the handshake of a socks4 or socks4a proxy: one CONNECT
// request, with the proxy URL's user name as the user id, and its 8-byte
// reply. Make it with [NewSOCKS4]; it implements [Handshake].
type SOCKS4 struct {
	req  []byte // the request, complete: every choice was made by NewSOCKS4
	rb   replyBuf
	done bool
	err  error
}

// socks4ReplyLen is the length of a SOCKS4 reply: VN, CD, DSTPORT, DSTIP.
const socks4ReplyLen = 8

// NewSOCKS4 returns the handshake that asks the socks4 or socks4a proxy u
// to connect to host:port. For socks4, host must be an IPv4 address (the
// caller resolves a name first, asking for IPv4 only). For socks4a, a name
// is sent for the proxy to resolve: one over 255 bytes is
// [ErrNameTooLong], and it is never resolved here instead. SOCKS4 has no
// IPv6: an IPv6 address is [ErrBadTarget]. A user name over 255 bytes is
// [ErrCredentialsTooLong]; the password is not used. Nothing has been sent
// when NewSOCKS4 fails.
func NewSOCKS4(u *URL, host string, port int) (*SOCKS4, error) {
	if u.Scheme != "socks4" && u.Scheme != "socks4a" {
		return nil, fmt.Errorf("%w: scheme %q is not SOCKS4", ErrBadURL, u.Scheme)
	}
	t, err := parseTarget(host, port)
	if err != nil {
		return nil, err
	}
	if len(u.Username) > 255 {
		return nil, fmt.Errorf("%w: SOCKS4 user id of %d bytes", ErrCredentialsTooLong, len(u.Username))
	}
	if strings.IndexByte(u.Username, 0) >= 0 {
		return nil, fmt.Errorf("%w: NUL in the SOCKS4 user id", ErrBadURL)
	}
	switch {
	case t.addr.Is6():
		return nil, fmt.Errorf("%w: SOCKS4 carries no IPv6 address", ErrBadTarget)
	case t.name != "" && u.Scheme == "socks4":
		return nil, fmt.Errorf("%w: socks4 takes an IPv4 address: resolve %q first", ErrBadTarget, t.name)
	case len(t.name) > 255:
		return nil, fmt.Errorf("%w: %d bytes for socks4a", ErrNameTooLong, len(t.name))
	}

	req := make([]byte, 0, 9+len(u.Username)+len(t.name)+1)
	req = append(req, 4, 1, byte(t.port>>8), byte(t.port))
	if t.name != "" {
		req = append(req, 0, 0, 0, 1) // SOCKS4a: 0.0.0.x, x not 0, then the name
	} else {
		a := t.addr.As4()
		req = append(req, a[:]...)
	}
	req = append(req, u.Username...)
	req = append(req, 0)
	if t.name != "" {
		req = append(req, t.name...)
		req = append(req, 0)
	}
	return &SOCKS4{req: req}, nil
}

// Start returns the CONNECT request.
func (s *SOCKS4) Start() []byte { return append([]byte(nil), s.req...) }

// Feed reads the reply; see [Handshake]. SOCKS4 never has more to send.
// The reply is refused, with a [*ReplyError], as soon as its second byte
// says so.
func (s *SOCKS4) Feed(in []byte) (n int, out []byte, done bool, err error) {
	if s.err != nil || s.done {
		return 0, nil, s.done, s.err
	}
	if s.rb.n < 2 {
		n = s.rb.fill(in, 2)
		if s.rb.n < 2 {
			return n, nil, false, nil
		}
		if err := s.check(); err != nil {
			s.err = err
			return n, nil, false, err
		}
	}
	n += s.rb.fill(in[n:], socks4ReplyLen)
	if s.rb.n < socks4ReplyLen {
		return n, nil, false, nil
	}
	s.done = true
	return n, nil, true, nil
}

// check reads VN and CD: VN must be 0 and CD 90, request granted.
func (s *SOCKS4) check() error {
	if vn := s.rb.buf[0]; vn != 0 {
		return fmt.Errorf("%w: SOCKS4 reply version %d, want 0", ErrBadVersion, vn)
	}
	if cd := s.rb.buf[1]; cd != 90 {
		return &ReplyError{Version: 4, Code: cd}
	}
	return nil
}

// EOF reports a reply cut short; see [Handshake].
func (s *SOCKS4) EOF() error {
	if s.err != nil || s.done {
		return s.err
	}
	s.err = truncated("SOCKS4 reply", s.rb.n)
	return s.err
}
