package xfer

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/xfer-go/xfer/internal/proxy"
	"github.com/xfer-go/xfer/internal/tlsconn"
	"golang.org/x/sys/unix"
)

// proxyOpts are the options a transfer's proxy is chosen by. parsedURL keeps them, so that
// a parse is reused only while they are unchanged.
type proxyOpts struct {
	proxy     string
	noProxy   string
	tunnel    bool
	tlsConfig *tls.Config
	env       *proxy.Env // the Multi's environment, with ProxyFromEnvironment; else nil
}

// proxyOpts returns t's proxy options.
func (t *transfer) proxyOpts() proxyOpts {
	e := t.e
	o := proxyOpts{proxy: e.Proxy, noProxy: e.NoProxy, tunnel: e.HTTPProxyTunnel, tlsConfig: e.ProxyTLSConfig}
	if e.m != nil {
		o.env = e.m.env
	}
	return o
}

// proxyRoute is how a URL is reached through a proxy.
type proxyRoute struct {
	u      *proxy.URL
	tunnel bool   // the origin's protocol runs inside (SOCKS, or CONNECT); false: absolute-form requests
	tlsID  string // for an https proxy, the TLS identity of the connection to the proxy
	// key is what a connection key adds for the proxy: its scheme, host, port and
	// credentials, its TLS identity, and whether it tunnels. It holds the password: it is
	// compared, never shown.
	key string
}

// choose picks the proxy for a URL of scheme and host: the Proxy option, else the
// environment's proxy (when read); NoProxy, or the environment's list when NoProxy is "",
// names the hosts reached directly. It returns nil for a direct connection.
func (o proxyOpts) choose(scheme, host string) (*proxyRoute, error) {
	var u *proxy.URL
	var err error
	switch {
	case o.proxy != "":
		// As curl: the environment's NO_PROXY, when it is read, also spares hosts from
		// a proxy the Easy names, unless the Easy gives a list of its own.
		np := proxy.ParseNoProxy(o.noProxy)
		if o.noProxy == "" && o.env != nil {
			np = *o.env.NoProxyList()
		}
		if np.Match(host) {
			return nil, nil
		}
		u, err = proxy.Parse(o.proxy)
	case o.env != nil && o.noProxy != "":
		if np := proxy.ParseNoProxy(o.noProxy); np.Match(host) {
			return nil, nil
		}
		u, err = o.env.Proxy(scheme)
	case o.env != nil:
		u, err = o.env.ProxyFor(scheme, host)
	}
	if err != nil {
		return nil, fmt.Errorf("xfer: Proxy: %w", err)
	}
	if u == nil {
		return nil, nil
	}
	r := &proxyRoute{u: u, tunnel: !u.IsHTTP() || scheme == "https" || o.tunnel}
	r.key = " via " + u.Key()
	if u.Scheme == "https" {
		r.tlsID = "proxy " + tlsIdentity(o.tlsConfig, u.Host)
		r.key += " " + r.tlsID
	}
	if r.tunnel {
		r.key += " tunnel"
	}
	return r, nil
}

// proxyHeader returns hdr with the fields an absolute-form request carries for the proxy:
// Proxy-Authorization from the proxy URL's credentials (unless the header sets it), and
// Easy.ProxyHeader. It returns hdr itself when there are none.
func (r *proxyRoute) proxyHeader(hdr, extra http.Header) http.Header {
	auth := r.u.ProxyAuthorization()
	if auth == "" && len(extra) == 0 {
		return hdr
	}
	out := hdr.Clone()
	if out == nil {
		out = http.Header{}
	}
	for k, vs := range extra {
		out[http.CanonicalHeaderKey(k)] = vs
	}
	if auth != "" && out.Get("Proxy-Authorization") == "" {
		out.Set("Proxy-Authorization", auth)
	}
	return out
}

