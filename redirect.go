package xfer

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// defaultMaxRedirs is libcurl's CURLOPT_MAXREDIRS default.
const defaultMaxRedirs = 30

// isRedirect reports whether a status is a redirect that FollowLocation follows.
func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// maxRedirs is the most redirects t follows; -1 is unlimited.
func (t *transfer) maxRedirs() int {
	switch n := t.e.MaxRedirs; {
	case n == 0:
		return defaultMaxRedirs
	case n < 0:
		return -1
	default:
		return n
	}
}

// redirect decides, at a final response, whether t follows it. It returns false when t
// ended (too many redirects).
func (m *Multi) redirect(t *transfer) bool {
	p := &t.parser
	if !t.e.FollowLocation || !isRedirect(p.Status) {
		return true
	}
	loc := p.Get("Location")
	if loc == "" {
		return true
	}
	if max := t.maxRedirs(); max >= 0 && int(t.redirects) >= max {
		m.fail(t, ErrTooManyRedirects, fmt.Errorf("xfer: maximum (%d) redirects followed", max))
		return false
	}
	t.discard = true // follow reads the Location again from the fields
	return true
}

// follow starts the request to the Location of the redirect that just completed. The
// connection goes back to the cache first, so the next hop may reuse it.
func (m *Multi) follow(t *transfer) {
	loc, status := t.parser.Get("Location"), t.info.status
	t.discard = false
	c := t.conn
	t.conn, c.t = nil, nil
	if c.reusable {
		m.releaseConn(c)
	} else {
		m.closeConn(c)
	}
	base, err := url.Parse(t.url)
	if err != nil {
		m.fail(t, ErrURLMalformat, err)
		return
	}
	ref, err := url.Parse(strings.TrimSpace(loc))
	if err != nil {
		m.fail(t, ErrURLMalformat, fmt.Errorf("xfer: bad Location %q: %w", loc, err))
		return
	}
	next := base.ResolveReference(ref)
	var tg target
	if code, err := tg.set(next); err != nil {
		m.fail(t, code, fmt.Errorf("xfer: redirect to %q refused: %w", next.Redacted(), err))
		return
	}
	switch {
	case status == 303 && t.method != "HEAD",
		(status == 301 || status == 302) && t.method == "POST":
		t.method, t.dropBody = "GET", true
	}
	if tg.key != t.e.parsed.tg.origin() { // the first hop's, which the Easy caches
		t.stripCreds = true
	}
	t.redirects++
	t.url = next.String()
	m.newHop(t)
}

// newHop starts t's next request (a redirect's, or a retry): what belonged to the previous
// one is forgotten, its connect timeout will count from now, and it runs from stInit.
func (m *Multi) newHop(t *transfer) {
	t.info.status, t.info.proto = 0, ""
	t.parser.Reset(t.method) // its fields are the previous response's
	t.info.contentLength = -1
	t.held = nil
	t.hopStart = m.now()
	m.setState(t, stInit)
}

// withoutCredentials returns h without the fields that carry credentials.
func withoutCredentials(h http.Header) http.Header {
	h = h.Clone()
	for _, k := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
		delete(h, k)
	}
	return h
}
