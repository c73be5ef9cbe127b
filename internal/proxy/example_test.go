package proxy_test

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/xfer-go/xfer/internal/proxy"
)

// Example drives a socks5h handshake with username/password
// authentication. The proxy's replies arrive in arbitrary pieces, and its
// last piece carries the first bytes of the origin's protocol, which the
// handshake leaves to the caller.
func Example() {
	u, err := proxy.Parse("socks5h://alice:s3cret@proxy.example:1080")
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := proxy.New(u, "example.com", 443, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("send % x\n", h.Start())

	replies := [][]byte{
		{5},                               // VER of the method selection...
		{2, 1},                            // ...username/password, and VER of its status
		{0, 5, 0, 0, 1, 10},               // success; CONNECT reply: granted, IPv4...
		{0, 0, 1, 0x04, 0x38, 0x16, 3, 1}, // ...bound to 10.0.0.1:1080; the server's first TLS bytes
	}
	for _, in := range replies {
		n, out, done, err := h.Feed(in)
		if err != nil {
			fmt.Println(err)
			return
		}
		if len(out) > 0 {
			fmt.Printf("send % x\n", out)
		}
		if done {
			fmt.Printf("tunnel open; % x is for TLS\n", in[n:])
			return
		}
	}
	fmt.Println(h.EOF())
	// Output:
	// send 05 02 00 02
	// send 01 05 61 6c 69 63 65 06 73 33 63 72 65 74
	// send 05 01 00 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 01 bb
	// tunnel open; 16 03 01 is for TLS
}

// ExampleNewConnect shows the CONNECT request sent to an HTTP proxy and a
// refusal: the status is what the engine reports as ConnectCode.
func ExampleNewConnect() {
	u, _ := proxy.Parse("http://bob:pw@proxy.example:3128")
	c, err := proxy.NewConnect(u, "example.com", 443, http.Header{"X-Tenant": {"blue"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", c.Start())
	c.HeaderLine = func(line []byte) { fmt.Printf("line %q\n", line) }
	_, _, _, err = c.Feed([]byte("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"))
	fmt.Println(errors.Is(err, proxy.ErrTunnelRefused), c.Status())
	// Output:
	// "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Basic Ym9iOnB3\r\nX-Tenant: blue\r\n\r\n"
	// line "HTTP/1.1 407 Proxy Authentication Required\r\n"
	// line "Content-Length: 0\r\n"
	// line "\r\n"
	// true 407
}

// ExampleParseNoProxy reads a NO_PROXY list in curl's dialect.
func ExampleParseNoProxy() {
	np := proxy.ParseNoProxy(".example.com, 10.0.0.0/8, localhost:8080")
	for _, host := range []string{"example.com", "www.example.com", "10.1.2.3", "localhost", "example.org"} {
		fmt.Println(host, np.Match(host))
	}
	// Output:
	// example.com true
	// www.example.com true
	// 10.1.2.3 true
	// localhost false
	// example.org false
}

// ExampleFromEnvironment picks proxies from an environment given as a map.
func ExampleFromEnvironment() {
	env := map[string]string{
		"HTTP_PROXY":  "http://never-read:1",
		"https_proxy": "http://proxy.example:3128",
		"all_proxy":   "socks5h://socks.example",
		"NO_PROXY":    "internal.example",
	}
	e := proxy.FromEnvironment(func(k string) string { return env[k] })
	for _, target := range [][2]string{{"http", "example.com"}, {"https", "example.com"}, {"https", "git.internal.example"}} {
		u, err := e.ProxyFor(target[0], target[1])
		switch {
		case err != nil:
			fmt.Println(err)
		case u == nil:
			fmt.Println(target[0], target[1], "direct")
		default:
			fmt.Println(target[0], target[1], "via", u)
		}
	}
	// Output:
	// http example.com via socks5h://socks.example:1080
	// https example.com via http://proxy.example:3128
	// https git.internal.example direct
}

// ExampleParse shows the defaults and what String hides.
func ExampleParse() {
	for _, s := range []string{"proxy.example", "https://proxy.example", "socks5://user:pa%40ss@[::1]:9050"} {
		u, err := proxy.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%v port %d password %q\n", u, u.Port, u.Password)
	}
	_, err := proxy.Parse("ftp://proxy.example")
	fmt.Println(err, errors.Is(err, proxy.ErrBadURL))
	// Output:
	// http://proxy.example:1080 port 1080 password ""
	// https://proxy.example:443 port 443 password ""
	// socks5://user:xxxxx@[::1]:9050 port 9050 password "pa@ss"
	// proxy: invalid proxy URL: unknown scheme "ftp" true
}
