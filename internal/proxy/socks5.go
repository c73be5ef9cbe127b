package proxy

import "fmt"

// SOCKS5 is the handshake of a socks5 or socks5h proxy (RFC 1928): the
// method negotiation, username/password authentication (RFC 1929) when the
// proxy URL has credentials and the server asks for it, and the CONNECT
// request and its reply. Make it with [NewSOCKS5]; it implements
// [Handshake].
type SOCKS5 struct {
	greeting []byte // method negotiation
	auth     []byte // username/password request; nil when none is offered
	request  []byte // CONNECT request
	state    socks5State
	need     int // reply bytes to hold before the next decision
	rb       replyBuf
	err      error
}

// socks5State is the reply being read.
type socks5State uint8

const (
	s5Method    socks5State = iota // method selection: VER METHOD
	s5Auth                         // authentication status: VER STATUS
	s5ReplyHead                    // VER REP, then RSV ATYP
	s5ReplyName                    // the length byte of a domain name address
	s5ReplyTail                    // the rest of the bound address and port
	s5Done
)

// SOCKS5 methods and address types.
const (
	methodNone     = 0x00
	methodPassword = 0x02
	methodNoneOK   = 0xff
	atypIPv4       = 0x01
	atypName       = 0x03
	atypIPv6       = 0x04
)

// NewSOCKS5 returns the handshake that asks the socks5 or socks5h proxy u
// to connect to host:port. For socks5, host must be an IP address (the
// caller resolves a name first). For socks5h, a name is sent for the proxy
// to resolve: one over 255 bytes is [ErrNameTooLong], never resolved here
// instead; an IP address is sent as an address. With credentials in u, the
// greeting offers username/password besides no authentication; a user name
// or password over 255 bytes is [ErrCredentialsTooLong]. Nothing has been
// sent when NewSOCKS5 fails.
func NewSOCKS5(u *URL, host string, port int) (*SOCKS5, error) {
	if u.Scheme != "socks5" && u.Scheme != "socks5h" {
		return nil, fmt.Errorf("%w: scheme %q is not SOCKS5", ErrBadURL, u.Scheme)
	}
	t, err := parseTarget(host, port)
	if err != nil {
		return nil, err
	}
	switch {
	case t.name != "" && u.Scheme == "socks5":
		return nil, fmt.Errorf("%w: socks5 takes an IP address: resolve %q first", ErrBadTarget, t.name)
	case len(t.name) > 255:
		return nil, fmt.Errorf("%w: %d bytes for socks5h", ErrNameTooLong, len(t.name))
	}

	s := &SOCKS5{need: 2}
	if u.HasCredentials() {
		if len(u.Username) > 255 || len(u.Password) > 255 {
			return nil, fmt.Errorf("%w: SOCKS5 user name of %d bytes, password of %d", ErrCredentialsTooLong, len(u.Username), len(u.Password))
		}
		s.greeting = []byte{5, 2, methodNone, methodPassword}
		s.auth = make([]byte, 0, 3+len(u.Username)+len(u.Password))
		s.auth = append(s.auth, 1, byte(len(u.Username)))
		s.auth = append(s.auth, u.Username...)
		s.auth = append(s.auth, byte(len(u.Password)))
		s.auth = append(s.auth, u.Password...)
	} else {
		s.greeting = []byte{5, 1, methodNone}
	}

	req := make([]byte, 0, 4+1+len(t.name)+16+2)
	req = append(req, 5, 1, 0) // VER, CMD CONNECT, RSV
	switch {
	case t.name != "":
		req = append(req, atypName, byte(len(t.name)))
		req = append(req, t.name...)
	case t.addr.Is4():
		a := t.addr.As4()
		req = append(req, atypIPv4)
		req = append(req, a[:]...)
	default:
		a := t.addr.As16()
		req = append(req, atypIPv6)
		req = append(req, a[:]...)
	}
	s.request = append(req, byte(t.port>>8), byte(t.port))
	return s, nil
}

