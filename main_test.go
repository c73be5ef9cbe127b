//go:build linux

package xfer

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

// TestMain either runs the tests or, when asked through the environment, serves the test
// handler from a child process (so the client's goroutine and fd counts are its own).
func TestMain(m *testing.M) {
	if mode := testutil.ChildMode(childEnv); mode != "" {
		serveChild(mode == "tls")
		return
	}
	testutil.StartNetpoller()
	os.Exit(m.Run())
}

// blob is the content every test body is cut from.
var blob = func() []byte {
	b := make([]byte, 4<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// bodyFor returns the body the test handler serves for size and seed.
func bodyFor(size, seed int) []byte {
	off := seed % (len(blob) - size + 1)
	return blob[off : off+size]
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

// testHandler serves /body?size=N&seed=S&framing=cl|chunked|close and a few special paths.
func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/body", func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		seed, _ := strconv.Atoi(r.URL.Query().Get("seed"))
		body := bodyFor(size, seed)
		switch r.URL.Query().Get("framing") {
		case "chunked":
			for len(body) > 0 {
				n := min(len(body), 7000)
				w.Write(body[:n])
				w.(http.Flusher).Flush()
				body = body[n:]
			}
		case "close":
			conn, bw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			bw.WriteString("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
			bw.Write(body)
			bw.Flush()
		default:
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body)
		}
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Te", strings.Join(r.TransferEncoding, ","))
		w.Header().Set("X-Len", strconv.FormatInt(r.ContentLength, 10))
		w.Write(b)
	})
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	return mux
}

// newServer starts the test handler in this process, closed when the test ends.
func newServer(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(testHandler())
	t.Cleanup(srv.Close)
	return srv
}

// serveChild runs the test handler and prints its address, until stdin closes.
// With tls, it serves over TLS and prints its certificate (base64 DER) on a second line.
func serveChild(tls bool) {
	srv := httptest.NewUnstartedServer(testHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		srv.StartTLS()
		fmt.Println(srv.Listener.Addr().String())
		fmt.Println(base64.StdEncoding.EncodeToString(srv.Certificate().Raw))
	} else {
		srv.Start()
		fmt.Println(srv.Listener.Addr().String())
	}
	io.Copy(io.Discard, os.Stdin)
}

// newChildServer starts the test handler in a child process and returns its base URL.
func newChildServer(t testing.TB) string {
	base, _ := startChild(t, "http")
	return base
}

// newChildTLSServer starts the test handler over TLS in a child process and returns its
// base URL and a config that trusts its certificate.
func newChildTLSServer(t testing.TB) (string, *tls.Config) {
	base, certLine := startChild(t, "tls")
	der, err := base64.StdEncoding.DecodeString(certLine)
	if err != nil {
		t.Fatal(err)
	}
	_, pool := testutil.CertPool(t, der)
	return base, &tls.Config{RootCAs: pool}
}

// childEnv tells the test binary to serve the test handler instead of running tests.
const childEnv = "XFER_TEST_SERVER"

func startChild(t testing.TB, mode string) (base, extra string) {
	n := 1
	if mode == "tls" {
		n = 2
	}
	lines := testutil.StartChild(t, childEnv, mode, n)
	scheme := "http://"
	if mode == "tls" {
		scheme, extra = "https://", lines[1]
	}
	return scheme + lines[0], extra
}
