//go:build linux

package tlsconn

import (
	"crypto/tls"
	"crypto/x509"
	"runtime"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

func TestSessionKey(t *testing.T) {
	testutil.CheckLeaks(t)
	ca := newCA(t, "CA")
	c1 := ca.validLeaf(t, "client one")
	c2 := ca.validLeaf(t, "client two")
	c1again := tls.Certificate{Certificate: c1.Certificate, PrivateKey: c1.PrivateKey}
	samePool := x509.NewCertPool()
	samePool.AddCert(ca.cert) // same contents as ca.pool, another object

	base := func() *tls.Config {
		return &tls.Config{ServerName: "a.test", RootCAs: ca.pool, NextProtos: []string{"http/1.1"}}
	}
	with := func(f func(*tls.Config)) *tls.Config {
		cfg := base()
		f(cfg)
		return cfg
	}
	verify := func(tls.ConnectionState) error { return nil }

	// Configs with the same identity.
	same := []*tls.Config{
		with(func(*tls.Config) {}),
		with(func(c *tls.Config) { c.ClientSessionCache = tls.NewLRUClientSessionCache(1) }),
		with(func(c *tls.Config) { c.KeyLogWriter = nil; c.DynamicRecordSizingDisabled = true }),
	}
	for i, cfg := range same {
		if SessionKey(cfg) != SessionKey(base()) {
			t.Errorf("same[%d]: key %q differs from %q", i, SessionKey(cfg), SessionKey(base()))
		}
	}
	withC1 := SessionKey(with(func(c *tls.Config) { c.Certificates = []tls.Certificate{c1} }))
	if k := SessionKey(with(func(c *tls.Config) { c.Certificates = []tls.Certificate{c1again} })); k != withC1 {
		t.Errorf("the same client certificate gives keys %q and %q", withC1, k)
	}

	// Configs that must all differ from each other and from base.
	cbConfig := with(func(c *tls.Config) { c.VerifyConnection = verify })
	different := map[string]*tls.Config{
		"base":               base(),
		"other server name":  with(func(c *tls.Config) { c.ServerName = "b.test" }),
		"name with a space":  with(func(c *tls.Config) { c.ServerName = "a.test roots=system" }),
		"system roots":       with(func(c *tls.Config) { c.RootCAs = nil }),
		"pool, same content": with(func(c *tls.Config) { c.RootCAs = samePool }),
		"client cert 1":      with(func(c *tls.Config) { c.Certificates = []tls.Certificate{c1} }),
		"client cert 2":      with(func(c *tls.Config) { c.Certificates = []tls.Certificate{c2} }),
		"client certs 1, 2":  with(func(c *tls.Config) { c.Certificates = []tls.Certificate{c1, c2} }),
		"insecure":           with(func(c *tls.Config) { c.InsecureSkipVerify = true }),
		"TLS 1.3 only":       with(func(c *tls.Config) { c.MinVersion = tls.VersionTLS13 }),
		"max TLS 1.2":        with(func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }),
		"ALPN h2":            with(func(c *tls.Config) { c.NextProtos = []string{"h2", "http/1.1"} }),
		"no ALPN":            with(func(c *tls.Config) { c.NextProtos = nil }),
		"cipher suites":      with(func(c *tls.Config) { c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256} }),
		"curves":             with(func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.X25519} }),
		"renegotiation":      with(func(c *tls.Config) { c.Renegotiation = tls.RenegotiateOnceAsClient }),
		"tickets disabled":   with(func(c *tls.Config) { c.SessionTicketsDisabled = true }),
		"ECH":                with(func(c *tls.Config) { c.EncryptedClientHelloConfigList = []byte{1, 2, 3} }),
		"callback":           cbConfig,
		"callback, copy":     with(func(c *tls.Config) { c.VerifyConnection = verify }),
		"client cert func": with(func(c *tls.Config) {
			c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c1, nil }
		}),
		"fixed time": with(func(c *tls.Config) { c.Time = func() time.Time { return time.Unix(0, 0) } }),
	}
	seen := map[string]string{}
	for name, cfg := range different {
		k := SessionKey(cfg)
		if other, ok := seen[k]; ok {
			t.Errorf("%s and %s share the key %q", name, other, k)
		}
		seen[k] = name
	}
	// A config with a callback keeps its own key.
	if k1, k2 := SessionKey(cbConfig), SessionKey(cbConfig); k1 != k2 {
		t.Error("the key of a config with a callback is not stable")
	}
	if SessionKey(nil) != SessionKey(&tls.Config{}) {
		t.Error("nil config differs from the zero config")
	}
	t.Logf("example key: %s", SessionKey(different["client cert 1"]))
}

// TestSessionKeyPoolNotReused checks that a root pool allocated after
// another was collected never inherits its key, and that the registry
// forgets collected pools.
func TestSessionKeyPoolNotReused(t *testing.T) {
	testutil.CheckLeaks(t)
	seen := map[string]bool{}
	for range 200 {
		k := SessionKey(&tls.Config{ServerName: "a.test", RootCAs: x509.NewCertPool()})
		if seen[k] {
			t.Fatalf("key %q given to two pools", k)
		}
		seen[k] = true
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		identities.Lock()
		n := len(identities.ids)
		identities.Unlock()
		if n < 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d pools still registered after they were collected", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func BenchmarkSessionKey(b *testing.B) {
	ca := newCA(b, "CA")
	cfg := &tls.Config{
		ServerName:   "a.test",
		RootCAs:      ca.pool,
		Certificates: []tls.Certificate{ca.validLeaf(b, "client")},
		NextProtos:   []string{"http/1.1"},
	}
	b.ReportAllocs()
	for b.Loop() {
		SessionKey(cfg)
	}
}
