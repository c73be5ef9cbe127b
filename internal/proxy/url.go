package proxy

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Default ports, taken when a proxy URL names none. curl's default for an
// http:// proxy is 1080, not 80.
const (
	DefaultHTTPPort  = 1080
	DefaultHTTPSPort = 443
	DefaultSOCKSPort = 1080
)

// URL is a parsed proxy URL. Parse makes one; the zero value is no proxy.
type URL struct {
	// Scheme is one of "http", "https", "socks4", "socks4a", "socks5" and
	// "socks5h", in lower case.
	Scheme string

	// Host is the proxy's host name, in ASCII lower case, or its IP
	// address, an IPv6 one without brackets.
	Host string

	// Port is the proxy's port, the scheme's default when the URL named
	// none.
	Port int

	// Username and Password are the percent-decoded credentials for the
	// proxy, empty when the URL had none. They are used only when
	// Username is not empty (see [URL.HasCredentials]); Parse drops a
	// password without a user name.
	Username string
	Password string
}

// defaultPorts maps the schemes Parse accepts to their default port.
var defaultPorts = map[string]int{
	"http":    DefaultHTTPPort,
	"https":   DefaultHTTPSPort,
	"socks4":  DefaultSOCKSPort,
	"socks4a": DefaultSOCKSPort,
	"socks5":  DefaultSOCKSPort,
	"socks5h": DefaultSOCKSPort,
}

// Parse parses a proxy string "scheme://[user:password@]host[:port]" as
// curl reads CURLOPT_PROXY: a string without "://" is an http:// proxy,
// the scheme is matched without regard to case, a path, query or fragment
// after the host is ignored, an IPv6 address is written in brackets, and
// the user name and password are percent-decoded. An unknown scheme, an
// empty or malformed host, a port outside 1 to 65535 and bad
// percent-encoding are [ErrBadURL]; the error never repeats the
// credentials.
func Parse(s string) (*URL, error) {
	scheme, rest := "http", s
	if i := strings.Index(s, "://"); i >= 0 {
		scheme, rest = strings.ToLower(s[:i]), s[i+3:]
		if _, ok := defaultPorts[scheme]; !ok {
			if len(scheme) > 16 || strings.ContainsAny(scheme, "@:/") {
				return nil, fmt.Errorf("%w: unknown scheme", ErrBadURL)
			}
			return nil, fmt.Errorf("%w: unknown scheme %q", ErrBadURL, scheme)
		}
	}
	u := &URL{Scheme: scheme, Port: defaultPorts[scheme]}

	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	hostport := authority
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		userinfo := authority[:i]
		hostport = authority[i+1:]
		user, password, _ := strings.Cut(userinfo, ":")
		var err error
		if u.Username, err = url.PathUnescape(user); err != nil {
			return nil, fmt.Errorf("%w: bad percent-encoding in the user name", ErrBadURL)
		}
		if u.Password, err = url.PathUnescape(password); err != nil {
			return nil, fmt.Errorf("%w: bad percent-encoding in the password", ErrBadURL)
		}
		if u.Username == "" {
			u.Password = "" // a password alone is not used
		}
	}

	host, port, err := splitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	u.Host = host
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] < '0' || port[0] > '9' {
			return nil, fmt.Errorf("%w: port %q", ErrBadURL, port)
		}
		u.Port = n
	}
	return u, nil
}