// prelude is the proxy's part of a new connection's setup: the TLS handshake with an
// https proxy, then the SOCKS or CONNECT handshake. It lives on the connection until the
// handshake is complete (conn.pre).
type prelude struct {
	h       proxy.Handshake // nil: no handshake (an absolute-form request follows)
	out     []byte          // handshake bytes not yet sent
	early   []byte          // bytes read past the proxy's reply: the tunnel's first
	tlsDone bool            // the https proxy's TLS handshake is done
	done    bool            // the proxy's reply is complete; out is sent, then the connection is handed over
}

// needOriginAddr reports whether t must look up its origin's address before it connects
// to the proxy: socks4 and socks5 take an address, not a name.
func (t *transfer) needOriginAddr() bool {
	px := t.req.px
	if px == nil || !px.u.ResolvesLocally() || t.dial.origin.IsValid() {
		return false
	}
	_, err := netip.ParseAddr(t.target().host)
	return err != nil
}

// lookUpOrigin looks up the origin's address for a socks4 or socks5 proxy: from Resolve
// entries or the hosts file at once, else through the resolver, whose answer brings t back
// to stConnect.
func (m *Multi) lookUpOrigin(t *transfer) bool {
	tg := t.target()
	addrs, ok, err := m.lookupStaticFor(t, tg.host, tg.port)
	if err != nil {
		m.fail(t, ErrURLMalformat, err)
		return false
	}
	if ok {
		ips := make([]netip.Addr, len(addrs))
		for i, a := range addrs {
			ips[i] = a.Addr()
		}
		return m.originFound(t, ips)
	}
	m.waitForConn(t)
	t.dial.lookingUpOrigin = true
	m.setState(t, stResolving)
	m.startLookup(t)
	return !t.done && t.state != stResolving
}

// originFound records the origin's address for a socks4 (IPv4 only) or socks5 proxy, and
// sends t back to connect.
func (m *Multi) originFound(t *transfer, ips []netip.Addr) bool {
	for _, ip := range ips {
		if ip.Is4() || ip.Is4In6() || t.req.px.u.Scheme != "socks4" {
			t.dial.origin = ip.Unmap()
			m.setState(t, stConnect)
			return true
		}
	}
	m.fail(t, ErrProxy, fmt.Errorf("xfer: %s proxy: no IPv4 address for %s", t.req.px.u.Scheme, t.target().host))
	return false
}

// newPrelude makes the proxy's part of the setup of t's new connection c, while t.dial
// still holds what the lookups found.
func (m *Multi) newPrelude(t *transfer, c *conn) error {
	px := t.req.px
	p := &prelude{}
	if px.tunnel {
		host := t.target().host
		if px.u.ResolvesLocally() && t.dial.origin.IsValid() {
			host = t.dial.origin.String()
		}
		h, err := proxy.New(px.u, host, int(t.target().port), t.e.ProxyHeader)
		if err != nil {
			return err
		}
		p.h = h
	}
	c.pre = p
	return nil
}

// startPrelude begins the proxy's part of the setup of t's new connection: TLS with an
// https proxy first, then the handshake.
func (m *Multi) startPrelude(t *transfer) {
	if t.req.px.u.Scheme == "https" {
		m.startProxyTLS(t)
		return
	}
	m.startHandshake(t)
}

// startProxyTLS begins the TLS handshake with an https proxy, with ProxyTLSConfig, ALPN
// "http/1.1" and a session cache of the proxy's own.
func (m *Multi) startProxyTLS(t *transfer) {
	px := t.req.px
	var cfg *tls.Config
	if t.e.ProxyTLSConfig != nil {
		cfg = t.e.ProxyTLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = px.u.Host
	}
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{"http/1.1"}
	}
	if cfg.ClientSessionCache == nil {
		cfg.ClientSessionCache = m.sessionCache(px.tlsID)
	}
	t.conn.tls = tlsconn.Client(cfg)
	m.setState(t, stTLS)
}

// proxyTLSDone is called by stepTLS when the https proxy's handshake is complete.
func (m *Multi) proxyTLSDone(t *transfer) {
	t.conn.pre.tlsDone = true
	m.startHandshake(t)
}

