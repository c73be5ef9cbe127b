//go:build linux

package xfer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
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
	testutil.CheckLeaks(t)
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
	testutil.CheckLeaks(t)
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
	testutil.CheckLeaks(t)
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

func TestHTTPSFiveHundredConcurrent(t *testing.T) {
	testutil.CheckLeaks(t)
	base, cfg := newChildTLSServer(t)
	set := newTransferSet(base, 500)
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
	peak, peakTLS := 0, 0
	for end := time.Now().Add(60 * time.Second); l.ndone < len(set.es) && time.Now().Before(end); {
		l.step(100 * time.Millisecond)
		inTLS := 0
		for _, e := range set.es {
			if e.x.state == stTLS && !e.x.done {
				inTLS++
			}
		}
		// A suspended handshake is a coroutine, which the runtime counts as a goroutine;
		// nothing else may add one.
		if g := runtime.NumGoroutine(); g > g0+inTLS {
			t.Fatalf("%d goroutines with %d handshakes suspended (started with %d)", g, inTLS, g0)
		} else if g > peak {
			peak, peakTLS = g, inTLS
		}
	}
	set.check(t)
	if g := runtime.NumGoroutine(); g != g0 {
		t.Fatalf("goroutines %d after the transfers, %d before", g, g0)
	}
	t.Logf("peak goroutines %d (start %d) with %d handshakes suspended", peak, g0, peakTLS)
	if l.maxWatch < 250 {
		t.Fatalf("at most %d sockets at once: the handshakes did not overlap", l.maxWatch)
	}
}

// selfSigned makes a certificate signed by parent (or by itself when parent is nil).
func selfSigned(t testing.TB, cn string, notAfter time.Time, parent *tls.Certificate) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notAfter.Add(-48 * time.Hour),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  parent == nil,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	signer, signKey := tmpl, any(key)
	if parent != nil {
		signer, signKey = parent.Leaf, parent.PrivateKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func TestHTTPSExpiredCertificate(t *testing.T) {
	testutil.CheckLeaks(t)
	ca := selfSigned(t, "test CA", time.Now().Add(24*time.Hour), nil)
	leaf := selfSigned(t, "expired", time.Now().Add(-time.Hour), &ca)
	srv := httptest.NewUnstartedServer(testHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Leaf)
	e := NewEasy(srv.URL + "/body?size=1")
	e.TLSConfig = &tls.Config{RootCAs: pool}
	err := e.Perform(t.Context())
	var ve *tls.CertificateVerificationError
	if !errors.Is(err, ErrPeerFailedVerification) || !errors.As(err, &ve) {
		t.Fatalf("expired certificate: %v", err)
	}
}

func TestHTTPSClientCertificatesDoNotShare(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) > 0 {
			io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
		}
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	one := selfSigned(t, "one", time.Now().Add(time.Hour), nil)
	two := selfSigned(t, "two", time.Now().Add(time.Hour), nil)
	cfgOne := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{one}}
	cfgTwo := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{two}}
	l := newEpollLoop(t, MultiOptions{})
	get := func(cfg *tls.Config) (*Easy, string) {
		e := NewEasy(srv.URL)
		e.TLSConfig = cfg
		var body []byte
		e.Write = collect(&body)
		l.m.Add(e)
		l.run(l.ndone+1, 5*time.Second)
		if err := l.done[e]; err != nil {
			t.Fatal(err)
		}
		return e, string(body)
	}
	a, who := get(cfgOne)
	if who != "one" || a.Info().NumConnects != 1 {
		t.Fatalf("first: %q, %d connects", who, a.Info().NumConnects)
	}
	b, who := get(cfgTwo)
	if who != "two" || b.Info().NumConnects != 1 || b.Info().TLS.DidResume {
		t.Fatalf("other certificate: %q, %d connects, resumed %v", who, b.Info().NumConnects, b.Info().TLS.DidResume)
	}
	c, who := get(cfgOne)
	if who != "one" || c.Info().NumConnects != 0 {
		t.Fatalf("same certificate again: %q, %d connects", who, c.Info().NumConnects)
	}
}

// TestRetryHasItsOwnConnectTimeout: the server drops the kept-alive connection when the
// second request arrives, so the request is sent again on a new connection; that one is
// accepted but never answers the handshake. The new connection's ConnectTimeout ends it.
func TestRetryHasItsOwnConnectTimeout(t *testing.T) {
	testutil.CheckLeaks(t)
	cert := selfSigned(t, "xfer test", time.Now().Add(24*time.Hour), nil)
	var accepts atomic.Int32
	url := rawServer(t, func(c net.Conn) {
		if accepts.Add(1) > 1 {
			io.Copy(io.Discard, c) // silent until the client gives up
			return
		}
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		readRequest(tc)
		tc.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		readRequest(tc) // the second request: hang up instead of answering
	})
	url = "https" + strings.TrimPrefix(url, "http")
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	l := newEpollLoop(t, MultiOptions{})
	var easies []*Easy
	for i := range 2 {
		e := NewEasy(url + "/")
		e.TLSConfig = &tls.Config{RootCAs: pool}
		e.ConnectTimeout = 300 * time.Millisecond
		easies = append(easies, e)
		l.m.Add(e)
		l.run(i+1, 5*time.Second)
	}
	if err := l.done[easies[0]]; err != nil {
		t.Fatal(err)
	}
	err := l.done[easies[1]]
	if !errors.Is(err, ErrOperationTimedOut) || accepts.Load() != 2 || easies[1].Info().NumConnects != 1 {
		t.Fatalf("second transfer: %v after %d connections (server accepted %d)", err, easies[1].Info().NumConnects, accepts.Load())
	}
}
