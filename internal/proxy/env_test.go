package proxy

import (
	"errors"
	"strings"
	"testing"
)

func TestProxyFor(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		scheme string
		host   string
		want   string // Key of the proxy; "" none; "error" an ErrBadURL
	}{
		{name: "nothing set", env: nil, scheme: "https", host: "example.com", want: ""},
		{name: "http_proxy", env: map[string]string{"http_proxy": "p:3128"}, scheme: "http", host: "example.com", want: "http://p:3128"},
		{name: "http_proxy not for https", env: map[string]string{"http_proxy": "p:3128"}, scheme: "https", host: "example.com", want: ""},
		{name: "HTTP_PROXY never read", env: map[string]string{"HTTP_PROXY": "evil:1"}, scheme: "http", host: "example.com", want: ""},
		{name: "HTTP_PROXY never read, all_proxy used", env: map[string]string{"HTTP_PROXY": "evil:1", "all_proxy": "socks5h://a"}, scheme: "http", host: "example.com", want: "socks5h://a:1080"},
		{name: "https_proxy", env: map[string]string{"https_proxy": "https://u:p@s"}, scheme: "https", host: "example.com", want: "https://u:p@s:443"},
		{name: "HTTPS_PROXY", env: map[string]string{"HTTPS_PROXY": "s:8"}, scheme: "HTTPS", host: "example.com", want: "http://s:8"},
		{name: "lower case first", env: map[string]string{"https_proxy": "lower", "HTTPS_PROXY": "upper"}, scheme: "https", host: "example.com", want: "http://lower:1080"},
		{name: "empty lower case falls back", env: map[string]string{"https_proxy": "", "HTTPS_PROXY": "upper"}, scheme: "https", host: "example.com", want: "http://upper:1080"},
		{name: "all_proxy", env: map[string]string{"all_proxy": "socks5://a"}, scheme: "https", host: "example.com", want: "socks5://a:1080"},
		{name: "ALL_PROXY", env: map[string]string{"ALL_PROXY": "socks4a://a:9"}, scheme: "http", host: "example.com", want: "socks4a://a:9"},
		{name: "all_proxy before ALL_PROXY", env: map[string]string{"all_proxy": "a", "ALL_PROXY": "b"}, scheme: "http", host: "example.com", want: "http://a:1080"},
		{name: "scheme variable before all_proxy", env: map[string]string{"all_proxy": "a", "https_proxy": "s"}, scheme: "https", host: "example.com", want: "http://s:1080"},
		{name: "other scheme takes all_proxy", env: map[string]string{"all_proxy": "a", "https_proxy": "s", "http_proxy": "h"}, scheme: "ws", host: "example.com", want: "http://a:1080"},
		{name: "no_proxy", env: map[string]string{"https_proxy": "s", "no_proxy": "example.com"}, scheme: "https", host: "www.example.com", want: ""},
		{name: "NO_PROXY", env: map[string]string{"https_proxy": "s", "NO_PROXY": "example.com"}, scheme: "https", host: "example.com", want: ""},
		{name: "no_proxy before NO_PROXY", env: map[string]string{"https_proxy": "s", "no_proxy": "other.org", "NO_PROXY": "example.com"}, scheme: "https", host: "example.com", want: "http://s:1080"},
		{name: "no_proxy misses", env: map[string]string{"https_proxy": "s", "no_proxy": "example.com"}, scheme: "https", host: "example.org", want: "http://s:1080"},
		{name: "no_proxy star", env: map[string]string{"all_proxy": "a", "no_proxy": "*"}, scheme: "http", host: "10.0.0.1", want: ""},
		{name: "bad value", env: map[string]string{"https_proxy": "ftp://x"}, scheme: "https", host: "example.com", want: "error"},
		{name: "bad value, other scheme unaffected", env: map[string]string{"https_proxy": "ftp://x", "http_proxy": "h"}, scheme: "http", host: "example.com", want: "http://h:1080"},
		{name: "bad value, host in no_proxy", env: map[string]string{"https_proxy": "ftp://x", "no_proxy": "example.com"}, scheme: "https", host: "example.com", want: ""},
		{name: "bad value does not fall back", env: map[string]string{"https_proxy": "h:0", "all_proxy": "a"}, scheme: "https", host: "example.com", want: "error"},
	}
	for _, tt := range tests {
		var read []string
		e := FromEnvironment(func(k string) string { read = append(read, k); return tt.env[k] })
		for _, k := range read {
			if k == "HTTP_PROXY" || k == "http_PROXY" {
				t.Errorf("%s: read %s", tt.name, k)
			}
		}
		u, err := e.ProxyFor(tt.scheme, tt.host)
		got := ""
		switch {
		case err != nil:
			got = "error"
			if !errors.Is(err, ErrBadURL) {
				t.Errorf("%s: %v is not ErrBadURL", tt.name, err)
			}
		case u != nil:
			got = u.Key()
		}
		if got != tt.want {
			t.Errorf("%s: ProxyFor(%q, %q) = %q (%v), want %q", tt.name, tt.scheme, tt.host, got, err, tt.want)
		}
	}
}

// TestProxyForReadsOnce checks that the environment is read by
// FromEnvironment only, and that the URL returned is a copy.
func TestProxyForReadsOnce(t *testing.T) {
	reads := 0
	e := FromEnvironment(func(k string) string {
		reads++
		if k == "all_proxy" {
			return "socks5h://u:p@a"
		}
		return ""
	})
	n := reads
	u, _ := e.ProxyFor("https", "example.com")
	u.Host = "changed"
	u2, _ := e.ProxyFor("http", "example.com")
	if reads != n {
		t.Errorf("ProxyFor read the environment %d more times", reads-n)
	}
	if u2.Host != "a" {
		t.Errorf("a change to a returned URL changed the Env: host %q", u2.Host)
	}
}

func TestProxyForErrorNamesVariable(t *testing.T) {
	e := FromEnvironment(func(k string) string {
		if k == "HTTPS_PROXY" {
			return "ftp://secretuser:secretpw@x"
		}
		return ""
	})
	_, err := e.ProxyFor("https", "example.com")
	if err == nil || !strings.Contains(err.Error(), "HTTPS_PROXY") || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v: want one naming HTTPS_PROXY and not the credentials", err)
	}
}

func TestEnvProxyIgnoresNoProxy(t *testing.T) {
	e := FromEnvironment(func(k string) string {
		return map[string]string{"https_proxy": "s", "no_proxy": "example.com"}[k]
	})
	if u, err := e.Proxy("https"); err != nil || u == nil || u.Host != "s" {
		t.Errorf("Proxy(https) = %v, %v; want the https_proxy", u, err)
	}
	if !e.NoProxyList().Match("www.example.com") {
		t.Error("NoProxyList does not match a host of no_proxy")
	}
	var zero Env
	if u, err := zero.ProxyFor("https", "example.com"); u != nil || err != nil {
		t.Errorf("zero Env: ProxyFor = %v, %v", u, err)
	}
}
