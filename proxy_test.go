//go:build linux

package xfer

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// testProxy is a proxy of the test's own on 127.0.0.1: HTTP (absolute form and CONNECT),
// SOCKS4/4a and SOCKS5 (told apart by the first byte), optionally over TLS. It records
// exactly what arrives before the tunnel or the forwarded request starts.
type testProxy struct {
	t     testing.TB
	ln    net.Listener
	addr  string
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
	heads []string // what each client sent before piping started
	// serve, when set, replaces the proxy's behaviour: a fault proxy.
	serve func(c net.Conn)
	user  string // SOCKS5: the user name and password required, when user != ""
	pass  string
}

// newTestProxy starts a proxy; with tlsCert it speaks TLS (an https proxy).
func newTestProxy(t testing.TB, tlsCert *tls.Certificate, serve func(c net.Conn)) *testProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if tlsCert != nil {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*tlsCert}})
	}
	p := &testProxy{t: t, ln: ln, addr: ln.Addr().String(), conns: map[net.Conn]bool{}, serve: serve}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *testProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns[c] = true
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer func() {
				c.Close()
				p.mu.Lock()
				delete(p.conns, c)
				p.mu.Unlock()
			}()
			if p.serve != nil {
				p.serve(c)
				return
			}
			p.handle(c)
		}()
	}
}

func (p *testProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *testProxy) record(s string) {
	p.mu.Lock()
	p.heads = append(p.heads, s)
	p.mu.Unlock()
}

func (p *testProxy) recorded() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.heads...)
}

// recordingReader keeps every byte read through it.
type recordingReader struct {
	r   io.Reader
	buf bytes.Buffer
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.buf.Write(p[:n])
	return n, err
}

func (p *testProxy) handle(c net.Conn) {
	rec := &recordingReader{r: c}
	br := bufio.NewReader(rec)
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	switch first[0] {
	case 4:
		p.socks4(c, br)
	case 5:
		p.socks5(c, br)
	default:
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		head := rec.buf.String()
		head = head[:len(head)-br.Buffered()]
		p.record(head)
		if req.Method == "CONNECT" {
			up, err := net.Dial("tcp", req.Host)
			if err != nil {
				io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
				return
			}
			io.WriteString(c, "HTTP/1.1 200 Connection established\r\nX-Proxy: test\r\n\r\n")
			pipe(c, br, up)
			return
		}
		up, err := net.Dial("tcp", req.URL.Host)
		if err != nil {
			return
		}
		io.WriteString(up, head) // the absolute form as received: Go's servers take it
		pipe(c, br, up)
	}
}

// pipe copies between the client (read through br) and up until either side ends. The
// copies are plain reads and writes: splice(2) would keep pipes in a pool past the test.
func pipe(c net.Conn, br *bufio.Reader, up net.Conn) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(struct{ io.Writer }{up}, struct{ io.Reader }{br}); up.Close(); done <- struct{}{} }()
	go func() { io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{up}); c.Close(); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	<-done
}

func (p *testProxy) socks4(c net.Conn, br *bufio.Reader) {
	var h [8]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return
	}
	user, err := br.ReadString(0)
	if err != nil {
		return
	}
	port := binary.BigEndian.Uint16(h[2:4])
	host := net.IP(h[4:8]).String()
	if h[4] == 0 && h[5] == 0 && h[6] == 0 && h[7] != 0 { // SOCKS4a
		name, err := br.ReadString(0)
		if err != nil {
			return
		}
		host = strings.TrimSuffix(name, "\x00")
	}
	p.record("socks4 " + net.JoinHostPort(host, strconv.Itoa(int(port))) + " user=" + strings.TrimSuffix(user, "\x00"))
	up, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(int(port))))
	if err != nil {
		c.Write([]byte{0, 91, 0, 0, 0, 0, 0, 0})
		return
	}
	c.Write([]byte{0, 90, 0, 0, 0, 0, 0, 0})
	pipe(c, br, up)
}

