//go:build linux

package xferhttp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/internal/testutil"
)

// diffHandler serves the paths the differential test asks for.
func diffHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Add("X-Multi", "one")
		w.Header().Add("X-Multi", "two")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("Content-Length", "11")
		io.WriteString(w, "hello world")
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := range 5 {
			fmt.Fprintf(w, "piece %d\n", i)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/trailer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum, X-Count")
		io.WriteString(w, "body before trailers")
		w.(http.Flusher).Flush()
		w.Header().Set("X-Sum", "abc")
		w.Header().Set("X-Count", "3")
		w.Header().Set(http.TrailerPrefix+"X-Late", "undeclared")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "0")
	})
	mux.HandleFunc("/204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/304", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Etag", `"x"`)
		w.WriteHeader(http.StatusNotModified)
	})
	mux.HandleFunc("/404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
	})
	mux.HandleFunc("/1xx", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		w.Header().Set("X-Final", "yes")
		io.WriteString(w, "after hints")
	})
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		conn, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		bw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end")
		bw.Flush()
	})
	mux.HandleFunc("/http10", func(w http.ResponseWriter, r *http.Request) {
		conn, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		bw.WriteString("HTTP/1.0 200 Fine Thanks\r\nContent-Length: 4\r\n\r\nold!")
		bw.Flush()
	})
	mux.HandleFunc("/request", func(w http.ResponseWriter, r *http.Request) {
		// What the server saw, minus what net/http's Transport adds on its own.
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s host=%s\n", r.Method, r.RequestURI, r.Proto, r.Host)
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range r.Header {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			fmt.Fprintf(&b, "%s: %q\n", k, r.Header[k])
		}
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(&b, "len=%d te=%q body=%q\n", r.ContentLength, r.TransferEncoding, body)
		io.WriteString(w, b.String())
	})
	return mux
}

// snapshot is what the differential test compares of a response.
type snapshot struct {
	Status, Proto              string
	StatusCode, Major, Minor   int
	Header, Trailer            http.Header
	ContentLength              int64
	TransferEncoding           []string
	Close, Uncompressed        bool
	Body                       string
	TLS                        bool
	TLSVersion, TLSCipherSuite uint16
	TLSPeerCerts               int
	SameRequest                bool
}

func snap(t *testing.T, req *http.Request, resp *http.Response) snapshot {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	resp.Body.Close()
	h := resp.Header.Clone()
	delete(h, "Date")
	s := snapshot{
		Status: resp.Status, Proto: resp.Proto, StatusCode: resp.StatusCode,
		Major: resp.ProtoMajor, Minor: resp.ProtoMinor, Header: h, Trailer: resp.Trailer,
		ContentLength: resp.ContentLength, TransferEncoding: resp.TransferEncoding,
		Close: resp.Close, Uncompressed: resp.Uncompressed, Body: string(body),
		TLS: resp.TLS != nil, SameRequest: resp.Request == req,
	}
	if resp.TLS != nil {
		s.TLSVersion, s.TLSCipherSuite, s.TLSPeerCerts = resp.TLS.Version, resp.TLS.CipherSuite, len(resp.TLS.PeerCertificates)
	}
	return s
}

