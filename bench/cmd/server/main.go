// Command server is the harness's workload server: a minimal HTTP/1.1 server on the
// standard library that listens on several loopback addresses (so the clients' connections
// spread over several address pairs and do not run out of ephemeral ports), plain and TLS.
//
// Endpoints (GET):
//
//	/hold      a reply header announcing a 1 TiB body, then nothing until the client leaves
//	/bytes?n=N N bytes of body with a Content-Length
//	/paced?n=N&gap=G
//	           N bytes of body with a Content-Length, one byte per write, each write G µs
//	           after the previous one returned (workload S: one byte per readiness event)
//	/small     a small keep-alive reply
//	/gz        the body made at start with -gz N: N bytes of text, gzip-coded (gz.go), to a
//	           client whose Accept-Encoding names gzip
//	/stats     "plain=P tls=T h2=H h2total=A h2held=S": the plain, TLS and HTTP/2
//	           connections open now, the HTTP/2 connections accepted since the start and
//	           the HTTP/2 /hold streams held now
//
// The TLS listeners use a self-signed ECDSA P-256 certificate made at start and written to
// -cert as PEM, for the clients' root pools. Session tickets are off, so every TLS connection
// is a full handshake. The plain and TLS listeners speak HTTP/1.1 alone (no ALPN), so a
// client that would offer h2 speaks HTTP/1.1 there. A third set of listeners, at -h2port,
// is net/http's server over TLS with HTTP/2 (h2.go): the workloads over HTTP/2 use it. On
// standard output the server prints one line once it listens:
// "READY port=P tlsport=Q h2port=R".
package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	nPlain atomic.Int64
	nTLS   atomic.Int64
)

const (
	smallReply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello, world\n"
	holdReply  = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1099511627776\r\n\r\n"
)

var fill = bytes.Repeat([]byte("0123456789abcdef"), 16384) // 256 KiB of body

func main() {
	addrs := flag.Int("addrs", 8, "listen on 127.0.0.1 .. 127.0.0.N")
	port := flag.Int("port", 0, "plain port (0: pick one)")
	tlsPort := flag.Int("tlsport", 0, "TLS port (0: pick one; -1: no TLS)")
	h2Port := flag.Int("h2port", 0, "HTTP/2 over TLS port (0: pick one; -1: none)")
	certOut := flag.String("cert", "", "write the self-signed certificate here (PEM)")
	gzN := flag.Int64("gz", 0, "make /gz's body: this many bytes of text, gzip-coded (0: none)")
	gzCache := flag.String("gzcache", "", "keep /gz's coded body in this file, and read it from there when it is the same")
	flag.Parse()
	log.SetPrefix("server: ")
	if *gzN > 0 {
		prepareGz(*gzN, *gzCache)
	}

	ips := make([]netip.Addr, *addrs)
	for i := range ips {
		ips[i] = netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)})
	}
	plainLns, p := listenAll(ips, *port)
	for _, ln := range plainLns {
		go serve(ln, nil)
	}
	tp, hp := -1, -1
	if *tlsPort >= 0 || *h2Port >= 0 {
		cfg := selfSigned(ips, *certOut)
		if *tlsPort >= 0 {
			var tlsLns []net.Listener
			tlsLns, tp = listenAll(ips, *tlsPort)
			for _, ln := range tlsLns {
				go serve(ln, cfg)
			}
		}
		if *h2Port >= 0 {
			var h2Lns []net.Listener
			h2Lns, hp = listenAll(ips, *h2Port)
			serveH2(h2Lns, cfg)
		}
	}
	fmt.Printf("READY port=%d tlsport=%d h2port=%d\n", p, tp, hp)
	// The orchestrator ends the server with a signal; stdin closing also ends it.
	io.Copy(io.Discard, os.Stdin)
}

// listenAll listens on every address at one port: port, or one free on all of them.
func listenAll(ips []netip.Addr, port int) ([]net.Listener, int) {
	for try := 0; try < 50; try++ {
		var lns []net.Listener
		p := port
		ok := true
		for _, ip := range ips {
			ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, uint16(p)).String())
			if err != nil {
				ok = false
				break
			}
			if p == 0 {
				p = ln.Addr().(*net.TCPAddr).Port
			}
			lns = append(lns, ln)
		}
		if ok {
			return lns, p
		}
		for _, ln := range lns {
			ln.Close()
		}
		if port != 0 {
			log.Fatalf("cannot listen on port %d", port)
		}
	}
	log.Fatal("no port free on every address")
	return nil, 0
}

func serve(ln net.Listener, cfg *tls.Config) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(5 * time.Millisecond) // EMFILE and the like: let connections go
			continue
		}
		go handle(c, cfg)
	}
}

