//go:build linux

package xfer

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzResolveEntry feeds Resolve entries to their parser: no panic, and an entry it
// accepts for a host names that host and gives at least one address.
func FuzzResolveEntry(f *testing.F) {
	for _, s := range []string{
		"example.com:80:127.0.0.1", "+a.test:443:[::1],127.0.0.2", "-a.test:80", "a:1:", ":::",
		"a.test:99999:127.0.0.1", "[::1]:80:::1", "a.test:80:1.2.3.4,,5.6.7.8",
	} {
		f.Add(s, "example.com", uint16(80))
	}
	f.Fuzz(func(t *testing.T, entry, host string, port uint16) {
		ips, match, err := parseResolve(entry, host, port)
		if err != nil && (match || len(ips) > 0) {
			t.Fatalf("error %v with a match", err)
		}
		if match && len(ips) == 0 {
			t.Fatalf("%q matched %q:%d with no address", entry, host, port)
		}
	})
}

// FuzzLocation feeds redirect targets through the steps a redirect takes: resolve against
// the current URL, then check the scheme, host and port. No panic; an accepted target is
// http or https with a host, and the scheme's port when none is given.
func FuzzLocation(f *testing.F) {
	for _, s := range []string{
		"/final", "final?x=1", "http://127.0.0.1:8080/a", "https://[::1]:443/", "//other.test/x",
		"file:///etc/passwd", "ftp://a/", "http://a:0/", "http://a:99999/", "http://user:pw@h/",
		"HTTP://H/", "http:///nohost", "\x00", "http://[::1%25eth0]/",
	} {
		f.Add("http://127.0.0.1:8000/start", s)
	}
	f.Fuzz(func(t *testing.T, base, loc string) {
		b, err := url.Parse(base)
		if err != nil {
			return
		}
		ref, err := url.Parse(strings.TrimSpace(loc))
		if err != nil {
			return
		}
		var tg target
		next := b.ResolveReference(ref)
		if _, err := tg.set(next); err != nil {
			return
		}
		if !strings.HasPrefix(tg.key, "http://") && !strings.HasPrefix(tg.key, "https://") || tg.host == "" {
			t.Fatalf("accepted %+v for %q", tg, loc)
		}
		// Port 0 is refused by the connect, as curl's is, not by the URL check.
		if next.Port() == "" && tg.port != 80 && tg.port != 443 {
			t.Fatalf("accepted %+v for %q: no port given, and not the scheme's", tg, loc)
		}
	})
}