// TestDifferential sends the same requests through net/http's Transport and through
// xferhttp's, to the same servers (http and https), and compares the responses.
func TestDifferential(t *testing.T) {
	testutil.CheckLeaks(t)
	plain := httptest.NewServer(diffHandler())
	defer plain.Close()
	secure := httptest.NewTLSServer(diffHandler())
	defer secure.Close()
	tlsConfig := secure.Client().Transport.(*http.Transport).TLSClientConfig

	ref := &http.Transport{TLSClientConfig: tlsConfig, DisableCompression: true}
	defer ref.CloseIdleConnections()
	xt := &Transport{Loops: 2, Easy: func(req *http.Request, e *xfer.Easy) { e.TLSConfig = tlsConfig }}
	defer xt.Close()

	type tc struct {
		method, path string
		header       http.Header
		host         string
		body         string
	}
	cases := []tc{
		{method: "GET", path: "/plain"},
		{method: "HEAD", path: "/plain"},
		{method: "GET", path: "/chunked"},
		{method: "HEAD", path: "/chunked"},
		{method: "GET", path: "/trailer"},
		{method: "GET", path: "/empty"},
		{method: "GET", path: "/204"},
		{method: "GET", path: "/304"},
		{method: "GET", path: "/404"},
		{method: "GET", path: "/teapot"},
		{method: "GET", path: "/1xx"},
		{method: "GET", path: "/close"},
		{method: "GET", path: "/http10"},
		{method: "GET", path: "/request?q=1&r=two"},
		{method: "GET", path: "/request", header: http.Header{"User-Agent": {"custom/2"}, "Accept": {"text/html"}}},
		{method: "GET", path: "/request", header: http.Header{"User-Agent": {""}}},
		{method: "GET", path: "/request", header: http.Header{"X-Many": {"a", "b"}, "Cookie": {"c=d"}}},
		{method: "GET", path: "/request", host: "virtual.example:8080"},
		{method: "DELETE", path: "/request"},
		{method: "OPTIONS", path: "/request"},
		{method: "POST", path: "/request", body: "form=data&x=1", header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
		{method: "PUT", path: "/request", body: ""},
		{method: "PATCH", path: "/request", body: "patch"},
	}
	h2 := httptest.NewUnstartedServer(diffHandler())
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()
	h2Config := h2.Client().Transport.(*http.Transport).TLSClientConfig
	ref2 := &http.Transport{TLSClientConfig: h2Config, DisableCompression: true, ForceAttemptHTTP2: true}
	defer ref2.CloseIdleConnections()
	xt2 := &Transport{Loops: 2, Easy: func(req *http.Request, e *xfer.Easy) { e.TLSConfig = h2Config }}
	defer xt2.Close()
	for _, srv := range []*httptest.Server{plain, secure, h2} {
		for _, c := range cases {
			ref, xt := ref, xt
			if srv == h2 {
				if c.path == "/close" || c.path == "/http10" {
					continue // HTTP/1 framings
				}
				ref, xt = ref2, xt2
			}
			name := fmt.Sprintf("%s %s %s", srv.URL[:5], c.method, c.path)
			t.Run(name, func(t *testing.T) {
				var snaps [2]snapshot
				for i, rt := range []http.RoundTripper{ref, xt} {
					var body io.Reader
					if c.method == "POST" || c.method == "PUT" || c.method == "PATCH" {
						body = strings.NewReader(c.body)
					}
					req, err := http.NewRequest(c.method, srv.URL+c.path, body)
					if err != nil {
						t.Fatal(err)
					}
					for k, vs := range c.header {
						req.Header[k] = vs
					}
					req.Host = c.host
					resp, err := rt.RoundTrip(req)
					if err != nil {
						t.Fatalf("transport %d: %v", i, err)
					}
					snaps[i] = snap(t, req, resp)
					if srv == h2 && i == 0 {
						// Two known differences. xferhttp's default User-Agent names
						// HTTP/1.1 whatever the protocol, chosen after RoundTrip handed
						// the request over. net/http's HTTP/2 transport hands back a copy
						// of a request with a body as Response.Request; xferhttp the
						// request itself, as net/http does for HTTP/1.1.
						snaps[i].Body = strings.Replace(snaps[i].Body, "Go-http-client/2.0", "Go-http-client/1.1", 1)
						snaps[i].SameRequest = true
					}
				}
				if !reflect.DeepEqual(snaps[0], snaps[1]) {
					t.Errorf("net/http:\n%+v\nxferhttp:\n%+v", snaps[0], snaps[1])
				}
			})
		}
	}
}

// TestBodyKinds compares request bodies of every kind net/http knows: sized readers,
// unknown-size readers (chunked), and NoBody.
func TestBodyKinds(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := httptest.NewServer(diffHandler())
	defer srv.Close()
	ref := &http.Transport{DisableCompression: true}
	defer ref.CloseIdleConnections()
	xt := &Transport{Loops: 1}
	defer xt.Close()
	bodies := map[string]func() (io.Reader, int64){
		"bytes.Buffer": func() (io.Reader, int64) { return bytes.NewBufferString("buffered"), 0 },
		"unknown": func() (io.Reader, int64) {
			return io.MultiReader(strings.NewReader("un"), strings.NewReader("known")), -1
		},
		"NoBody": func() (io.Reader, int64) { return http.NoBody, 0 },
		"sized":  func() (io.Reader, int64) { return io.LimitReader(strings.NewReader("sized body"), 10), 10 },
	}
	for name, mk := range bodies {
		t.Run(name, func(t *testing.T) {
			var got [2]string
			for i, rt := range []http.RoundTripper{ref, xt} {
				body, n := mk()
				req, _ := http.NewRequest("POST", srv.URL+"/request", body)
				if n != 0 {
					req.ContentLength = n
				}
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got[i] = string(b)
			}
			if got[0] != got[1] {
				t.Errorf("net/http:\n%s\nxferhttp:\n%s", got[0], got[1])
			}
		})
	}
}
