// Package demo is the server behind the example programs' -demo flag: a net/http server on
// 127.0.0.1, so the examples run on a machine with no network. It serves
//
//   - 30 bodies from 0 B to 1 MiB in the three framings of HTTP/1.1 (Content-Length,
//     chunked, and ended by closing the connection), sent as fast as the connection goes
//     (URLs);
//   - 8 bodies of 512 KiB to 8 MiB sent at a fixed rate of 128 KiB/s to 4 MiB/s, each
//     taking 2 to 4 seconds, so a progress display has something to show (SlowURLs);
//   - two redirects, one of them a chain of two, to bodies of the first set
//     (RedirectURLs);
//   - one URL that answers 503 Service Unavailable to its first request and serves a
//     body afterwards, for a downloader's retries (FlakyURL);
//   - 10 of the first set again over HTTPS, where the server offers HTTP/2 by ALPN
//     (H2URLs), with a certificate made at start that TLSConfig trusts.
//
// The bodies of the first two sets honour a Range of the form "bytes=N-", with 206 Partial
// Content from N on, or 416 when N is at or past the end, so that a downloader can resume
// them.
//
// Body, Reply and Framings serve the same bodies the same ways from other handlers, the
// tests' among them.
package demo

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sizes are the lengths of the bodies served at full speed, in bytes.
var sizes = [...]int{
	0, 1, 2, 100, 512, 1000, 1024, 1460, 2048, 4096,
	8000, 8192, 16384, 32768, 65535, 65536, 65537, 100000, 131072, 200000,
	262144, 300000, 400000, 500000, 524288, 600000, 750000, 800000, 1000000, 1 << 20,
}

// Framings are the ways Reply delimits a body; the server's bodies take them in turn.
var Framings = [...]string{"length", "chunked", "close"}

// slow are the bodies sent at a fixed rate: size and bytes per second.
var slow = [...]struct{ size, rate int }{
	{4 << 20, 1 << 20},
	{2 << 20, 512 << 10},
	{6 << 20, 2 << 20},
	{1 << 20, 256 << 10},
	{3 << 20, 1 << 20},
	{512 << 10, 128 << 10},
	{8 << 20, 4 << 20},
	{1536 << 10, 512 << 10},
}

// slowTick is how often a slow body gets its next slice.
const slowTick = 50 * time.Millisecond

// flakySize is the length of the flaky URL's body once it serves one.
const flakySize = 100000

// content is what every body is cut from; longer bodies repeat it.
var content = func() []byte {
	b := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(7, 11))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// Body returns a body of n bytes, the same for every n: what the server serves. Up to
// 1 MiB it is a slice of one array that the caller must not modify.
func Body(n int) []byte {
	if n <= len(content) {
		return content[:n]
	}
	b := make([]byte, 0, n)
	for len(b) < n {
		b = append(b, content[:min(len(content), n-len(b))]...)
	}
	return b
}

// Server is a running demo server.
type Server struct {
	srv       *http.Server
	tls       *http.Server // HTTPS, with HTTP/2
	client    *tls.Config  // trusts tls's certificate
	h2URLs    []string
	base      string
	urls      []string
	slowURLs  []string
	redirects []string
	sizes     map[string]int // path → body size, for the full-speed bodies
	rates     map[string]int // path → bytes per second, for the slow bodies
	stop      chan struct{}  // closed by Close: slow handlers return
	handlers  sync.WaitGroup // slow handlers running
	done      chan struct{}  // closed when Serve returned
	tlsDone   chan struct{}  // closed when ServeTLS returned

	mu    sync.Mutex
	flaky int // requests of the flaky URL so far
}

// Start starts a server on 127.0.0.1 with an ephemeral port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		base:  "http://" + ln.Addr().String(),
		sizes: map[string]int{},
		rates: map[string]int{},
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	for i, size := range sizes {
		p := fmt.Sprintf("/%s/%02d-%d.bin", Framings[i%len(Framings)], i, size)
		s.sizes[p] = size
		s.urls = append(s.urls, s.base+p)
	}
	for i, b := range slow {
		p := fmt.Sprintf("/slow/%s/slow%d-%d.bin", Framings[i%2], i, b.size) // no "close": it cannot be told from a cut
		s.sizes[p] = b.size
		s.rates[p] = b.rate
		s.slowURLs = append(s.slowURLs, s.base+p)
	}
	s.redirects = []string{s.base + "/redirect/once.bin", s.base + "/redirect/twice.bin"}
	if err := s.startTLS(); err != nil {
		ln.Close()
		return nil, err
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// startTLS starts the HTTPS server, which offers HTTP/2, with a certificate for
// 127.0.0.1 made now, and lists the bodies it serves: ten of the full-speed ones that are
// not delimited by the close (HTTP/2 has no such framing).
func (s *Server) startTLS() error {
	cert, pool, err := selfSigned()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "https://" + ln.Addr().String()
	for _, u := range s.urls {
		p := u[len(s.base):]
		if !strings.HasPrefix(p, "/close/") && len(s.h2URLs) < 10 {
			s.h2URLs = append(s.h2URLs, base+p)
		}
	}
	s.client = &tls.Config{RootCAs: pool}
	s.tls = &http.Server{
		Handler:           http.HandlerFunc(s.serve),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}},
	}
	s.tlsDone = make(chan struct{})
	go func() {
		defer close(s.tlsDone)
		s.tls.ServeTLS(ln, "", "")
	}()
	return nil
}

