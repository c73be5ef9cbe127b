package proxy

import "testing"

// noProxyTests are NO_PROXY cases in curl's dialect. Each row also states
// what golang.org/x/net/http/httpproxy (v0.62.0, the reading of net/http's
// ProxyFromEnvironment) decides for the same list and an http:// URL to
// the host on port 80, unless the note names another port: bypass is
// httpproxy's answer, and note says why it differs. The httpproxy column
// was checked by running httpproxy on these rows; it is documentation, as
// this module does not build httpproxy (its IDNA code needs x/text).
var noProxyTests = []struct {
	list, host string
	want       bool   // xfer, and curl unless the note says otherwise
	httpproxy  bool   // what httpproxy decides
	note       string // why httpproxy (or curl) differs
}{
	{list: "example.com", host: "example.com", want: true, httpproxy: true},
	{list: "example.com", host: "www.example.com", want: true, httpproxy: true},
	{list: "example.com", host: "a.b.example.com", want: true, httpproxy: true},
	{list: "example.com", host: "notexample.com", want: false, httpproxy: false},
	{list: "example.com", host: "wwwexample.com", want: false, httpproxy: false},
	{list: "www.example.com", host: "example.com", want: false, httpproxy: false},
	{list: ".example.com", host: "example.com", want: true, httpproxy: false,
		note: "httpproxy: a leading dot means subdomains only; curl ignores it"},
	{list: ".example.com", host: "www.example.com", want: true, httpproxy: true},
	{list: "*.example.com", host: "www.example.com", want: false, httpproxy: true,
		note: "httpproxy reads *. as a leading dot; curl has no wildcards"},
	{list: "*.example.com", host: "example.com", want: false, httpproxy: false},
	{list: "*", host: "anything.example", want: true, httpproxy: true},
	{list: "*", host: "10.0.0.1", want: true, httpproxy: true},
	{list: " * ", host: "anything.example", want: true, httpproxy: true,
		note: "curl takes only the exact string \"*\"; xfer trims blanks first"},
	{list: "*,example.com", host: "other.org", want: false, httpproxy: true,
		note: "httpproxy: \"*\" anywhere in the list matches all; curl: only \"*\" alone"},
	{list: "*", host: "", want: false, httpproxy: false},
	{list: "example.com:8080", host: "example.com", want: false, httpproxy: true,
		note: "port 8080: httpproxy matches host and port; an entry with a port matches nothing in curl"},
	{list: "example.com:8080", host: "example.com", want: false, httpproxy: false},
	{list: "10.0.0.1:80", host: "10.0.0.1", want: false, httpproxy: true,
		note: "httpproxy matches address and port; curl: nothing"},
	{list: "10.0.0.1", host: "10.0.0.1", want: true, httpproxy: true},
	{list: "10.0.0.1", host: "10.0.0.2", want: false, httpproxy: false},
	{list: "10.0.0.0/8", host: "10.1.2.3", want: true, httpproxy: true},
	{list: "10.0.0.0/8", host: "11.1.2.3", want: false, httpproxy: false},
	{list: "10.1.2.3/8", host: "10.9.9.9", want: true, httpproxy: true},
	{list: "10.0.0.0/8", host: "ten.example", want: false, httpproxy: false},
	{list: "example.com", host: "10.0.0.1", want: false, httpproxy: false},
	{list: "0.0.0.0/0", host: "8.8.8.8", want: true, httpproxy: true,
		note: "curl reads /0 as no prefix length, an exact match of 0.0.0.0; xfer and httpproxy: every IPv4 address"},
	{list: "10.0.0.1/33", host: "10.0.0.1", want: false, httpproxy: false},
	{list: "10.0.0.1/abc", host: "10.0.0.1", want: false, httpproxy: false,
		note: "curl reads a prefix length that is not a number as none: an exact match"},
	{list: "1.2.3.4", host: "x.1.2.3.4", want: true, httpproxy: false,
		note: "curl compares every entry as a name with a host name; httpproxy only names"},
	{list: "2001:db8::1", host: "[2001:db8::1]", want: true, httpproxy: true},
	{list: "2001:db8::1", host: "2001:db8::1", want: true, httpproxy: true},
	{list: "2001:DB8::1", host: "[2001:db8:0::1]", want: true, httpproxy: true},
	{list: "[2001:db8::1]", host: "[2001:db8::1]", want: false, httpproxy: false},
	{list: "2001:db8::/32", host: "[2001:db8::5]", want: true, httpproxy: true},
	{list: "2001:db8::/32", host: "[2001:db9::5]", want: false, httpproxy: false},
	{list: "2001:db8::/32", host: "[2001:db8::5%eth0]", want: true, httpproxy: true},
	{list: "10.0.0.0/8", host: "[::ffff:10.0.0.1]", want: false, httpproxy: true,
		note: "httpproxy matches an IPv4-mapped IPv6 address to an IPv4 range; curl and xfer keep the families apart"},
	{list: "", host: "localhost", want: false, httpproxy: true,
		note: "httpproxy never proxies localhost or a loopback address"},
	{list: "", host: "127.0.0.1", want: false, httpproxy: true, note: "as above"},
	{list: "", host: "[::1]", want: false, httpproxy: true, note: "as above"},
	{list: "example.com", host: "EXAMPLE.COM", want: true, httpproxy: true},
	{list: "EXAMPLE.com", host: "Www.Example.Com", want: true, httpproxy: true},
	{list: "example.com", host: "example.com.", want: true, httpproxy: false,
		note: "curl ignores a trailing dot of the host; httpproxy does not"},
	{list: "example.com.", host: "www.example.com", want: true, httpproxy: false,
		note: "curl ignores a trailing dot of an entry; httpproxy does not"},
	{list: ".", host: "example.com", want: false, httpproxy: false},
	{list: " example.com , other.org ", host: "other.org", want: true, httpproxy: true},
	{list: ",,example.com,,", host: "example.com", want: true, httpproxy: true},
	{list: "a.example,\tb.example", host: "b.example", want: true, httpproxy: true},
	{list: "a.example b.example", host: "a.example", want: true, httpproxy: false,
		note: "curl ends the list at a blank inside an entry, after a.example; httpproxy reads one entry \"a.example b.example\""},
	{list: "a.example b.example", host: "b.example", want: false, httpproxy: false},
	{list: "example.com", host: "", want: false, httpproxy: false},
	{list: "example.com", host: "[example.com]", want: false, httpproxy: false},
	{list: "", host: "example.com", want: false, httpproxy: false},
}

