package proxy

import (
	"fmt"
	"strings"
)

// Env is the proxy configuration of the environment, read once by
// [FromEnvironment]; choosing a proxy from it later reads nothing more. An
// Env is not changed by its methods and may be shared between goroutines.
// The zero value names no proxy.
type Env struct {
	// HTTPProxy is the value of http_proxy, the proxy for http:// URLs.
	// HTTP_PROXY is never read: in a CGI program a request's "Proxy:"
	// field arrives in it (httpoxy).
	HTTPProxy string

	// HTTPSProxy is the value of https_proxy or, when that is unset or
	// empty, HTTPS_PROXY: the proxy for https:// URLs.
	HTTPSProxy string

	// AllProxy is the value of all_proxy or else ALL_PROXY: the proxy for
	// a URL whose scheme has no variable of its own set.
	AllProxy string

	// NoProxy is the value of no_proxy or else NO_PROXY: the hosts
	// reached without a proxy, read by [ParseNoProxy].
	NoProxy string

	http, https, all proxyVar
	noProxy          NoProxy
}

// proxyVar is one variable's value, parsed.
type proxyVar struct {
	name string // the variable read, for messages
	url  *URL
	err  error
}

// FromEnvironment reads the proxy variables through getenv, such as
// [os.Getenv], in the order and spellings curl reads them: lower case
// first, then upper case, except http_proxy, which has no upper case form.
// A variable set to the empty string counts as unset. The values are parsed
// now; an error is kept and reported by [Env.ProxyFor] when the variable
// would be used.
func FromEnvironment(getenv func(key string) string) *Env {
	e := &Env{}
	var httpsName, allName string
	e.HTTPProxy = getenv("http_proxy")
	e.HTTPSProxy, httpsName = firstSet(getenv, "https_proxy", "HTTPS_PROXY")
	e.AllProxy, allName = firstSet(getenv, "all_proxy", "ALL_PROXY")
	e.NoProxy, _ = firstSet(getenv, "no_proxy", "NO_PROXY")
	e.http = parseVar("http_proxy", e.HTTPProxy)
	e.https = parseVar(httpsName, e.HTTPSProxy)
	e.all = parseVar(allName, e.AllProxy)
	e.noProxy = ParseNoProxy(e.NoProxy)
	return e
}

// firstSet returns the first of the variables that is set and not empty,
// and its name.
func firstSet(getenv func(string) string, names ...string) (value, name string) {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v, n
		}
	}
	return "", ""
}

func parseVar(name, value string) proxyVar {
	if value == "" {
		return proxyVar{}
	}
	u, err := Parse(value)
	if err != nil {
		err = fmt.Errorf("%w (in %s)", err, name)
	}
	return proxyVar{name: name, url: u, err: err}
}

// ProxyFor returns the proxy to use for a URL with the given scheme and
// host (a name or an IP address, without port), or nil when it is reached
// directly: when its host matches NoProxy, or no variable names a proxy for
// its scheme ([Env.Proxy]). NoProxy is checked first, so a malformed proxy
// variable fails only the URLs that would use it, with an error wrapping
// [ErrBadURL]. The URL returned is the caller's to keep.
func (e *Env) ProxyFor(scheme, host string) (*URL, error) {
	if e.noProxy.Match(host) {
		return nil, nil
	}
	return e.Proxy(scheme)
}

// Proxy returns the proxy the environment names for a URL scheme, without
// looking at NoProxy: for a caller whose own NO_PROXY list replaces the
// environment's, as CURLOPT_NOPROXY replaces no_proxy in curl. The proxy
// for http is HTTPProxy, for https HTTPSProxy, and AllProxy when that one
// is empty or the scheme is another; nil when none is set. The URL returned
// is the caller's to keep.
func (e *Env) Proxy(scheme string) (*URL, error) {
	var v proxyVar
	switch strings.ToLower(scheme) {
	case "http":
		v = e.http
	case "https":
		v = e.https
	}
	if v.url == nil && v.err == nil {
		v = e.all
	}
	if v.err != nil {
		return nil, v.err
	}
	if v.url == nil {
		return nil, nil
	}
	u := *v.url
	return &u, nil
}

// NoProxyList returns NoProxy parsed, for a caller that checks hosts
// itself.
func (e *Env) NoProxyList() *NoProxy { return &e.noProxy }
