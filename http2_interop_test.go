//go:build linux

package xfer

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"crypto/tls"

	"github.com/xfer-go/xfer/internal/testutil"
)

// interopFiles writes files of several sizes into dir and returns their names and sizes.
func interopFiles(t *testing.T, dir string) map[string]int {
	files := map[string]int{}
	for i, size := range []int{0, 1, 1000, 16384, 65535, 65536, 100000, 1 << 20, 3<<20 + 7} {
		name := fmt.Sprintf("f%d.bin", i)
		if err := os.WriteFile(filepath.Join(dir, name), bodyFor(size, i), 0o644); err != nil {
			t.Fatal(err)
		}
		files[name] = size
	}
	return files
}

// interopCert writes a certificate for 127.0.0.1 and its key as PEM files into dir and
// returns their paths and a config that trusts the certificate.
func interopCert(t *testing.T, dir string) (certFile, keyFile string, cfg *tls.Config) {
	cert := selfSigned(t, "127.0.0.1", time.Now().Add(time.Hour), nil)
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	_, pool := testutil.CertPool(t, cert.Certificate[0])
	return certFile, keyFile, &tls.Config{RootCAs: pool}
}

// freePort returns a port on 127.0.0.1 that nothing listened on a moment ago.
func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// fetchAll gets every file from base over HTTP/2 with PipeWait, several times each, and
// checks the bodies and that they shared one connection.
func fetchAll(t *testing.T, base string, version HTTPVersion, cfg *tls.Config, files map[string]int) {
	l := newEpollLoop(t, MultiOptions{})
	type want struct {
		size, seed int
		w          *hashWriter
	}
	wants := map[*Easy]want{}
	for rep := range 3 {
		for name, size := range files {
			var seed int
			fmt.Sscanf(name, "f%d.bin", &seed)
			e := NewEasy(base + "/" + name)
			e.HTTPVersion = version
			e.TLSConfig = cfg
			e.PipeWait = true
			w := newHashWriter()
			e.Write = w.write
			wants[e] = want{size, seed, w}
			l.m.Add(e)
			_ = rep
		}
	}
	l.run(len(wants), 60*time.Second)
	connects := 0
	for e, w := range wants {
		if err := l.done[e]; err != nil {
			t.Fatalf("%s: %v", e.URL, err)
		}
		if !w.w.matches(bodyFor(w.size, w.seed)) || e.Info().Proto != "HTTP/2.0" {
			t.Fatalf("%s: %d bytes over %s", e.URL, w.w.n, e.Info().Proto)
		}
		connects += e.Info().NumConnects
	}
	if connects != 1 {
		t.Fatalf("%d connections for %d transfers", connects, len(wants))
	}
}

// TestHTTP2Nghttpd fetches files from nghttpd, the nghttp2 project's server, over TLS (h2
// by ALPN) and over cleartext (prior knowledge).
func TestHTTP2Nghttpd(t *testing.T) {
	for _, useTLS := range []bool{true, false} {
		t.Run(map[bool]string{true: "tls", false: "cleartext"}[useTLS], func(t *testing.T) {
			testutil.CheckLeaks(t)
			dir := t.TempDir()
			files := interopFiles(t, dir)
			port := freePort(t)
			args := []string{"-a", "127.0.0.1", "-d", dir}
			base, version := "https://127.0.0.1:"+strconv.Itoa(port), HTTPVersionDefault
			var cfg *tls.Config
			if useTLS {
				certFile, keyFile, c := interopCert(t, dir)
				cfg = c
				args = append(args, strconv.Itoa(port), keyFile, certFile)
			} else {
				args = append(args, "--no-tls", strconv.Itoa(port))
				base, version = "http://127.0.0.1:"+strconv.Itoa(port), HTTPVersion2PriorKnowledge
			}
			startDaemon(t, "nghttpd", port, args...)
			fetchAll(t, base, version, cfg, files)
		})
	}
}

// TestHTTP2Nginx fetches files from nginx with http2 over TLS.
func TestHTTP2Nginx(t *testing.T) {
	testutil.CheckLeaks(t)
	dir := t.TempDir()
	files := interopFiles(t, dir)
	certFile, keyFile, cfg := interopCert(t, dir)
	port := freePort(t)
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log stderr error;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path %[1]s;
	proxy_temp_path %[1]s;
	fastcgi_temp_path %[1]s;
	uwsgi_temp_path %[1]s;
	scgi_temp_path %[1]s;
	server {
		listen 127.0.0.1:%[2]d ssl http2;
		ssl_certificate %[3]s;
		ssl_certificate_key %[4]s;
		root %[1]s;
	}
}
`, dir, port, certFile, keyFile)
	confFile := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	startDaemon(t, "nginx", port, "-e", "stderr", "-c", confFile, "-p", dir)
	fetchAll(t, "https://127.0.0.1:"+strconv.Itoa(port), HTTPVersionDefault, cfg, files)
}