func (p *testProxy) socks5(c net.Conn, br *bufio.Reader) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return
	}
	methods := make([]byte, h[1])
	if _, err := io.ReadFull(br, methods); err != nil {
		return
	}
	if p.user != "" {
		if bytes.IndexByte(methods, 2) < 0 {
			c.Write([]byte{5, 0xff})
			return
		}
		c.Write([]byte{5, 2})
		var v [2]byte
		io.ReadFull(br, v[:])
		u := make([]byte, v[1])
		io.ReadFull(br, u)
		var pl [1]byte
		io.ReadFull(br, pl[:])
		pw := make([]byte, pl[0])
		io.ReadFull(br, pw)
		if string(u) != p.user || string(pw) != p.pass {
			c.Write([]byte{1, 1})
			return
		}
		c.Write([]byte{1, 0})
	} else {
		c.Write([]byte{5, 0})
	}
	var r [4]byte
	if _, err := io.ReadFull(br, r[:]); err != nil {
		return
	}
	var host string
	switch r[3] {
	case 1:
		var a [4]byte
		io.ReadFull(br, a[:])
		host = net.IP(a[:]).String()
	case 4:
		var a [16]byte
		io.ReadFull(br, a[:])
		host = net.IP(a[:]).String()
	case 3:
		var l [1]byte
		io.ReadFull(br, l[:])
		name := make([]byte, l[0])
		io.ReadFull(br, name)
		host = string(name)
	}
	var pb [2]byte
	io.ReadFull(br, pb[:])
	target := net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(pb[:]))))
	p.record("socks5 " + target)
	up, err := net.Dial("tcp", target)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	pipe(c, br, up)
}

// proxyCert is a certificate for 127.0.0.1 and a config that trusts it.
func proxyCert(t testing.TB) (*tls.Certificate, *tls.Config) {
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	cert := ts.TLS.Certificates[0]
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	ts.Close()
	return &cert, &tls.Config{RootCAs: pool}
}

// runProxied runs the Easys on a new loop and returns their results.
func runProxied(t testing.TB, opts MultiOptions, es ...*Easy) []error {
	l := newEpollLoop(t, opts)
	for _, e := range es {
		if err := l.m.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	l.run(len(es), 20*time.Second)
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = l.done[e]
	}
	return errs
}

func TestProxySchemes(t *testing.T) {
	testutil.CheckLeaks(t)
	plain := newServer(t)
	tlsSrv, originCfg := newTLSServer(t)
	cert, proxyCfg := proxyCert(t)
	want := bodyFor(70000, 5)
	for _, scheme := range []string{"http", "https", "socks4", "socks4a", "socks5", "socks5h"} {
		for _, origin := range []string{plain.URL, tlsSrv.URL} {
			t.Run(scheme+"/"+origin[:5], func(t *testing.T) {
				var c *tls.Certificate
				if scheme == "https" {
					c = cert
				}
				p := newTestProxy(t, c, nil)
				var got []byte
				e := NewEasy(origin + "/body?size=70000&seed=5")
				e.Proxy = scheme + "://" + p.addr
				e.ProxyTLSConfig = proxyCfg
				e.TLSConfig = originCfg
				e.Write = collect(&got)
				if err := runProxied(t, MultiOptions{}, e)[0]; err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("body differs: %d bytes", len(got))
				}
				info := e.Info()
				if info.RemoteAddr.String() != p.addr {
					t.Errorf("RemoteAddr %v, want the proxy's %s", info.RemoteAddr, p.addr)
				}
				heads := p.recorded()
				if len(heads) != 1 {
					t.Fatalf("proxy saw %q", heads)
				}
				host := strings.TrimPrefix(strings.TrimPrefix(origin, "http://"), "https://")
				switch {
				case scheme == "socks4" || scheme == "socks4a":
					if !strings.HasPrefix(heads[0], "socks4 "+host) {
						t.Errorf("proxy saw %q", heads[0])
					}
				case strings.HasPrefix(scheme, "socks5"):
					if heads[0] != "socks5 "+host {
						t.Errorf("proxy saw %q", heads[0])
					}
				case origin == plain.URL:
					if !strings.HasPrefix(heads[0], "GET "+origin+"/body?size=70000&seed=5 HTTP/1.1\r\n") {
						t.Errorf("proxy saw %q", heads[0])
					}
				default:
					if !strings.HasPrefix(heads[0], "CONNECT "+host+" HTTP/1.1\r\nHost: "+host+"\r\n") || info.ConnectCode != 200 {
						t.Errorf("proxy saw %q, ConnectCode %d", heads[0], info.ConnectCode)
					}
					if info.TLS == nil || info.Proto != "HTTP/2.0" && info.Proto != "HTTP/1.1" {
						t.Errorf("TLS %v, Proto %q", info.TLS, info.Proto)
					}
				}
			})
		}
	}
}