// Start returns the method negotiation.
func (s *SOCKS5) Start() []byte { return append([]byte(nil), s.greeting...) }

// Feed reads the replies; see [Handshake]. After the method selection it
// returns the authentication request or the CONNECT request, after a
// successful authentication the CONNECT request. A reply is judged as soon
// as the bytes that decide arrive: the version, then the method, status or
// reply code, then the address type.
func (s *SOCKS5) Feed(in []byte) (n int, out []byte, done bool, err error) {
	if s.err != nil || s.state == s5Done {
		return 0, nil, s.state == s5Done, s.err
	}
	for {
		n += s.rb.fill(in[n:], s.need)
		if s.rb.n < s.need {
			return n, out, false, nil
		}
		send, err := s.step()
		if err != nil {
			s.err = err
			return n, out, false, err
		}
		out = append(out, send...)
		if s.state == s5Done {
			return n, out, true, nil
		}
	}
}

// step takes the decision for the bytes held, sets the next state and
// need, and returns what to send.
func (s *SOCKS5) step() ([]byte, error) {
	b := s.rb.buf[:s.rb.n]
	switch s.state {
	case s5Method:
		if b[0] != 5 {
			return nil, fmt.Errorf("%w: SOCKS5 method selection version %d, want 5", ErrBadVersion, b[0])
		}
		switch m := b[1]; {
		case m == methodNone:
			return s.sendRequest(), nil
		case m == methodPassword && s.auth != nil:
			s.state, s.need, s.rb.n = s5Auth, 2, 0
			return s.auth, nil
		case m == methodNoneOK:
			if s.auth == nil {
				return nil, fmt.Errorf("%w: the server requires authentication; none offered", ErrNoAcceptableMethod)
			}
			return nil, fmt.Errorf("%w: offered none and username/password", ErrNoAcceptableMethod)
		default:
			return nil, fmt.Errorf("%w: SOCKS5 server chose method %#x, which was not offered", ErrBadReply, m)
		}
	case s5Auth:
		if b[0] != 1 {
			return nil, fmt.Errorf("%w: SOCKS5 authentication reply version %d, want 1", ErrBadVersion, b[0])
		}
		if b[1] != 0 {
			return nil, fmt.Errorf("%w: status %d", ErrAuthRejected, b[1])
		}
		return s.sendRequest(), nil
	case s5ReplyHead:
		if len(b) == 2 {
			if b[0] != 5 {
				return nil, fmt.Errorf("%w: SOCKS5 reply version %d, want 5", ErrBadVersion, b[0])
			}
			if b[1] != 0 {
				return nil, &ReplyError{Version: 5, Code: b[1]}
			}
			s.need = 4 // RSV ATYP
			return nil, nil
		}
		switch b[3] {
		case atypIPv4:
			s.state, s.need = s5ReplyTail, 4+4+2
		case atypIPv6:
			s.state, s.need = s5ReplyTail, 4+16+2
		case atypName:
			s.state, s.need = s5ReplyName, 5
		default:
			return nil, fmt.Errorf("%w: SOCKS5 reply address type %d", ErrBadReply, b[3])
		}
		return nil, nil
	case s5ReplyName:
		s.state, s.need = s5ReplyTail, 5+int(b[4])+2
		return nil, nil
	case s5ReplyTail:
		s.state = s5Done
		return nil, nil
	}
	panic("proxy: SOCKS5 step in state done")
}

// sendRequest moves to the CONNECT reply and returns the request.
func (s *SOCKS5) sendRequest() []byte {
	s.state, s.need, s.rb.n = s5ReplyHead, 2, 0
	return s.request
}

// EOF reports a reply cut short; see [Handshake].
func (s *SOCKS5) EOF() error {
	if s.err != nil || s.state == s5Done {
		return s.err
	}
	what := "SOCKS5 reply"
	switch s.state {
	case s5Method:
		what = "SOCKS5 method selection"
	case s5Auth:
		what = "SOCKS5 authentication reply"
	}
	s.err = truncated(what, s.rb.n)
	return s.err
}
