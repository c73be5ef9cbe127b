package testutil

import (
	"crypto/x509"
	"testing"
)

// CertPool parses a DER certificate and returns it with a pool that trusts it.
func CertPool(t testing.TB, der []byte) (*x509.Certificate, *x509.CertPool) {
	t.Helper()
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return cert, pool
}
