//go:build linux

package http2

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// pattern returns n bytes that depend on n and their position.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + n + i>>10)
	}
	return b
}

// interopHandler serves /data/N with N bytes of pattern(N), and answers
// /upload with the SHA-256 of the request body in hex.
func interopHandler(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/data/"):
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/data/"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(pattern(n))
	case r.URL.Path == "/upload":
		h := sha256.New()
		io.Copy(h, r.Body)
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, hex.EncodeToString(h.Sum(nil)))
		w.Header().Set("X-Sum", "done")
	default:
		http.NotFound(w, r)
	}
}

// transfer is one request driven by runTransfers.
type transfer struct {
	path    string
	body    []byte // sent with POST when not nil
	sent    int
	id      uint32
	status  int
	sum     hash.Hash
	got     int
	trailer string
	done    bool
}

// runTransfers drives c over conn with a blocking loop until every transfer
// is done, opening streams as c allows. It returns the most streams open at
// once.
func runTransfers(t *testing.T, conn net.Conn, c *ClientConn, authority, scheme string, xs []*transfer) int {
	t.Helper()
	byID := map[uint32]*transfer{}
	next, done, most := 0, 0, 0
	buf := make([]byte, 64<<10)
	for done < len(xs) {
		for next < len(xs) && c.CanOpenStream() {
			x := xs[next]
			next++
			req := &Request{Method: "GET", Scheme: scheme, Authority: authority, Path: x.path}
			if x.body != nil {
				req.Method, req.Body = "POST", true
				req.Header = []Field{{"Content-Length", strconv.Itoa(len(x.body))}}
			}
			id, err := c.OpenStream(req)
			if err != nil {
				t.Fatal(err)
			}
			x.id, x.sum = id, sha256.New()
			byID[id] = x
		}
		most = max(most, c.ActiveStreams())
		for _, x := range byID {
			if x.body != nil && x.sent <= len(x.body) && !x.done {
				n, err := c.WriteData(x.id, x.body[x.sent:], true)
				if err != nil && !errors.Is(err, ErrStreamClosed) {
					t.Fatal(err)
				}
				x.sent += n
				if x.sent == len(x.body) && err == nil && n == len(x.body[x.sent-n:]) {
					x.sent++ // END_STREAM sent
				}
			}
		}
		for out := c.Outbound(); len(out) > 0; out = c.Outbound() {
			n, err := conn.Write(out)
			if err != nil {
				t.Fatal(err)
			}
			c.Consumed(n)
		}
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (%d of %d transfers done)", err, done, len(xs))
		}
		for in := buf[:n]; ; {
			k, ev, err := c.Next(in)
			if err != nil {
				t.Fatal(err)
			}
			in = in[k:]
			if ev.Kind == EventNeedMore {
				break
			}
			x := byID[ev.Stream]
			switch ev.Kind {
			case EventHeaders:
				if ev.Status >= 200 {
					x.status = ev.Status
				}
			case EventData:
				x.sum.Write(ev.Data)
				x.got += len(ev.Data)
				c.DataConsumed(ev.Stream, len(ev.Data))
			case EventTrailers:
				for _, f := range ev.Fields {
					x.trailer += f.Name + "=" + f.Value
				}
			case EventEndStream:
				x.done = true
				done++
			case EventReset:
				t.Fatalf("stream %d (%s) reset: %v", ev.Stream, x.path, ev.Err)
			case EventGoAway:
				t.Fatalf("GOAWAY %v", ev.Code)
			}
		}
	}
	return most
}

// interopSizes returns the body sizes of count transfers from 0 to max
// bytes, most of them small.
func interopSizes(count, maxSize int) []int {
	sizes := make([]int, count)
	for i := range sizes {
		f := float64(i) / float64(count-1)
		sizes[i] = int(f * f * f * f * float64(maxSize))
	}
	return sizes
}

// checkTransfers checks every response against what the handler sends.
func checkTransfers(t *testing.T, xs []*transfer) {
	t.Helper()
	for _, x := range xs {
		if x.status != 200 {
			t.Errorf("%s: status %d", x.path, x.status)
			continue
		}
		if x.body != nil {
			if x.got != 64 || x.trailer != "x-sum=done" {
				t.Errorf("%s: %d bytes of response, trailer %q", x.path, x.got, x.trailer)
			}
			continue
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(x.path, "/data/"))
		want := sha256.Sum256(pattern(n))
		if x.got != n || !bytes.Equal(x.sum.Sum(nil), want[:]) {
			t.Errorf("%s: %d bytes, SHA-256 differs: %v", x.path, x.got, !bytes.Equal(x.sum.Sum(nil), want[:]))
		}
	}
}

// interopWork returns 100 downloads from 0 B to 4 MiB and two uploads of
// 3 MiB (smaller under the race detector).
func interopWork() []*transfer {
	maxSize, upload := 4<<20, 3<<20
	if raceEnabled {
		maxSize, upload = 512<<10, 512<<10
	}
	var xs []*transfer
	for _, n := range interopSizes(100, maxSize) {
		xs = append(xs, &transfer{path: fmt.Sprintf("/data/%d", n)})
	}
	for range 2 {
		xs = append(xs, &transfer{path: "/upload", body: pattern(upload)})
	}
	return xs
}

func TestInteropH2C(t *testing.T) {
	testutil.CheckLeaks(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: http.HandlerFunc(interopHandler), Protocols: &protocols}
	served := make(chan struct{})
	go func() { srv.Serve(l); close(served) }()
	t.Cleanup(func() {
		srv.Shutdown(context.Background())
		srv.Close()
		<-served
	})
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := NewClientConn(Config{})
	defer c.Close()
	xs := interopWork()
	most := runTransfers(t, conn, c, l.Addr().String(), "http", xs)
	checkTransfers(t, xs)
	if most < 50 || most > DefaultMaxConcurrentStreams {
		t.Errorf("at most %d streams open at once", most)
	}
	verifyUploadSums(t, xs)
}

// verifyUploadSums checks that the server received each upload whole; the
// sum travels as the response body, which runTransfers hashes, so it is
// compared here through the count of bytes and the hash of the hex text.
func verifyUploadSums(t *testing.T, xs []*transfer) {
	t.Helper()
	for _, x := range xs {
		if x.body == nil {
			continue
		}
		want := sha256.Sum256(x.body)
		hexSum := sha256.Sum256([]byte(hex.EncodeToString(want[:])))
		if !bytes.Equal(x.sum.Sum(nil), hexSum[:]) {
			t.Errorf("the server's SHA-256 of the %d-byte upload differs", len(x.body))
		}
	}
}

func TestInteropTLS(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(interopHandler))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	addr := srv.Listener.Addr().String()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, NextProtos: []string{"h2"}, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("ALPN chose %q", p)
	}
	c := NewClientConn(Config{})
	defer c.Close()
	xs := interopWork()
	runTransfers(t, conn, c, addr, "https", xs)
	checkTransfers(t, xs)
	verifyUploadSums(t, xs)
	if ps := c.PeerSettings(); ps.MaxConcurrentStreams == 0 || ps.MaxFrameSize < 16384 {
		t.Errorf("peer settings %+v", ps)
	}
}