// splitHostPort splits "host[:port]" or "[ipv6][:port]" and checks the
// host: an IP address, or a name of visible ASCII or UTF-8 bytes without
// the URL delimiters, lowered to ASCII lower case.
func splitHostPort(hostport string) (host, port string, err error) {
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", "", fmt.Errorf("%w: missing ']' in host", ErrBadURL)
		}
		host, rest := hostport[1:end], hostport[end+1:]
		if rest != "" && rest[0] != ':' {
			return "", "", fmt.Errorf("%w: bytes after ']' in host", ErrBadURL)
		}
		if rest != "" {
			port = rest[1:]
		}
		// RFC 6874: a zone is written "%25zone" in a URL.
		host = strings.Replace(host, "%25", "%", 1)
		a, perr := netip.ParseAddr(host)
		if perr != nil || !a.Is6() {
			return "", "", fmt.Errorf("%w: bad IPv6 address in brackets", ErrBadURL)
		}
		return a.String(), port, nil
	}
	host = hostport
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
	}
	if host == "" {
		return "", "", fmt.Errorf("%w: empty host", ErrBadURL)
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; c <= ' ' || c == 0x7f || strings.IndexByte(`:/?#@[]%\"<>`, c) >= 0 {
			return "", "", fmt.Errorf("%w: byte %#x in host", ErrBadURL, c)
		}
	}
	return lowerASCII(host), port, nil
}

// lowerASCII returns s with ASCII upper case letters lowered, s itself when
// it has none.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// IsHTTP reports whether u is an HTTP proxy, reached over TLS for https:
// an http:// request goes to it in absolute form, anything else through a
// CONNECT tunnel ([NewConnect]).
func (u *URL) IsHTTP() bool { return u.Scheme == "http" || u.Scheme == "https" }

// IsSOCKS reports whether u is a SOCKS proxy of any version.
func (u *URL) IsSOCKS() bool { return strings.HasPrefix(u.Scheme, "socks") }

// ResolvesLocally reports whether the caller must resolve the destination's
// host name itself and hand the handshake an IP address: true for socks4
// (IPv4 only) and socks5. socks4a, socks5h and HTTP proxies take the name
// and resolve it at the proxy.
func (u *URL) ResolvesLocally() bool { return u.Scheme == "socks4" || u.Scheme == "socks5" }

// HasCredentials reports whether u carries credentials for the proxy: a
// user name, with or without a password. A password alone is not used.
func (u *URL) HasCredentials() bool { return u.Username != "" }

// Addr returns "host:port" of the proxy, the host in brackets when it is an
// IPv6 address: what to resolve and connect to.
func (u *URL) Addr() string { return net.JoinHostPort(u.Host, strconv.Itoa(u.Port)) }

// Key returns a string that is equal for two URLs exactly when they name the
// same proxy with the same credentials: scheme, host, port, user name and
// password. A connection made through one proxy may be reused only for a
// transfer whose proxy has the same key. The key holds the password: use it
// for comparison, never in a message or log ([URL.String] is for those).
func (u *URL) Key() string {
	hp := u.Addr()
	if !u.HasCredentials() {
		return u.Scheme + "://" + hp
	}
	return u.Scheme + "://" + url.UserPassword(u.Username, u.Password).String() + "@" + hp
}

// String returns u as "scheme://host:port", with "user:xxxxx@" before the
// host when u has credentials: the password never appears.
func (u *URL) String() string {
	hp := u.Addr()
	if !u.HasCredentials() {
		return u.Scheme + "://" + hp
	}
	return u.Scheme + "://" + url.UserPassword(u.Username, "xxxxx").String() + "@" + hp
}

// ProxyAuthorization returns the value of the Proxy-Authorization field
// that carries u's credentials to an HTTP proxy, "Basic " and the base64 of
// "user:password", or "" when u has no credentials. It goes into a CONNECT
// request ([NewConnect] adds it) and into each http:// request sent to the
// proxy in absolute form ([AbsoluteTarget]), and nowhere else.
func (u *URL) ProxyAuthorization() string {
	if !u.HasCredentials() {
		return ""
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username+":"+u.Password))
}

// AbsoluteTarget returns the request-target for an http:// request sent to
// an HTTP proxy without a tunnel: the absolute form
// "http://host[:port]/path?query" (RFC 9112 section 3.2.2), without the
// URL's user information and fragment, so that neither reaches the proxy.
// With it go the proxy's fields only: [URL.ProxyAuthorization] and the
// caller's proxy header; the origin's fields are the request's own.
func AbsoluteTarget(origin *url.URL) string {
	return strings.ToLower(origin.Scheme) + "://" + origin.Host + origin.RequestURI()
}
