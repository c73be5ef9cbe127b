package proxy

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want URL
		err  bool
	}{
		{in: "proxy.example", want: URL{Scheme: "http", Host: "proxy.example", Port: 1080}},
		{in: "proxy.example:3128", want: URL{Scheme: "http", Host: "proxy.example", Port: 3128}},
		{in: "http://proxy.example", want: URL{Scheme: "http", Host: "proxy.example", Port: 1080}},
		{in: "HTTP://Proxy.Example:8080/", want: URL{Scheme: "http", Host: "proxy.example", Port: 8080}},
		{in: "https://proxy.example", want: URL{Scheme: "https", Host: "proxy.example", Port: 443}},
		{in: "socks4://10.0.0.1", want: URL{Scheme: "socks4", Host: "10.0.0.1", Port: 1080}},
		{in: "socks4a://h:1", want: URL{Scheme: "socks4a", Host: "h", Port: 1}},
		{in: "socks5://h:65535", want: URL{Scheme: "socks5", Host: "h", Port: 65535}},
		{in: "socks5h://h", want: URL{Scheme: "socks5h", Host: "h", Port: 1080}},
		{in: "socks5h://h:", want: URL{Scheme: "socks5h", Host: "h", Port: 1080}},
		{in: "http://[::1]:3128", want: URL{Scheme: "http", Host: "::1", Port: 3128}},
		{in: "http://[2001:DB8::1]", want: URL{Scheme: "http", Host: "2001:db8::1", Port: 1080}},
		{in: "http://[fe80::1%25eth0]:1", want: URL{Scheme: "http", Host: "fe80::1%eth0", Port: 1}},
		{in: "http://user:pass@h:1", want: URL{Scheme: "http", Host: "h", Port: 1, Username: "user", Password: "pass"}},
		{in: "user:pass@h", want: URL{Scheme: "http", Host: "h", Port: 1080, Username: "user", Password: "pass"}},
		{in: "socks5://us%40er:p%3Aa%2Fss@h", want: URL{Scheme: "socks5", Host: "h", Port: 1080, Username: "us@er", Password: "p:a/ss"}},
		{in: "socks5://a@b:c@h", want: URL{Scheme: "socks5", Host: "h", Port: 1080, Username: "a@b", Password: "c"}},
		{in: "http://user@h", want: URL{Scheme: "http", Host: "h", Port: 1080, Username: "user"}},
		{in: "http://h:8080/path?q#f", want: URL{Scheme: "http", Host: "h", Port: 8080}},
		{in: "http://u:p+q@h", want: URL{Scheme: "http", Host: "h", Port: 1080, Username: "u", Password: "p+q"}},

		{in: "ftp://h", err: true},
		{in: "socks://h", err: true},
		{in: "socks6://h", err: true},
		{in: "", err: true},
		{in: "http://", err: true},
		{in: "http://:80", err: true},
		{in: "http://u:p@", err: true},
		{in: "http://h:0", err: true},
		{in: "http://h:65536", err: true},
		{in: "http://h:-1", err: true},
		{in: "http://h:+80", err: true},
		{in: "http://h:8a", err: true},
		{in: "http://::1", err: true},
		{in: "http://[::1", err: true},
		{in: "http://[::1]x", err: true},
		{in: "http://[1.2.3.4]", err: true},
		{in: "http://[nothost]", err: true},
		{in: "http://h h", err: true},
		{in: "http://h\r\nX: y", err: true},
		{in: "http://h%41", err: true},
		{in: "http://u:%zz@h", err: true},
		{in: "http://%zz:p@h", err: true},
	}
	for _, tt := range tests {
		u, err := Parse(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("Parse(%q) = %+v, want an error", tt.in, *u)
			} else if !errors.Is(err, ErrBadURL) {
				t.Errorf("Parse(%q): %v is not ErrBadURL", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if *u != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, *u, tt.want)
		}
	}
}

// TestParseErrorHidesCredentials checks that no error message repeats a
// user name or password.
func TestParseErrorHidesCredentials(t *testing.T) {
	for _, in := range []string{
		"ftp://secretuser:secretpw@h",
		"secretuser:secretpw@h:99999",
		"http://secretuser:secretpw@h h",
		"http://secretuser:secret%zzpw@h",
		"http://secret%zzuser:secretpw@h",
		"secretuser:secretpw@h/x://y",
		"http://secretuser:secretpw@[::1",
	} {
		_, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q): no error", in)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Parse(%q): error %q shows the credentials", in, err)
		}
	}
}

