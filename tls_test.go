package xfer

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// newTLSServer starts the test handler over TLS; its certificate is trusted by the
// returned config.
func newTLSServer(t testing.TB) (*httptest.Server, *tls.Config) {
	srv := httptest.NewTLSServer(testHandler())
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, &tls.Config{RootCAs: pool}
}

func TestHTTPSTransfers(t *testing.T) {
	checkLeaks(t)
	srv, cfg := newTLSServer(t)
	set := newTransferSet(srv.URL, 200)
	l := newEpollLoop(t, MultiOptions{})
	l.onDone = func(e *Easy, err error) {
		set.finished(t, &Message{Easy: e, Err: err})
		l.m.Remove(e)
	}
	g0 := runtime.NumGoroutine()
	for _, e := range set.es {
		e.TLSConfig = cfg
		l.m.Add(e)
	}
	l.run(len(set.es), 60*time.Second)
	set.check(t)
	info := set.es[0].Info()
	if info.AppConnect < info.Connect || info.AppConnect == 0 {
		t.Fatalf("AppConnect %v, Connect %v", info.AppConnect, info.Connect)
	}
	_ = g0
	// Keep-alive over TLS: the next transfer reuses a connection.
	e := NewEasy(srv.URL + "/body?size=100&seed=1")
	e.TLSConfig = cfg
	l.m.Add(e)
	l.run(len(set.es)+1, 10*time.Second)
	if err := l.done[e]; err != nil || e.Info().NumConnects != 0 {
		t.Fatalf("reuse over TLS: %v, %d connects", err, e.Info().NumConnects)
	}
}

func TestHTTPSVerification(t *testing.T) {
	checkLeaks(t)
	srv, cfg := newTLSServer(t)
	garbage := rawServer(t, func(c net.Conn) {
		c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\nnot TLS at all......................................"))
		io.Copy(io.Discard, c)
	})
	silent := rawServer(t, func(c net.Conn) { io.Copy(io.Discard, c) }) // reads, never answers
	l := newEpollLoop(t, MultiOptions{})
	cases := []struct {
		url  string
		cfg  *tls.Config
		code Code
		ct   time.Duration
	}{
		{srv.URL + "/body?size=1", &tls.Config{}, ErrPeerFailedVerification, 0},                           // untrusted CA
		{srv.URL + "/body?size=1", &tls.Config{RootCAs: cfg.RootCAs, ServerName: "example.com"}, 0, 0},    // a name in the certificate
		{"https://localhost:" + port(srv.URL) + "/", cfg, ErrPeerFailedVerification, 0},                   // a name not in it
		{"https" + garbage[4:] + "/", cfg, ErrSSLConnectError, 0},                                         // not TLS
		{"https" + silent[4:] + "/", cfg, ErrOperationTimedOut, 300 * time.Millisecond},                   // no ServerHello
		{srv.URL + "/body?size=1", &tls.Config{RootCAs: cfg.RootCAs, MaxVersion: tls.VersionTLS12}, 0, 0}, // TLS 1.2
		{srv.URL + "/body?size=1", &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS13}, 0, 0}, // TLS 1.3
	}
	want := map[*Easy]Code{}
	for _, c := range cases {
		e := NewEasy(c.url)
		e.TLSConfig = c.cfg
		e.ConnectTimeout = c.ct
		want[e] = c.code
		l.m.Add(e)
	}
	l.run(len(cases), 10*time.Second)
	for e, code := range want {
		err := l.done[e]
		switch {
		case code == 0 && err != nil:
			t.Errorf("%s: %v", e.URL, err)
		case code != 0 && !errors.Is(err, code):
			t.Errorf("%s: err %v, want code %d", e.URL, err, code)
		}
		if code == ErrPeerFailedVerification {
			var ve *tls.CertificateVerificationError
			if !errors.As(err, &ve) {
				t.Errorf("%s: %v does not wrap a *tls.CertificateVerificationError", e.URL, err)
			}
		}
	}
}

func TestHTTPSResumption(t *testing.T) {
	checkLeaks(t)
	srv, cfg := newTLSServer(t)
	var states []*tls.ConnectionState
	l := newEpollLoop(t, MultiOptions{})
	for i := 0; i < 2; i++ {
		e := NewEasy(srv.URL + "/body?size=10")
		e.TLSConfig = cfg
		e.FreshConnect = true
		e.ForbidReuse = true
		l.m.Add(e)
		l.run(i+1, 10*time.Second)
		if err := l.done[e]; err != nil {
			t.Fatal(err)
		}
		states = append(states, e.Info().TLS)
	}
	if states[0].DidResume || !states[1].DidResume {
		t.Fatalf("DidResume: first %v, second %v", states[0].DidResume, states[1].DidResume)
	}
}

// port returns the port of a URL like http://127.0.0.1:1234.
func port(u string) string {
	_, p, _ := net.SplitHostPort(u[len("https://"):])
	return p
}
