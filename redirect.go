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
	if !t.e.FollowLocation || !isRedirect(int(t.info.status)) {
		return true
	}
	loc := t.responseField("Location")
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
	t.discard = false
	m.handBack(t)
	// The first hop's origin, which the Easy caches, is where credentials belong.
	next, code, err := planRedirect(t.url, int(t.info.status), t.method, t.responseField("Location"), t.e.parsed.tg.origin)
	if err != nil {
		m.fail(t, code, err)
		return
	}
	t.method = next.method
	t.dropBody = t.dropBody || next.dropBody
	t.stripCreds = t.stripCreds || next.leftOrigin // once gone, credentials stay gone
	t.redirects++
	t.url = next.url
	m.newHop(t)
}

// redirectHop is the request a redirect asks for.
type redirectHop struct {
	url        string // Location, resolved against the URL that got the redirect
	method     string
	dropBody   bool // the method became GET: no body is sent
	leftOrigin bool // url is not at the first request's origin: no credentials go along
}

// planRedirect decides how a redirect is followed, and touches nothing: where it leads
// (loc resolved against cur; only http and https are followed), with which method (303
// makes every method but HEAD a GET; 301 and 302 make a POST a GET, as browsers and curl
// do; 307 and 308 keep the method and body), and whether it leaves firstOrigin, the
// scheme, host and port of the transfer's first request.
func planRedirect(cur string, status int, method, loc, firstOrigin string) (redirectHop, Code, error) {
	base, err := url.Parse(cur)
	if err != nil {
		return redirectHop{}, ErrURLMalformat, err
	}
	ref, err := url.Parse(strings.TrimSpace(loc))
	if err != nil {
		return redirectHop{}, ErrURLMalformat, fmt.Errorf("xfer: bad Location %q: %w", loc, err)
	}
	next := base.ResolveReference(ref)
	var tg target
	if code, err := tg.set(next); err != nil {
		return redirectHop{}, code, fmt.Errorf("xfer: redirect to %q refused: %w", next.Redacted(), err)
	}
	hop := redirectHop{url: next.String(), method: method, leftOrigin: tg.origin != firstOrigin}
	switch {
	case status == 303 && method != "HEAD",
		(status == 301 || status == 302) && method == "POST":
		hop.method, hop.dropBody = "GET", true
	}
	return hop, 0, nil
}

// newHop starts t's next request (a redirect's, or a retry): what belonged to the previous
// one is forgotten, its connect timeout will count from now, and it runs from stInit.
func (m *Multi) newHop(t *transfer) {
	t.info.status, t.info.proto = 0, ""
	t.h1ready = false // the parser's fields are the previous response's
	t.info.contentLength = -1
	t.held = nil
	t.endContent()
	t.hopStart = m.now()
	m.setState(t, stInit)
}

// withoutCredentials returns h without the fields that carry credentials.
func withoutCredentials(h http.Header) http.Header {
	return withoutFields(h, "Authorization", "Cookie", "Proxy-Authorization")
}