// startHandshake starts the SOCKS or CONNECT handshake, or hands the connection over when
// there is none.
func (m *Multi) startHandshake(t *transfer) {
	p := t.conn.pre
	if p.h == nil {
		m.preludeDone(t)
		return
	}
	p.out = p.h.Start()
	m.setState(t, stProxy)
}

// stepProxy runs the proxy handshake: it sends what the handshake has to send and feeds it
// what the proxy replies, through the proxy's TLS when there is one, until the reply is
// complete or it must wait.
func (m *Multi) stepProxy(t *transfer) bool {
	c := t.conn
	p := c.pre
	for {
		for len(p.out) > 0 {
			n, err := connWrite(c, p.out)
			p.out = p.out[n:]
			if err == unix.EAGAIN {
				return false
			}
			if err != nil {
				m.proxyFailed(t, ErrSendError, fmt.Errorf("xfer: sending to the proxy: %w", err))
				return false
			}
		}
		if c.tlsPending() != 0 {
			if err := flushTLS(c); err == unix.EAGAIN {
				return false
			} else if err != nil {
				m.proxyFailed(t, ErrSendError, fmt.Errorf("xfer: sending to the proxy: %w", err))
				return false
			}
		}
		if p.done {
			m.preludeDone(t)
			return !t.done
		}
		buf := m.readBuf(t.bufSize())
		n, err := m.connRead(c, buf)
		switch {
		case err == unix.EAGAIN:
			return false
		case err != nil:
			m.proxyFailed(t, ErrRecvError, fmt.Errorf("xfer: reading from the proxy: %w", err))
			return false
		case n == 0:
			m.proxyFailed(t, ErrRecvError, p.h.EOF())
			return false
		}
		k, out, done, err := p.h.Feed(buf[:n])
		if cc, ok := p.h.(*proxy.Connect); ok {
			c.ends.connectCode = int32(cc.Status())
		}
		if err != nil {
			m.proxyFailed(t, ErrRecvError, err)
			return false
		}
		p.out = append(p.out, out...)
		if done {
			p.done = true
			if k < n {
				p.early = append([]byte(nil), buf[k:n]...)
			}
		}
	}
}

// proxyFailed ends t whose proxy handshake failed: with ErrProxy for a SOCKS proxy, with
// code for an HTTP one (ErrRecvError for a CONNECT reply other than 2xx, as curl does).
func (m *Multi) proxyFailed(t *transfer, code Code, err error) {
	if t.req.px.u.IsSOCKS() {
		code = ErrProxy
	}
	if errors.Is(err, proxy.ErrNameTooLong) || errors.Is(err, proxy.ErrCredentialsTooLong) || errors.Is(err, proxy.ErrBadTarget) {
		code = ErrProxy
	}
	m.fail(t, code, err)
}

// preludeDone hands t's connection over once the proxy's part is complete: to TLS with
// the origin inside the tunnel (over the proxy's TLS, when an https proxy), or to the
// origin's protocol; an absolute-form request speaks HTTP/1.1.
func (m *Multi) preludeDone(t *transfer) {
	c := t.conn
	p := c.pre
	c.pre = nil
	px := t.req.px
	if px.tunnel && t.target().tls {
		if c.tls != nil { // the proxy's TLS goes under the origin's
			c.ptls, c.tls = c.tls, nil
		}
		m.startTLS(t)
		if len(p.early) > 0 {
			c.tls.Feed(p.early)
		}
		return
	}
	c.early = p.early
	t.info.appConnect = m.since(t)
	m.clearExpire(t, expConnect)
	if px.tunnel {
		m.establish(t, c)
	} else {
		c.proto = http1Proto{}
		m.endSetup(c)
	}
	m.setState(t, stSend)
}

// takeEarly moves bytes that came with the proxy's reply into p: they are read before
// anything more from the socket.
func (c *conn) takeEarly(p []byte) int {
	n := copy(p, c.early)
	c.early = c.early[n:]
	if len(c.early) == 0 {
		c.early = nil
	}
	return n
}
