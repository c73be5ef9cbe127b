//go:build linux

package tlsconn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// TestVerificationErrors checks that certificates that must not be trusted
// fail the handshake with a *tls.CertificateVerificationError that errors.As
// finds, for TLS 1.2 and 1.3.
func TestVerificationErrors(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name   string
		leaf   func(t testing.TB, ca *testCA) tls.Certificate
		client func(pki *testPKI) *tls.Config
		check  func(t testing.TB, cause error)
	}{
		{
			name: "untrusted CA",
			leaf: func(t testing.TB, _ *testCA) tls.Certificate {
				return newCA(t, "other CA").validLeaf(t, "server.test")
			},
			check: func(t testing.TB, cause error) {
				var e x509.UnknownAuthorityError
				if !errors.As(cause, &e) {
					t.Errorf("cause %T %v, want x509.UnknownAuthorityError", cause, cause)
				}
			},
		},
		{
			name: "system roots only",
			leaf: func(t testing.TB, ca *testCA) tls.Certificate { return ca.validLeaf(t, "server.test") },
			client: func(*testPKI) *tls.Config {
				return &tls.Config{ServerName: "server.test"}
			},
			check: func(t testing.TB, cause error) {
				var e x509.UnknownAuthorityError
				if !errors.As(cause, &e) {
					t.Errorf("cause %T %v, want x509.UnknownAuthorityError", cause, cause)
				}
			},
		},
		{
			name: "wrong host name",
			leaf: func(t testing.TB, ca *testCA) tls.Certificate { return ca.validLeaf(t, "other.test") },
			check: func(t testing.TB, cause error) {
				var e x509.HostnameError
				if !errors.As(cause, &e) {
					t.Errorf("cause %T %v, want x509.HostnameError", cause, cause)
				}
			},
		},
		{
			name: "IP address not in certificate",
			leaf: func(t testing.TB, ca *testCA) tls.Certificate { return ca.validLeaf(t, "server.test", "127.0.0.2") },
			client: func(pki *testPKI) *tls.Config {
				return &tls.Config{ServerName: "127.0.0.1", RootCAs: pki.ca.pool}
			},
			check: func(t testing.TB, cause error) {
				var e x509.HostnameError
				if !errors.As(cause, &e) {
					t.Errorf("cause %T %v, want x509.HostnameError", cause, cause)
				}
			},
		},
		{
			name: "expired",
			leaf: func(t testing.TB, ca *testCA) tls.Certificate {
				return ca.leaf(t, now.Add(-48*time.Hour), now.Add(-time.Hour), "server.test")
			},
			check: func(t testing.TB, cause error) {
				var e x509.CertificateInvalidError
				if !errors.As(cause, &e) || e.Reason != x509.Expired {
					t.Errorf("cause %T %v, want x509.CertificateInvalidError(Expired)", cause, cause)
				}
			},
		},
		{
			name: "not yet valid",
			leaf: func(t testing.TB, ca *testCA) tls.Certificate {
				return ca.leaf(t, now.Add(time.Hour), now.Add(48*time.Hour), "server.test")
			},
			check: func(t testing.TB, cause error) {
				var e x509.CertificateInvalidError
				if !errors.As(cause, &e) || e.Reason != x509.Expired {
					t.Errorf("cause %T %v, want x509.CertificateInvalidError(Expired)", cause, cause)
				}
			},
		},
	}
	for _, v := range versions {
		for _, tt := range cases {
			t.Run(v.name+"/"+tt.name, func(t *testing.T) {
				testutil.CheckLeaks(t)
				pki := newPKI(t, v.v)
				pki.server.Certificates = []tls.Certificate{tt.leaf(t, pki.ca)}
				cfg := pki.client()
				if tt.client != nil {
					cfg = tt.client(pki)
				}
				serverErr := make(chan error, 1)
				d := startTLS(t, cfg, pki.server, func(s *tls.Conn) {
					err := s.Handshake()
					if err == nil {
						// TLS 1.3: the server finishes first; the alert comes later.
						_, err = s.Read(make([]byte, 1))
					}
					serverErr <- err
				})
				err := d.handshake()
				if err == nil {
					t.Fatal("handshake succeeded")
				}
				var cv *tls.CertificateVerificationError
				if !errors.As(err, &cv) {
					t.Fatalf("error %v (%T) does not hold a *tls.CertificateVerificationError", err, err)
				}
				if !VerificationFailed(err) {
					t.Error("VerificationFailed = false")
				}
				if len(cv.UnverifiedCertificates) == 0 {
					t.Error("no unverified certificates in the error")
				}
				tt.check(t, cv.Err)
				t.Logf("%v", err)

				// The error is final.
				if done, err2 := d.c.Handshake(); done || err2 != err {
					t.Errorf("Handshake again = %v, %v", done, err2)
				}
				if _, err2 := d.c.Read(make([]byte, 1)); err2 != err {
					t.Errorf("Read = %v", err2)
				}
				if d.c.ConnectionState().HandshakeComplete {
					t.Error("ConnectionState reports a complete handshake")
				}
				// The bad_certificate alert reaches the server.
				if err := <-serverErr; !remoteAlert(err, "bad certificate") {
					t.Errorf("server: %v, want a bad_certificate alert", err)
				}
			})
		}
	}
}