// headerOrigin records the header fields of each request it receives.
func headerOrigin(t testing.TB, tlsOn bool) (*httptest.Server, *[]http.Header, *sync.Mutex) {
	var mu sync.Mutex
	var got []http.Header
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
		io.WriteString(w, "ok")
	})
	var srv *httptest.Server
	if tlsOn {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, &got, &mu
}

func TestProxyWhatReachesWhom(t *testing.T) {
	testutil.CheckLeaks(t)
	for _, tc := range []struct {
		name           string
		tlsOn, tunnel  bool
		wantLine       string
		proxySeesExtra bool // Easy.Header and the origin's Authorization go to the proxy (absolute form)
	}{
		{"absolute", false, false, "GET http://", true},
		{"tunnel-http", false, true, "CONNECT ", false},
		{"tunnel-https", true, false, "CONNECT ", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, got, mu := headerOrigin(t, tc.tlsOn)
			p := newTestProxy(t, nil, nil)
			u := strings.Replace(srv.URL, "://", "://ouser:opass@", 1) + "/path?q=1"
			e := NewEasy(u)
			e.Proxy = "http://puser:ppass@" + p.addr
			e.HTTPProxyTunnel = tc.tunnel
			e.Header = http.Header{"X-Origin": {"o"}}
			e.ProxyHeader = http.Header{"X-Proxy": {"p"}}
			if tc.tlsOn {
				pool := x509.NewCertPool()
				pool.AddCert(srv.Certificate())
				e.TLSConfig = &tls.Config{RootCAs: pool}
			}
			if err := runProxied(t, MultiOptions{}, e)[0]; err != nil {
				t.Fatal(err)
			}
			heads := p.recorded()
			if len(heads) != 1 || !strings.HasPrefix(heads[0], tc.wantLine) {
				t.Fatalf("proxy saw %q", heads)
			}
			head := heads[0]
			host := srv.Listener.Addr().String()
			if tc.wantLine == "CONNECT " && !strings.HasPrefix(head, "CONNECT "+host+" HTTP/1.1\r\nHost: "+host+"\r\n") {
				t.Errorf("CONNECT head %q", head)
			}
			if tc.wantLine == "GET http://" && !strings.HasPrefix(head, "GET http://"+host+"/path?q=1 HTTP/1.1\r\n") {
				t.Errorf("absolute-form head %q (no user information may reach the proxy)", head)
			}
			if !strings.Contains(head, "\r\nProxy-Authorization: Basic cHVzZXI6cHBhc3M=\r\n") || !strings.Contains(head, "\r\nX-Proxy: p\r\n") {
				t.Errorf("proxy fields missing from %q", head)
			}
			if has := strings.Contains(head, "X-Origin") || strings.Contains(head, "\r\nAuthorization:"); has != tc.proxySeesExtra {
				t.Errorf("origin fields in the proxy's request: %v, want %v: %q", has, tc.proxySeesExtra, head)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(*got) != 1 {
				t.Fatalf("origin saw %d requests", len(*got))
			}
			h := (*got)[0]
			if h.Get("X-Origin") != "o" || h.Get("Authorization") != "Basic b3VzZXI6b3Bhc3M=" {
				t.Errorf("origin fields missing: %v", h)
			}
			if !tc.proxySeesExtra && (h.Get("X-Proxy") != "" || h.Get("Proxy-Authorization") != "") {
				t.Errorf("proxy fields reached the origin through the tunnel: %v", h)
			}
		})
	}
}