func handle(c net.Conn, cfg *tls.Config) {
	count := &nPlain
	if cfg != nil {
		count = &nTLS
		c = tls.Server(c, cfg)
	}
	count.Add(1)
	defer count.Add(-1)
	defer c.Close()
	r := bufio.NewReaderSize(c, 2048)
	for {
		target, keep, gz, err := readRequest(r)
		if err != nil {
			return
		}
		path, query, _ := strings.Cut(target, "?")
		switch path {
		case "/small":
			if _, err := io.WriteString(c, smallReply); err != nil {
				return
			}
		case "/gz":
			if err := sendGz(c, gz); err != nil {
				return
			}
		case "/hold":
			if _, err := io.WriteString(c, holdReply); err != nil {
				return
			}
			io.Copy(io.Discard, r) // until the client leaves
			return
		case "/bytes":
			n, _ := strconv.ParseInt(strings.TrimPrefix(query, "n="), 10, 64)
			if err := sendBytes(c, n); err != nil {
				return
			}
		case "/paced":
			n, gap := pacedQuery(query)
			if err := sendPaced(c, n, gap); err != nil {
				return
			}
		case "/stats":
			body := fmt.Sprintf("plain=%d tls=%d h2=%d h2total=%d h2held=%d\n",
				nPlain.Load(), nTLS.Load(), nH2.Load(), nH2Total.Load(), nH2Held.Load())
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		default:
			io.WriteString(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
		}
		if !keep {
			return
		}
	}
}

// readRequest reads one request head and returns its target, whether the connection
// stays open after the reply and whether its Accept-Encoding names gzip. Requests have no
// body.
func readRequest(r *bufio.Reader) (target string, keep, gzip bool, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return "", false, false, err
	}
	f := strings.Fields(string(line))
	if len(f) != 3 {
		return "", false, false, errors.New("bad request line")
	}
	target, keep = f[1], f[2] == "HTTP/1.1"
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return "", false, false, err
		}
		if len(line) <= 2 {
			return target, keep, gzip, nil
		}
		k, v, ok := strings.Cut(string(line), ":")
		switch {
		case !ok:
		case strings.EqualFold(k, "Connection"):
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "close":
				keep = false
			case "keep-alive":
				keep = true
			}
		case strings.EqualFold(k, "Accept-Encoding"):
			for c := range strings.SplitSeq(v, ",") {
				c, _, _ = strings.Cut(c, ";")
				gzip = gzip || strings.EqualFold(strings.TrimSpace(c), "gzip")
			}
		}
	}
}

func sendBytes(c net.Conn, n int64) error {
	if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", n); err != nil {
		return err
	}
	for n > 0 {
		k := min(n, int64(len(fill)))
		if _, err := c.Write(fill[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// pacedQuery reads "n=N&gap=G" (G in µs, 100 when absent).
func pacedQuery(q string) (n int64, gap time.Duration) {
	gap = 100 * time.Microsecond
	for kv := range strings.SplitSeq(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		x, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "n":
			n = x
		case "gap":
			gap = time.Duration(x) * time.Microsecond
		}
	}
	return n, gap
}

// sendPaced writes the reply header, then the body one byte per write, sleeping gap after
// each write, so that each byte reaches the client alone and each readiness event there has
// one byte to read. The connection has TCP_NODELAY (Go's default), so every byte leaves in
// a segment of its own. The goroutine holds its OS thread and sleeps in nanosleep with a
// timer slack of 1 ns: the runtime's timers wake at millisecond granularity when the
// process is otherwise idle, and a thread's default slack is 50 µs.
func sendPaced(c net.Conn, n int64, gap time.Duration) error {
	if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", n); err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const prSetTimerslack = 29
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerslack, 1, 0)
	defer syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerslack, 0, 0) // back to the default
	for i := range n {
		j := i % int64(len(fill))
		if _, err := c.Write(fill[j : j+1]); err != nil {
			return err
		}
		// The runtime's signals (preemption) interrupt the sleep: sleep the rest.
		ts := syscall.NsecToTimespec(int64(gap))
		for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
		}
	}
	return nil
}

// selfSigned makes a certificate for the listening addresses and "localhost", writes it
// to certOut, and returns the server's TLS configuration.
func selfSigned(ips []netip.Addr, certOut string) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "xfer bench"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
	}
	for _, ip := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip.AsSlice())
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	if certOut != "" {
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		if err := os.WriteFile(certOut, pemBytes, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	return &tls.Config{
		Certificates:           []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		SessionTicketsDisabled: true,
		CurvePreferences:       []tls.CurveID{tls.X25519},
		MinVersion:             tls.VersionTLS12,
	}
}