// TestHandshakeFailures checks failures that are not verification failures.
func TestHandshakeFailures(t *testing.T) {
	errPinned := errors.New("pin mismatch")
	cases := []struct {
		name   string
		serve  func(pki *testPKI) func(net.Conn)
		client func(pki *testPKI) *tls.Config
		check  func(t testing.TB, err error)
	}{
		{
			name: "garbage instead of ServerHello",
			serve: func(*testPKI) func(net.Conn) {
				return func(nc net.Conn) {
					nc.Read(make([]byte, 4096))
					io.WriteString(nc, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
				}
			},
			check: func(t testing.TB, err error) {
				var e tls.RecordHeaderError
				if !errors.As(err, &e) {
					t.Errorf("%v (%T), want a tls.RecordHeaderError", err, err)
				}
			},
		},
		{
			name: "closed before ServerHello",
			serve: func(*testPKI) func(net.Conn) {
				return func(nc net.Conn) { nc.Read(make([]byte, 4096)) }
			},
			check: func(t testing.TB, err error) {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("%v, want EOF", err)
				}
			},
		},
		{
			name: "closed in the middle of the flight",
			serve: func(pki *testPKI) func(net.Conn) {
				return func(nc net.Conn) {
					hello := make([]byte, 4096)
					n, _ := nc.Read(hello)
					// Run a real server on a pipe and forward half its flight.
					a, b := net.Pipe()
					go func() {
						tls.Server(a, pki.server).Handshake()
						a.Close()
					}()
					go b.Write(hello[:n])
					flight := make([]byte, 300)
					m, _ := io.ReadFull(b, flight)
					nc.Write(flight[:m/2])
					b.Close()
				}
			},
			check: func(t testing.TB, err error) {
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("%v, want io.ErrUnexpectedEOF", err)
				}
			},
		},
		{
			name: "no common version",
			serve: func(pki *testPKI) func(net.Conn) {
				return func(nc net.Conn) {
					cfg := pki.server.Clone()
					cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
					tls.Server(nc, cfg).Handshake()
				}
			},
			client: func(pki *testPKI) *tls.Config {
				cfg := pki.client()
				cfg.MinVersion = tls.VersionTLS13
				return cfg
			},
			check: func(t testing.TB, err error) {
				if !remoteAlert(err, "protocol version") {
					t.Errorf("%v, want a protocol_version alert", err)
				}
			},
		},
		{
			name: "VerifyConnection rejects",
			serve: func(pki *testPKI) func(net.Conn) {
				return func(nc net.Conn) { tls.Server(nc, pki.server).Handshake() }
			},
			client: func(pki *testPKI) *tls.Config {
				cfg := pki.client()
				cfg.VerifyConnection = func(tls.ConnectionState) error { return errPinned }
				return cfg
			},
			check: func(t testing.TB, err error) {
				if !errors.Is(err, errPinned) {
					t.Errorf("%v, want the callback's error", err)
				}
			},
		},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			pki := newPKI(t, tls.VersionTLS13)
			pki.server.MinVersion = tls.VersionTLS12
			cfg := pki.client()
			if tt.client != nil {
				cfg = tt.client(pki)
			}
			d := startRaw(t, cfg, tt.serve(pki))
			err := d.handshake()
			if err == nil {
				t.Fatal("handshake succeeded")
			}
			if VerificationFailed(err) {
				t.Errorf("VerificationFailed(%v) = true", err)
			}
			tt.check(t, err)
			t.Logf("%v", err)
			if done, err2 := d.c.Handshake(); done || err2 != err {
				t.Errorf("Handshake again = %v, %v", done, err2)
			}
		})
	}
}

// remoteAlert reports whether err is an alert received from the peer whose
// description contains text.
func remoteAlert(err error, text string) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error" && strings.Contains(oe.Err.Error(), text)
}