func TestProxyReuse(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	tlsSrv, cfg := newTLSServer(t)
	p1 := newTestProxy(t, nil, nil)
	p2 := newTestProxy(t, nil, nil)
	l := newEpollLoop(t, MultiOptions{})
	get := func(url, px string) Info {
		t.Helper()
		e := NewEasy(url)
		e.Proxy = px
		e.TLSConfig = cfg
		if err := l.m.Add(e); err != nil {
			t.Fatal(err)
		}
		l.run(l.ndone+1, 10*time.Second)
		if err := l.done[e]; err != nil {
			t.Fatal(err)
		}
		return e.Info()
	}
	for _, url := range []string{srv.URL + "/body?size=10", tlsSrv.URL + "/body?size=10"} {
		steps := []struct {
			px    string
			conns int
		}{
			{"http://" + p1.addr, 1},
			{"http://" + p1.addr, 0},       // the same proxy: reused
			{"http://" + p2.addr, 1},       // another proxy
			{"http://u:a@" + p1.addr, 1},   // other credentials
			{"http://u:b@" + p1.addr, 1},   // other credentials
			{"socks5://" + p1.addr, 1},     // another scheme
			{"", 1},                        // direct
			{"http://" + p1.addr, 0},       // the first again
			{"socks5://" + p1.addr, 0},     // reused as well
			{"http://u:a@" + p1.addr, 0},   // and this one
			{"socks5h://" + p1.addr, 1},    // not the same as socks5
			{"http://" + p1.addr + "/", 0}, // the same proxy, spelled otherwise
		}
		for i, s := range steps {
			if info := get(url, s.px); info.NumConnects != s.conns {
				t.Fatalf("%s step %d (%q): NumConnects %d, want %d", url, i, s.px, info.NumConnects, s.conns)
			}
		}
	}
}

// closedAddr is a 127.0.0.1 address nothing listens on.
func closedAddr(t testing.TB) string { return strings.TrimPrefix(closedPort(t), "http://") }

// curlExit runs the curl tool with args and returns its exit code; the test is skipped
// without curl.
func curlExit(t testing.TB, args ...string) int {
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	cmd := exec.Command(path, append([]string{"-s", "-o", "/dev/null", "--max-time", "10"}, args...)...)
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func TestProxyFailures(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	tlsSrv, cfg := newTLSServer(t)
	reply := func(s string) func(c net.Conn) {
		return func(c net.Conn) {
			c.Read(make([]byte, 4096))
			io.WriteString(c, s)
			time.Sleep(50 * time.Millisecond)
		}
	}
	huge := "HTTP/1.1 200 OK\r\nX-Filler: " + strings.Repeat("a", 120<<10) + "\r\n\r\n" // one line past every limit
	cases := []struct {
		name    string
		proxy   string // with %s for a fault proxy's address
		serve   func(c net.Conn)
		url     string
		code    Code
		connect int
		curl    bool // compare with curl -x
	}{
		{"resolve", "http://no-such-proxy.invalid:1080", nil, srv.URL, ErrCouldntResolveProxy, 0, true},
		{"refused", "http://" + closedAddr(t), nil, srv.URL, ErrCouldntConnect, 0, true},
		{"socks-refused", "socks5://" + closedAddr(t), nil, srv.URL, ErrCouldntConnect, 0, true},
		{"403", "http://%s", reply("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"), tlsSrv.URL, ErrRecvError, 403, true},
		{"407", "http://%s", reply("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"), tlsSrv.URL, ErrRecvError, 407, true},
		{"huge", "http://%s", reply(huge), tlsSrv.URL, ErrRecvError, 200, true},
		{"closed", "http://%s", reply(""), tlsSrv.URL, ErrRecvError, 0, true},
		{"socks5-version", "socks5://%s", reply("\x06\x00"), srv.URL, ErrProxy, 0, true},
		{"socks5-closed", "socks5://%s", reply(""), srv.URL, ErrProxy, 0, true},
		{"socks5-rejected", "socks5h://%s", reply("\x05\x00\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"), srv.URL, ErrProxy, 0, true},
		{"socks4-version", "socks4://%s", reply("\x05\x5a\x00\x00\x00\x00\x00\x00"), srv.URL, ErrProxy, 0, true},
		{"socks4-rejected", "socks4a://%s", reply("\x00\x5b\x00\x00\x00\x00\x00\x00"), srv.URL, ErrProxy, 0, true},
		{"socks5h-long-name", "socks5h://%s", reply(""), "http://" + strings.Repeat("a", 250) + "." + strings.Repeat("b", 10) + ":80/", ErrProxy, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			px := tc.proxy
			if tc.serve != nil {
				p := newTestProxy(t, nil, tc.serve)
				px = strings.Replace(px, "%s", p.addr, 1)
			}
			e := NewEasy(tc.url + "/body?size=10")
			e.Proxy = px
			e.TLSConfig = cfg
			err := runProxied(t, MultiOptions{}, e)[0]
			var xe *Error
			if !errors.As(err, &xe) || xe.Code != tc.code {
				t.Fatalf("err %v, want code %d", err, tc.code)
			}
			if got := e.Info().ConnectCode; got != tc.connect {
				t.Errorf("ConnectCode %d, want %d", got, tc.connect)
			}
			if tc.curl {
				if code := curlExit(t, "-k", "-x", px, tc.url+"/body?size=10"); code != int(tc.code) {
					t.Errorf("curl -x exits %d, xfer %d", code, tc.code)
				}
			}
		})
	}
}

