package xfer

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/xfer-go/xfer/internal/proxy"
)

// target is what a URL names: where to connect and how to ask.
type target struct {
	host   string // host name or address, without brackets
	origin string // scheme://host:port, the host in lower case
	key    string // the connection cache key: the origin, then for https a space and tlsID, then the proxy's key
	tlsID  string // for https, the TLS identity: the config's, the server name, and the proxy's key
	port   uint16
	tls    bool // https
	h2     bool // its connections may speak HTTP/2 (and so multiplex)
}

// target returns what t's URL names.
func (t *transfer) target() *target { return &t.req.tg }

// parsedURL is what stepInit learns from a URL: kept on the Easy, so a transfer that is
// removed and added again with the same URL and TLS config parses nothing.
type parsedURL struct {
	url       string
	tlsConfig *tls.Config
	version   HTTPVersion      // the version asked for, which the cache key includes
	user      *url.Userinfo    // credentials in the URL
	hostHdr   string           // the Host header: host[:port] as the URL gives it
	reqTarget string           // the request-target sent
	tg        target           // with the TLS identity in its key
	literal   [1]addrCandidate // the address of an IP-literal host, when isLiteral
	isLiteral bool             // the host is an IP literal and there are no Resolve entries
	pxOpts    proxyOpts        // the options px was chosen by
	px        *proxyRoute      // the proxy the URL is reached through; nil: directly
}

// parsedURL returns t's URL parsed, from the Easy's cache when it is still valid. The
// first hop only is cached: redirects are parsed each time.
func (t *transfer) parsedURL() (*parsedURL, Code, error) {
	e := t.e
	version := t.httpVersion()
	if c := e.parsed; c != nil && t.redirects == 0 && c.url == t.url && c.tlsConfig == e.TLSConfig &&
		c.version == version && (!c.isLiteral || len(e.Resolve) == 0) && c.pxOpts == t.proxyOpts() {
		return c, 0, nil
	}
	// Transfers of one Multi to the same URL share its parse: thousands of them cost one.
	key := urlKey{t.url, e.TLSConfig, version, t.proxyOpts()}
	shared := t.redirects == 0 && len(e.Resolve) == 0 && e.m != nil
	if c := e.m.urls[key]; shared && c != nil {
		e.parsed = c
		return c, 0, nil
	}
	raw, err := checkURL(t.url)
	if err != nil {
		return nil, ErrURLMalformat, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, ErrURLMalformat, err
	}
	c := &parsedURL{url: t.url, tlsConfig: e.TLSConfig, version: version, user: u.User, hostHdr: u.Host, reqTarget: u.RequestURI()}
	if code, err := c.tg.set(u); err != nil {
		return nil, code, err
	}
	c.pxOpts = t.proxyOpts()
	if c.px, err = c.pxOpts.choose(u.Scheme, c.tg.host); err != nil {
		return nil, ErrCouldntResolveProxy, err
	}
	if c.tg.tls {
		c.tg.tlsID = tlsIdentity(e.TLSConfig, c.tg.host)
		if c.px != nil { // no TLS session is shared with direct transfers or other proxies
			c.tg.tlsID += c.px.key
		}
		c.tg.key += " " + c.tg.tlsID
	}
	// Transfers that ask for one version only never share a connection with the others.
	switch version {
	case HTTPVersion11:
		c.tg.key += " h1"
	case HTTPVersion2PriorKnowledge:
		c.tg.key += " h2"
		c.tg.h2 = true
	default:
		c.tg.h2 = c.tg.tls
	}
	if c.px != nil {
		c.tg.key += c.px.key
		if !c.px.tunnel { // an absolute-form request to an HTTP proxy: HTTP/1.1 only
			c.reqTarget = proxy.AbsoluteTarget(u)
			c.tg.h2 = false
		}
	}
	host, port := c.dialHost()
	if ip, err := netip.ParseAddr(host); err == nil && len(e.Resolve) == 0 {
		c.literal[0], c.isLiteral = netip.AddrPortFrom(ip, port), true
	}
	// A URL given a scheme (checkURL) is used as completed; it is not cached, so the
	// cache's URL is always the Easy's.
	if t.redirects == 0 && raw == t.url {
		e.parsed = c
		if shared {
			m := e.m
			if m.urls == nil || len(m.urls) >= maxSharedURLs {
				m.urls = map[urlKey]*parsedURL{} // a simple bound: start afresh
			}
			m.urls[key] = c
		}
	}
	t.url = raw
	return c, 0, nil
}

// urlKey names a parsed URL in Multi.urls: the URL, and what else its parse depends on.
type urlKey struct {
	url     string
	tls     *tls.Config
	version HTTPVersion
	px      proxyOpts
}

// maxSharedURLs bounds Multi.urls.
const maxSharedURLs = 4096

