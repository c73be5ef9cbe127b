package proxy

import (
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/xfer-go/xfer/internal/http1"
)

// Connect is the HTTP CONNECT handshake with an http or https proxy (for
// https, over the TLS connection to the proxy): one request, and a reply
// read by an internal/http1 Parser, so the same rules and limits hold as
// for any response. Make it with [NewConnect]; it implements [Handshake].
type Connect struct {
	// HeaderLine, when not nil, is called by Feed with each raw line of
	// the reply's header section, line ending included: status lines
	// (interim 1xx ones too), field lines, and the empty line that ends a
	// block, as the engine hands them to Easy.HeaderLine. line is valid
	// only during the call.
	HeaderLine func(line []byte)

	req    []byte
	p      http1.Parser
	status int
	done   bool
	err    error
}

// NewConnect returns the handshake that asks the HTTP proxy u to open a
// tunnel to host:port. The request is
//
//	CONNECT host:port HTTP/1.1
//	Host: host:port
//	Proxy-Authorization: Basic ...   (when u has credentials)
//	...the fields of header...
//
// and nothing else. header must hold only fields meant for the proxy
// (Easy.ProxyHeader): the origin's fields and credentials must never be in
// it. A field of header overrides the Host or Proxy-Authorization field
// that NewConnect would write; Content-Length and Transfer-Encoding
// entries are ignored. A host that is neither a name nor an IP address
// is [ErrBadTarget], and a field that cannot be written safely (a name
// that is not a token, a value with CR, LF or another control byte)
// wraps http1.ErrInvalidRequest; nothing has been sent then.
func NewConnect(u *URL, host string, port int, header http.Header) (*Connect, error) {
	if !u.IsHTTP() {
		return nil, fmt.Errorf("%w: scheme %q is not an HTTP proxy", ErrBadURL, u.Scheme)
	}
	t, err := parseTarget(host, port)
	if err != nil {
		return nil, err
	}
	h := t.name
	if h == "" {
		h = t.addr.String()
	}
	authority := net.JoinHostPort(h, strconv.Itoa(int(t.port)))

	fields := make(http.Header, len(header)+3)
	hasAuth, hasUA, hasAccept := false, false, false
	for k, vs := range header {
		fields[k] = vs
		hasAuth = hasAuth || http.CanonicalHeaderKey(k) == "Proxy-Authorization"
		hasUA = hasUA || http.CanonicalHeaderKey(k) == "User-Agent"
		hasAccept = hasAccept || http.CanonicalHeaderKey(k) == "Accept"
	}
	if auth := u.ProxyAuthorization(); auth != "" && !hasAuth {
		fields["Proxy-Authorization"] = []string{auth}
	}
	// An empty value keeps AppendRequestHead from adding its default.
	if !hasUA {
		fields["User-Agent"] = []string{""}
	}
	if !hasAccept {
		fields["Accept"] = []string{""}
	}
	req, err := http1.AppendRequestHead(nil, &http1.Request{
		Method: "CONNECT",
		Target: authority,
		Host:   authority,
		Header: fields,
	})
	if err != nil {
		return nil, fmt.Errorf("proxy: CONNECT request: %w", err)
	}
	c := &Connect{req: req}
	c.p.Reset("CONNECT")
	return c, nil
}

// Start returns the CONNECT request.
func (c *Connect) Start() []byte { return append([]byte(nil), c.req...) }

// Feed reads the reply; see [Handshake]. CONNECT never has more to send.
// A 2xx reply is done at the end of its header section: the bytes after it
// are the tunnel's. Any other final status is an error wrapping
// [ErrTunnelRefused], reported at the end of the header section, with the
// status in [Connect.Status]; the reply's body is not read, and nothing is
// sent again, whatever the status (no retry with other credentials). A
// reply that is not an acceptable HTTP/1.x response, or whose header
// section exceeds [http1.MaxHeaderBytes], wraps [ErrBadReply] and the
// parser's error.
func (c *Connect) Feed(in []byte) (n int, out []byte, done bool, err error) {
	if c.err != nil || c.done {
		return 0, nil, c.done, c.err
	}
	for {
		m, ev, err := c.p.Next(in[n:])
		n += m
		if err != nil {
			c.err = fmt.Errorf("%w: %w", ErrBadReply, err)
			return n, nil, false, c.err
		}
		switch ev {
		case http1.EventNeedMore:
			return n, nil, false, nil
		case http1.EventHeaderLine:
			if c.HeaderLine != nil {
				c.HeaderLine(c.p.Line())
			}
		case http1.EventResponse:
			c.status = c.p.Status
			if c.status/100 != 2 {
				c.err = fmt.Errorf("%w with status %d", ErrTunnelRefused, c.status)
				return n, nil, false, c.err
			}
		case http1.EventDone:
			c.done = true
			return n, nil, true, nil
		default:
			// A 2xx reply to CONNECT has no body: the parser reports
			// EventDone right after EventResponse.
			c.err = fmt.Errorf("%w: unexpected %v", ErrBadReply, ev)
			return n, nil, false, c.err
		}
	}
}

// Status returns the status code of the final reply, known once its status
// line is read: what the engine reports as Info.ConnectCode. It is 0 before.
func (c *Connect) Status() int {
	if c.status == 0 && c.p.Status >= 200 {
		return c.p.Status
	}
	return c.status
}

// EOF reports a reply cut short; see [Handshake]. The error wraps
// [ErrTruncated] and the parser's error (http1.ErrNoResponse when not a
// byte arrived, http1.ErrTruncatedHeader otherwise).
func (c *Connect) EOF() error {
	if c.err != nil || c.done {
		return c.err
	}
	if _, err := c.p.EOF(); err != nil {
		c.err = fmt.Errorf("%w: %w", ErrTruncated, err)
		return c.err
	}
	c.err = fmt.Errorf("%w: the reply ended without its header section", ErrTruncated)
	return c.err
}