func TestProxySlowAndStalled(t *testing.T) {
	testutil.CheckLeaks(t)
	tlsSrv, cfg := newTLSServer(t)
	// One byte per write: the CONNECT reply, then a tunnel.
	dribble := newTestProxy(t, nil, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", req.Host)
		if err != nil {
			return
		}
		for _, b := range []byte("HTTP/1.1 200 OK\r\nX-A: b\r\n\r\n") {
			c.Write([]byte{b})
			time.Sleep(time.Millisecond)
		}
		pipe(c, br, up)
	})
	e := NewEasy(tlsSrv.URL + "/body?size=1000&seed=2")
	e.Proxy = "http://" + dribble.addr
	e.TLSConfig = cfg
	var got []byte
	e.Write = collect(&got)
	if err := runProxied(t, MultiOptions{}, e)[0]; err != nil || !bytes.Equal(got, bodyFor(1000, 2)) {
		t.Fatalf("dribbled CONNECT reply: %v, %d bytes", err, len(got))
	}
	// A proxy that never answers: the connect timeout covers the handshake.
	for _, scheme := range []string{"http", "socks5", "socks4"} {
		stall := newTestProxy(t, nil, func(c net.Conn) { io.Copy(io.Discard, c) })
		e := NewEasy(tlsSrv.URL + "/")
		e.Proxy = scheme + "://" + stall.addr
		e.ConnectTimeout = 200 * time.Millisecond
		start := time.Now()
		err := runProxied(t, MultiOptions{}, e)[0]
		if !errors.Is(err, ErrOperationTimedOut) || time.Since(start) > 5*time.Second {
			t.Fatalf("%s: stalled proxy: %v after %v", scheme, err, time.Since(start))
		}
	}
}

func TestProxyNoProxyAndEnvironment(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	p := newTestProxy(t, nil, nil)
	t.Setenv("http_proxy", "http://"+p.addr)
	t.Setenv("no_proxy", "")
	t.Setenv("NO_PROXY", "")
	run := func(opts MultiOptions, mod func(e *Easy)) Info {
		e := NewEasy(srv.URL + "/body?size=10")
		if mod != nil {
			mod(e)
		}
		if err := runProxied(t, opts, e)[0]; err != nil {
			t.Fatal(err)
		}
		return e.Info()
	}
	srvAddr := srv.Listener.Addr().String()
	if info := run(MultiOptions{}, nil); info.RemoteAddr.String() != srvAddr {
		t.Fatalf("the environment was read without ProxyFromEnvironment: %v", info.RemoteAddr)
	}
	if info := run(MultiOptions{ProxyFromEnvironment: true}, nil); info.RemoteAddr.String() != p.addr {
		t.Fatalf("http_proxy not used: %v", info.RemoteAddr)
	}
	if info := run(MultiOptions{ProxyFromEnvironment: true}, func(e *Easy) { e.NoProxy = "localhost, 127.0.0.0/8" }); info.RemoteAddr.String() != srvAddr {
		t.Fatalf("NoProxy did not bypass the environment's proxy: %v", info.RemoteAddr)
	}
	if info := run(MultiOptions{}, func(e *Easy) { e.Proxy = "http://" + p.addr; e.NoProxy = "127.0.0.1" }); info.RemoteAddr.String() != srvAddr {
		t.Fatalf("NoProxy did not bypass Proxy: %v", info.RemoteAddr)
	}
	if info := run(MultiOptions{}, func(e *Easy) { e.Proxy = "http://" + p.addr; e.NoProxy = "example.com" }); info.RemoteAddr.String() != p.addr {
		t.Fatalf("NoProxy for another host bypassed Proxy: %v", info.RemoteAddr)
	}
	t.Setenv("no_proxy", "127.0.0.1")
	if info := run(MultiOptions{ProxyFromEnvironment: true}, nil); info.RemoteAddr.String() != srvAddr {
		t.Fatalf("no_proxy not honoured: %v", info.RemoteAddr)
	}
	// As curl: the environment's no_proxy spares a host from a proxy the Easy names too,
	// when the environment is read and the Easy has no list of its own.
	viaEasy := func(e *Easy) { e.Proxy = "http://" + p.addr }
	if info := run(MultiOptions{ProxyFromEnvironment: true}, viaEasy); info.RemoteAddr.String() != srvAddr {
		t.Fatalf("no_proxy did not spare the host from Easy.Proxy: %v", info.RemoteAddr)
	}
	if info := run(MultiOptions{}, viaEasy); info.RemoteAddr.String() != p.addr {
		t.Fatalf("no_proxy was read without ProxyFromEnvironment: %v", info.RemoteAddr)
	}
}