// checkURL refuses what curl refuses before parsing a URL, and gives one without a scheme
// the scheme curl guesses for it: http.
func checkURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("xfer: no URL set")
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c == 0x7f {
			return "", fmt.Errorf("xfer: URL %q holds a space or a control character", raw)
		}
	}
	if !hasScheme(raw) {
		return "http://" + raw, nil
	}
	return raw, nil
}

// hasScheme reports whether raw starts with a scheme: a letter, then letters, digits, '+',
// '-' or '.', then a ':' that does not start a port ("localhost:8080/" has none).
func hasScheme(raw string) bool {
	i := strings.IndexByte(raw, ':')
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := raw[j]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	rest := raw[i+1:]
	return strings.HasPrefix(rest, "/") || rest == "" || !('0' <= rest[0] && rest[0] <= '9')
}

// set fills tg from u, or says why u cannot be fetched.
func (tg *target) set(u *url.URL) (Code, error) {
	scheme := strings.ToLower(u.Scheme)
	var port uint16
	switch scheme {
	case "http":
		port = 80
	case "https":
		port, tg.tls = 443, true
	default:
		return ErrUnsupportedProtocol, fmt.Errorf("xfer: scheme %q is not supported", u.Scheme)
	}
	tg.host = u.Hostname()
	if tg.host == "" {
		return ErrURLMalformat, errors.New("xfer: no host in URL")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil { // port 0 is a port like another: connecting to it is refused
			return ErrURLMalformat, fmt.Errorf("xfer: bad port %q", p)
		}
		port = uint16(n)
	}
	tg.port = port
	tg.origin = scheme + "://" + strings.ToLower(tg.host) + ":" + strconv.Itoa(int(port))
	tg.key = tg.origin
	return 0, nil
}

// dialHost is the host and port a connection for the URL is made to: the proxy's when
// there is one, else the origin's.
func (c *parsedURL) dialHost() (string, uint16) {
	if c.px != nil {
		return c.px.u.Host, uint16(c.px.u.Port)
	}
	return c.tg.host, c.tg.port
}

// lookupStatic finds the addresses of the host to connect to without any I/O: Resolve
// entries, IP literals and the hosts file. ok is false when the resolver must be asked (it
// answers localhost at once, with no query).
func (m *Multi) lookupStatic(t *transfer) (addrs []addrCandidate, ok bool, err error) {
	host, port := t.req.dialHost()
	return m.lookupStaticFor(t, host, port)
}

// lookupStaticFor is lookupStatic for host and port.
func (m *Multi) lookupStaticFor(t *transfer, host string, port uint16) (addrs []addrCandidate, ok bool, err error) {
	for _, r := range t.e.Resolve {
		ips, match, err := parseResolve(r, host, port)
		if err != nil {
			return nil, false, err
		}
		if match {
			return withPort(ips, port), true, nil
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return withPort([]netip.Addr{ip}, port), true, nil
	}
	if ips := m.hostsLookup(host); len(ips) > 0 {
		return withPort(ips, port), true, nil
	}
	return nil, false, nil
}

// addrCandidate is one address to try connecting to.
type addrCandidate = netip.AddrPort

// withPort pairs the addresses with port, in the order to try them: the families
// alternate, IPv6 first (RFC 8305 §4), each family in the order given.
func withPort(ips []netip.Addr, port uint16) []addrCandidate {
	var v4, v6 []netip.Addr
	for _, ip := range ips {
		if ip.Is4() || ip.Is4In6() {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
	}
	out := make([]addrCandidate, 0, len(ips))
	for i := 0; i < max(len(v4), len(v6)); i++ {
		if i < len(v6) {
			out = append(out, netip.AddrPortFrom(v6[i], port))
		}
		if i < len(v4) {
			out = append(out, netip.AddrPortFrom(v4[i], port))
		}
	}
	return out
}

// parseResolve reads one "host:port:addr[,addr...]" entry (curl's --resolve; a leading '+'
// is allowed, and '-' entries, which remove cache entries in curl, match nothing). match
// reports whether it is for host and port.
func parseResolve(entry, host string, port uint16) (ips []netip.Addr, match bool, err error) {
	bad := func() ([]netip.Addr, bool, error) {
		return nil, false, fmt.Errorf("xfer: bad Resolve entry %q", entry)
	}
	if strings.HasPrefix(entry, "-") {
		return nil, false, nil
	}
	entry = strings.TrimPrefix(entry, "+")
	h, rest, ok := strings.Cut(entry, ":")
	if !ok {
		return bad()
	}
	p, list, ok := strings.Cut(rest, ":")
	if !ok {
		return bad()
	}
	n, perr := strconv.ParseUint(p, 10, 16)
	if perr != nil || list == "" {
		return bad()
	}
	if !strings.EqualFold(strings.Trim(h, "[]"), host) || uint16(n) != port {
		return nil, false, nil
	}
	for a := range strings.SplitSeq(list, ",") {
		ip, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(a), "[]"))
		if err != nil {
			return bad()
		}
		ips = append(ips, ip)
	}
	return ips, true, nil
}