func TestURLMethods(t *testing.T) {
	tests := []struct {
		in                           string
		key, str, auth, addr         string
		http, socks, local, hasCreds bool
	}{
		{
			in: "proxy.example", key: "http://proxy.example:1080", str: "http://proxy.example:1080",
			addr: "proxy.example:1080", http: true,
		},
		{
			in: "https://u:p@[::1]", key: "https://u:p@[::1]:443", str: "https://u:xxxxx@[::1]:443",
			auth: "Basic dTpw", addr: "[::1]:443", http: true, hasCreds: true,
		},
		{
			in: "socks5://a%3Ab:c%40d@h:9", key: "socks5://a%3Ab:c%40d@h:9", str: "socks5://a%3Ab:xxxxx@h:9",
			auth: "Basic YTpiOmNAZA==", addr: "h:9", socks: true, local: true, hasCreds: true,
		},
		{
			in: "socks5h://u@h", key: "socks5h://u:@h:1080", str: "socks5h://u:xxxxx@h:1080",
			auth: "Basic dTo=", addr: "h:1080", socks: true, hasCreds: true,
		},
		{in: "socks4://h", key: "socks4://h:1080", str: "socks4://h:1080", addr: "h:1080", socks: true, local: true},
		{in: "socks4a://h", key: "socks4a://h:1080", str: "socks4a://h:1080", addr: "h:1080", socks: true},
		// A password alone is not used.
		{in: "http://:pw@h", key: "http://h:1080", str: "http://h:1080", addr: "h:1080", http: true},
	}
	for _, tt := range tests {
		u, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := u.Key(); got != tt.key {
			t.Errorf("%q: Key() = %q, want %q", tt.in, got, tt.key)
		}
		if got := u.String(); got != tt.str {
			t.Errorf("%q: String() = %q, want %q", tt.in, got, tt.str)
		}
		if got := u.ProxyAuthorization(); got != tt.auth {
			t.Errorf("%q: ProxyAuthorization() = %q, want %q", tt.in, got, tt.auth)
		}
		if got := u.Addr(); got != tt.addr {
			t.Errorf("%q: Addr() = %q, want %q", tt.in, got, tt.addr)
		}
		if u.IsHTTP() != tt.http || u.IsSOCKS() != tt.socks || u.ResolvesLocally() != tt.local || u.HasCredentials() != tt.hasCreds {
			t.Errorf("%q: IsHTTP %v IsSOCKS %v ResolvesLocally %v HasCredentials %v, want %v %v %v %v", tt.in,
				u.IsHTTP(), u.IsSOCKS(), u.ResolvesLocally(), u.HasCredentials(), tt.http, tt.socks, tt.local, tt.hasCreds)
		}
	}
}

// TestKeyDistinguishes checks that proxies differing in any part that
// matters for reuse get different keys, and equal ones the same.
func TestKeyDistinguishes(t *testing.T) {
	same := [][2]string{
		{"proxy:1080", "http://proxy"},
		{"HTTP://PROXY:1080/", "http://proxy"},
		{"http://u@h", "http://u:@h"},
		{"http://u%41:p@h", "http://uA:p@h"},
	}
	for _, p := range same {
		a, _ := Parse(p[0])
		b, _ := Parse(p[1])
		if a.Key() != b.Key() {
			t.Errorf("keys of %q and %q differ: %q, %q", p[0], p[1], a.Key(), b.Key())
		}
	}
	distinct := []string{
		"http://h", "https://h:1080", "socks5://h", "socks5h://h", "socks4://h", "socks4a://h",
		"http://h:1081", "http://g", "http://u:p@h", "http://u:q@h", "http://v:p@h",
		"http://u%3Ap:@h", "http://u:p%40h@h", "http://u:p@h%40h",
	}
	seen := map[string]string{}
	for _, s := range distinct {
		u, err := Parse(s)
		if err != nil {
			continue // "h%40h" is not a host: fine, it cannot collide
		}
		if prev, ok := seen[u.Key()]; ok {
			t.Errorf("%q and %q share the key %q", prev, s, u.Key())
		}
		seen[u.Key()] = s
	}
}

func TestAbsoluteTarget(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://example.com", "http://example.com/"},
		{"http://user:pw@example.com:8080/a/b?x=1&y=%20#frag", "http://example.com:8080/a/b?x=1&y=%20"},
		{"HTTP://example.com?q", "http://example.com/?q"},
		{"http://[::1]:80/p%2Fq", "http://[::1]:80/p%2Fq"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := AbsoluteTarget(u); got != tt.want {
			t.Errorf("AbsoluteTarget(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