// startDaemon starts a proxy program with args, waits for its port, and stops it when
// the test ends. The test is skipped when the program is missing.
func startDaemon(t testing.TB, name string, port int, args ...string) {
	path, err := exec.LookPath(name)
	if err != nil {
		for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/bin"} {
			if _, serr := os.Stat(filepath.Join(dir, name)); serr == nil {
				path, err = filepath.Join(dir, name), nil
				break
			}
		}
	}
	if err != nil {
		t.Skipf("%s is not installed", name)
	}
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if i > 200 {
			t.Fatalf("%s does not listen on %s", name, addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestProxyTinyproxy(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	tlsSrv, cfg := newTLSServer(t)
	port := freePort(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "tinyproxy.conf")
	os.WriteFile(conf, []byte("Port "+strconv.Itoa(port)+"\nListen 127.0.0.1\nTimeout 60\nMaxClients 200\nAllow 127.0.0.1\nConnectPort "+
		tlsSrv.URL[strings.LastIndexByte(tlsSrv.URL, ':')+1:]+"\nLogLevel Critical\nLogFile \""+filepath.Join(dir, "log")+"\"\n"), 0o644)
	startDaemon(t, "tinyproxy", port, "-d", "-c", conf)
	var es []*Easy
	got := make([][]byte, 50)
	for i := range 50 {
		url := srv.URL
		if i%2 == 1 {
			url = tlsSrv.URL
		}
		e := NewEasy(url + "/body?size=" + strconv.Itoa(20000+i) + "&seed=" + strconv.Itoa(i))
		e.Proxy = "http://127.0.0.1:" + strconv.Itoa(port)
		e.TLSConfig = cfg
		e.Write = collect(&got[i])
		es = append(es, e)
	}
	for i, err := range runProxied(t, MultiOptions{}, es...) {
		if err != nil {
			t.Fatalf("transfer %d: %v", i, err)
		}
		if !bytes.Equal(got[i], bodyFor(20000+i, i)) {
			t.Fatalf("transfer %d: body differs", i)
		}
	}
	if c := curlExit(t, "-x", "http://127.0.0.1:"+strconv.Itoa(port), srv.URL+"/body?size=10"); c != 0 {
		t.Errorf("curl through tinyproxy exits %d", c)
	}
}

func TestProxyMicrosocks(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	tlsSrv, cfg := newTLSServer(t)
	port := freePort(t)
	startDaemon(t, "microsocks", port, "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-u", "us er", "-P", "pa:ss")
	for _, scheme := range []string{"socks5", "socks5h"} {
		for _, url := range []string{srv.URL, tlsSrv.URL} {
			var got []byte
			e := NewEasy(url + "/body?size=30000&seed=9")
			e.Proxy = scheme + "://us%20er:pa%3Ass@127.0.0.1:" + strconv.Itoa(port)
			e.TLSConfig = cfg
			e.Write = collect(&got)
			if err := runProxied(t, MultiOptions{}, e)[0]; err != nil {
				t.Fatalf("%s %s: %v", scheme, url, err)
			}
			if !bytes.Equal(got, bodyFor(30000, 9)) {
				t.Fatalf("%s %s: body differs", scheme, url)
			}
		}
	}
	e := NewEasy(srv.URL + "/")
	e.Proxy = "socks5://us%20er:wrong@127.0.0.1:" + strconv.Itoa(port)
	if err := runProxied(t, MultiOptions{}, e)[0]; !errors.Is(err, ErrProxy) {
		t.Fatalf("wrong password: %v", err)
	}
}