func TestNoProxy(t *testing.T) {
	for _, tt := range noProxyTests {
		np := ParseNoProxy(tt.list)
		if got := np.Match(tt.host); got != tt.want {
			t.Errorf("ParseNoProxy(%q).Match(%q) = %v, want %v (httpproxy: %v; %s)", tt.list, tt.host, got, tt.want, tt.httpproxy, tt.note)
		}
		if tt.want != tt.httpproxy && tt.note == "" {
			t.Errorf("%q, %q: xfer and httpproxy differ without a note", tt.list, tt.host)
		}
	}
}

func TestNoProxyAll(t *testing.T) {
	for list, all := range map[string]bool{"*": true, " \t*\t ": true, "*,": false, "**": false, "": false} {
		np := ParseNoProxy(list)
		if np.All() != all {
			t.Errorf("ParseNoProxy(%q).All() = %v, want %v", list, np.All(), all)
		}
	}
	var zero NoProxy
	if zero.Match("example.com") || zero.All() {
		t.Error("the zero NoProxy matches")
	}
}

func TestNoProxyMatchAllocs(t *testing.T) {
	np := ParseNoProxy("a.example, .b.example, 10.0.0.0/8, fd00::/8, 192.168.1.1, example.com")
	for _, host := range []string{"www.Example.COM", "other.org", "10.1.2.3", "[fd00::1]", "fe80::1%eth0", "192.168.1.2"} {
		if n := testing.AllocsPerRun(100, func() { np.Match(host) }); n != 0 {
			t.Errorf("Match(%q) allocates %v times", host, n)
		}
	}
}

// TestNoProxyDigitNames checks that a host of digits and dots that is not
// an IPv4 address is compared as a name, as curl does.
func TestNoProxyDigitNames(t *testing.T) {
	np := ParseNoProxy("2.3")
	if !np.Match("1.2.3") || np.Match("1.2.3.4") {
		t.Errorf("Match(1.2.3) = %v, Match(1.2.3.4) = %v; want true, false", np.Match("1.2.3"), np.Match("1.2.3.4"))
	}
}
