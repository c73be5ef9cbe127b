package xfer

import (
	"net/http"
	"net/url"
	"strings"
)

// The cookie jar (Easy.Jar): consulted for the Cookie field of every hop's request, fed
// the Set-Cookie fields of every response but 1xx, redirects included.

// jarURL is the URL of t's hop as the jar sees it; nil when it does not parse.
func (t *transfer) jarURL() *url.URL {
	raw, err := checkURL(t.url)
	if err != nil {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	return u
}

// withJarCookies adds the jar's cookies for t's hop to hdr's Cookie field, after the
// application's own; hdr itself is not changed.
func (t *transfer) withJarCookies(hdr http.Header) http.Header {
	jar, m := t.e.Jar, t.e.m
	if jar == nil || m == nil {
		return hdr
	}
	u := t.jarURL()
	if u == nil {
		return hdr
	}
	var cookies []*http.Cookie
	m.callback(func() error {
		cookies = jar.Cookies(u)
		return nil
	})
	if len(cookies) == 0 {
		return hdr
	}
	var b strings.Builder
	for k, vs := range hdr {
		if strings.EqualFold(k, "Cookie") {
			b.WriteString(strings.Join(vs, "; "))
		}
	}
	for _, c := range cookies {
		s := (&http.Cookie{Name: c.Name, Value: c.Value, Quoted: c.Quoted}).String()
		if s == "" {
			continue // not a valid cookie
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	if b.Len() == 0 {
		return hdr
	}
	hdr = withoutFields(hdr, "Cookie")
	if hdr == nil {
		hdr = http.Header{}
	}
	hdr["Cookie"] = []string{b.String()}
	return hdr
}

// storeCookies hands the Set-Cookie fields of t's response to the jar.
func (m *Multi) storeCookies(t *transfer) {
	jar := t.e.Jar
	if jar == nil {
		return
	}
	values := t.responseValues("Set-Cookie")
	if len(values) == 0 {
		return
	}
	u := t.jarURL()
	if u == nil {
		return
	}
	cookies := make([]*http.Cookie, 0, len(values))
	for _, v := range values {
		if c, err := http.ParseSetCookie(v); err == nil {
			cookies = append(cookies, c)
		}
	}
	if len(cookies) > 0 {
		m.callback(func() error {
			jar.SetCookies(u, cookies)
			return nil
		})
	}
}