// selfSigned makes a certificate for 127.0.0.1, valid for a day, and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "xfer demo"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// H2URLs returns the URLs of the 10 bodies served over HTTPS, where HTTP/2 is offered.
func (s *Server) H2URLs() []string { return s.h2URLs }

// TLSConfig returns a client configuration that trusts the HTTPS server's certificate.
func (s *Server) TLSConfig() *tls.Config { return s.client }

// URLs returns the URLs of the 30 bodies served at full speed.
func (s *Server) URLs() []string { return s.urls }

// SlowURLs returns the URLs of the 8 bodies sent at a fixed rate.
func (s *Server) SlowURLs() []string { return s.slowURLs }

// RedirectURLs returns two URLs that redirect to bodies of URLs: once.bin with one 302,
// twice.bin with two.
func (s *Server) RedirectURLs() []string { return s.redirects }

// FlakyURL returns the URL that fails with 503 on its first request and then serves a
// body of 100000 bytes.
func (s *Server) FlakyURL() string { return s.base + "/flaky/flaky.bin" }

// Close stops the server and closes its connections.
func (s *Server) Close() error {
	close(s.stop)
	err := s.srv.Close()
	s.tls.Close()
	<-s.done
	<-s.tlsDone
	s.handlers.Wait()
	return err
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/redirect/twice.bin":
		http.Redirect(w, r, "/redirect/once.bin", http.StatusFound)
		return
	case "/redirect/once.bin":
		http.Redirect(w, r, s.urls[18][len(s.base):], http.StatusFound)
		return
	case "/flaky/flaky.bin":
		s.mu.Lock()
		s.flaky++
		first := s.flaky == 1
		s.mu.Unlock()
		if first {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(flakySize))
		w.Write(content[:flakySize])
		return
	}
	size, ok := s.sizes[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	body := Body(size)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Accept-Ranges", "bytes")
	status := http.StatusOK
	if from, ok := rangeFrom(r.Header.Get("Range")); ok {
		if from >= int64(size) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, size-1, size))
		body, status = body[from:], http.StatusPartialContent
	}
	framing, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/slow")[1:], "/")
	if rate, ok := s.rates[r.URL.Path]; ok {
		if framing == "length" {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		w.WriteHeader(status)
		s.handlers.Add(1)
		defer s.handlers.Done()
		s.trickle(w, r, body, rate)
		return
	}
	reply(w, framing, status, body)
}

// rangeFrom returns N of a Range field "bytes=N-"; false for any other range, which the
// server ignores (it may).
func rangeFrom(field string) (int64, bool) {
	n, ok := strings.CutPrefix(strings.TrimSpace(field), "bytes=")
	if !ok {
		return 0, false
	}
	if n, ok = strings.CutSuffix(n, "-"); !ok || n == "" || n[0] < '0' || n[0] > '9' {
		return 0, false
	}
	from, err := strconv.ParseInt(n, 10, 64)
	return from, err == nil
}

// Reply writes body as a 200 reply to a request, delimited as framing says: "length" (with
// a Content-Length), "chunked", or "close" (the body ends where the connection does).
func Reply(w http.ResponseWriter, framing string, body []byte) {
	reply(w, framing, http.StatusOK, body)
}

// reply is Reply with a status.
func reply(w http.ResponseWriter, framing string, status int, body []byte) {
	switch framing {
	case "length":
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	case "chunked":
		// Flushing before the handler returns makes net/http send the body chunked.
		w.WriteHeader(status)
		w.(http.Flusher).Flush()
		for len(body) > 0 {
			n := min(len(body), 100000)
			w.Write(body[:n])
			w.(http.Flusher).Flush()
			body = body[n:]
		}
	case "close":
		conn, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		writeClosing(bw, status, w.Header(), body)
	}
}

// trickle sends body at rate bytes per second, a slice every slowTick, until it is sent,
// the client goes away or the server closes.
func (s *Server) trickle(w http.ResponseWriter, r *http.Request, body []byte, rate int) {
	slice := max(1, rate*int(slowTick)/int(time.Second))
	tick := time.NewTicker(slowTick)
	defer tick.Stop()
	w.(http.Flusher).Flush() // the header at once
	for len(body) > 0 {
		select {
		case <-tick.C:
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		}
		n := min(len(body), slice)
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		body = body[n:]
	}
}

// writeClosing writes a reply whose body ends where the connection does, with status and
// the fields of hdr; Content-Type is application/octet-stream unless hdr sets it.
func writeClosing(bw *bufio.ReadWriter, status int, hdr http.Header, body []byte) {
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	if hdr.Get("Content-Type") == "" {
		bw.WriteString("Content-Type: application/octet-stream\r\n")
	}
	hdr.Write(bw)
	bw.WriteString("Connection: close\r\n\r\n")
	bw.Write(body)
	bw.Flush()
}
