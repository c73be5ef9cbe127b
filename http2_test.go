//go:build linux

package xfer

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// h2Server is the test handler served over TLS with HTTP/2 offered by ALPN. It counts the
// connections it accepted.
type h2Server struct {
	*httptest.Server
	cfg   *tls.Config // trusts the server
	conns atomic.Int32
}

func newH2Server(t testing.TB, h http.Handler, setup func(s *http.Server)) *h2Server {
	s := &h2Server{}
	if h == nil {
		h = testHandler()
	}
	s.Server = httptest.NewUnstartedServer(h)
	s.EnableHTTP2 = true
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	if setup != nil {
		setup(s.Config)
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	s.cfg = &tls.Config{RootCAs: pool}
	return s
}

// hashWriter is a Write callback that hashes what it is given.
type hashWriter struct {
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int
}

func newHashWriter() *hashWriter { return &hashWriter{h: sha256.New()} }

func (w *hashWriter) write(p []byte) (int, error) {
	w.n += len(p)
	return w.h.Write(p)
}

func (w *hashWriter) matches(b []byte) bool {
	want := sha256.Sum256(b)
	return w.n == len(b) && bytes.Equal(w.h.Sum(nil), want[:])
}

// TestHTTP2ManyStreamsOneConnection runs 100 transfers with PipeWait to one https origin:
// they share one connection (counted at the server), every body arrives whole, and the
// socket callback hears of the one socket only as it changes, PollRemove at its close.
func TestHTTP2ManyStreamsOneConnection(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newH2Server(t, nil, nil)
	l := newEpollLoop(t, MultiOptions{})
	sizes := make([]int, 100)
	for i := range sizes {
		sizes[i] = i * 997
	}
	sizes[10], sizes[20], sizes[30] = 1<<20, 2<<20, 4<<20
	var easies []*Easy
	hashes := map[*Easy]*hashWriter{}
	for i, size := range sizes {
		e := NewEasy(fmt.Sprintf("%s/body?size=%d&seed=%d", srv.URL, size, i))
		e.TLSConfig = srv.cfg
		e.PipeWait = true
		w := newHashWriter()
		e.Write = w.write
		hashes[e] = w
		easies = append(easies, e)
		if err := l.m.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	l.run(len(easies), 60*time.Second)
	connects := 0
	for i, e := range easies {
		if err := l.done[e]; err != nil {
			t.Fatalf("transfer %d: %v", i, err)
		}
		if !hashes[e].matches(bodyFor(sizes[i], i)) {
			t.Fatalf("transfer %d: body of %d bytes differs (want %d)", i, hashes[e].n, sizes[i])
		}
		info := e.Info()
		if info.Proto != "HTTP/2.0" || info.Status != 200 || info.Downloaded != int64(sizes[i]) {
			t.Fatalf("transfer %d: %+v", i, info)
		}
		connects += info.NumConnects
	}
	if n := srv.conns.Load(); n != 1 || connects != 1 {
		t.Fatalf("the server accepted %d connections; NumConnects add up to %d", n, connects)
	}
	if len(l.calls) != 1 {
		t.Fatalf("socket callbacks for %d fds: %v", len(l.calls), l.calls)
	}
	for fd, calls := range l.calls {
		for _, c := range calls {
			if c == PollRemove {
				t.Fatalf("fd %d: PollRemove while the connection is open: %v", fd, calls)
			}
		}
	}
	for _, e := range easies {
		l.m.Remove(e)
	}
	if err := l.m.Close(); err != nil {
		t.Fatal(err)
	}
	for fd, calls := range l.calls {
		if calls[len(calls)-1] != PollRemove {
			t.Fatalf("fd %d: after Close, callbacks %v", fd, calls)
		}
	}
}

// TestHTTP2HeaderLines checks what HeaderLine and Info see of an HTTP/2 response: an
// interim 103, the final header and the trailer.
func TestHTTP2HeaderLines(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newH2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Trailer", "X-Sum")
		w.Header().Set("X-Reply", "yes")
		w.WriteHeader(200)
		io.WriteString(w, "hello")
		w.Header().Set("X-Sum", "42")
	}), nil)
	l := newEpollLoop(t, MultiOptions{})
	e := NewEasy(srv.URL + "/")
	e.TLSConfig = srv.cfg
	var lines []string
	e.HeaderLine = func(line []byte) error { lines = append(lines, string(line)); return nil }
	var got []byte
	e.Write = collect(&got)
	l.m.Add(e)
	l.run(1, 10*time.Second)
	if err := l.done[e]; err != nil || string(got) != "hello" {
		t.Fatalf("err %v, body %q", err, got)
	}
	joined := strings.Join(lines, "")
	for _, want := range []string{
		"HTTP/2 103\r\nlink: </style.css>; rel=preload\r\n\r\n",
		"HTTP/2 200\r\n",
		"x-reply: yes\r\n",
		"x-sum: 42\r\n\r\n",
	} {
		if !strings.Contains(joined, want) {
			t.Fatalf("header lines %q lack %q", joined, want)
		}
	}
	info := e.Info()
	if info.Status != 200 || info.Proto != "HTTP/2.0" || info.Header.Get("X-Reply") != "yes" || info.Trailer.Get("X-Sum") != "42" {
		t.Fatalf("info %+v", info)
	}
}

// TestHTTP2RemoveOneStream removes one of several transfers on a connection: its stream is
// reset (the server's handler sees its request canceled), the others complete, and the
// socket stays announced.
func TestHTTP2RemoveOneStream(t *testing.T) {
	testutil.CheckLeaks(t)
	canceled := make(chan struct{})
	srv := newH2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stall" {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			close(canceled)
			return
		}
		testHandler().ServeHTTP(w, r)
	}), nil)
	l := newEpollLoop(t, MultiOptions{})
	stall := NewEasy(srv.URL + "/stall")
	stall.TLSConfig = srv.cfg
	stall.PipeWait = true
	started := false
	stall.HeaderLine = func([]byte) error { started = true; return nil }
	l.m.Add(stall)
	for end := time.Now().Add(10 * time.Second); !started; l.step(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the stalled stream never started")
		}
	}
	var others []*Easy
	for i := range 5 {
		e := NewEasy(fmt.Sprintf("%s/body?size=%d&seed=%d", srv.URL, 100000, i))
		e.TLSConfig = srv.cfg
		others = append(others, e)
		l.m.Add(e)
	}
	l.step(10 * time.Millisecond)
	if err := l.m.Remove(stall); err != nil {
		t.Fatal(err)
	}
	select {
	case <-canceled:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never saw the stream reset")
	}
	l.run(5, 10*time.Second)
	for _, e := range others {
		if err := l.done[e]; err != nil || e.Info().NumConnects != 0 {
			t.Fatalf("sibling: %v, %+v", err, e.Info())
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("%d connections", n)
	}
	if len(l.watched) != 1 {
		t.Fatalf("watched %v", l.watched)
	}
}

// TestHTTP2PausedStream pauses one stream of ten: the other nine finish, the paused one
// holds no more than its window, and after unpause it completes whole.
func TestHTTP2PausedStream(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newH2Server(t, nil, nil)
	l := newEpollLoop(t, MultiOptions{})
	const size = 1 << 20
	var easies []*Easy
	var paused *Easy
	got := map[*Easy]*bytes.Buffer{}
	for i := range 10 {
		e := NewEasy(fmt.Sprintf("%s/body?size=%d&seed=%d", srv.URL, size, i))
		e.TLSConfig = srv.cfg
		e.PipeWait = true
		buf := new(bytes.Buffer)
		got[e] = buf
		e.Write = buf.Write
		if i == 3 {
			paused = e
			e.Write = func(p []byte) (int, error) { // pauses at the first bytes
				if e.Private == nil {
					e.Private = true
					return 0, ErrPause
				}
				return buf.Write(p)
			}
		}
		easies = append(easies, e)
		l.m.Add(e)
	}
	l.run(9, 30*time.Second)
	if _, ok := l.done[paused]; ok {
		t.Fatalf("the paused transfer ended: %v", l.done[paused])
	}
	held := 0
	if h := paused.x.held; h != nil {
		held = len(h.body)
	}
	if held > 2<<16 {
		t.Fatalf("the paused stream holds %d bytes, beyond its window", held)
	}
	if err := paused.Pause(PauseCont); err != nil {
		t.Fatal(err)
	}
	l.run(10, 30*time.Second)
	for i, e := range easies {
		if err := l.done[e]; err != nil || !bytes.Equal(got[e].Bytes(), bodyFor(size, i)) {
			t.Fatalf("transfer %d: %v, %d bytes", i, err, got[e].Len())
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("%d connections", n)
	}
	t.Logf("the paused stream held %d bytes", held)
}

// TestHTTP2StreamTimeout times one stalled stream out: the siblings on the same connection
// finish.
func TestHTTP2StreamTimeout(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newH2Server(t, nil, nil)
	l := newEpollLoop(t, MultiOptions{})
	stall := NewEasy(srv.URL + "/stall")
	stall.TLSConfig = srv.cfg
	stall.Timeout = 500 * time.Millisecond
	stall.PipeWait = true
	l.m.Add(stall)
	var others []*Easy
	for i := range 4 {
		e := NewEasy(fmt.Sprintf("%s/body?size=%d&seed=%d", srv.URL, 50000, i))
		e.TLSConfig = srv.cfg
		e.PipeWait = true
		others = append(others, e)
		l.m.Add(e)
	}
	l.run(5, 10*time.Second)
	if err := l.done[stall]; !errors.Is(err, ErrOperationTimedOut) {
		t.Fatalf("stalled stream: %v", err)
	}
	for _, e := range others {
		if err := l.done[e]; err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("%d connections", n)
	}
}

// TestHTTP2StreamLimits checks that no more streams run at once than the server's
// SETTINGS_MAX_CONCURRENT_STREAMS or MaxConcurrentStreams allow, counted at the server.
func TestHTTP2StreamLimits(t *testing.T) {
	for _, c := range []struct {
		name          string
		server, multi int
		want          int32
	}{{"server", 4, 0, 4}, {"multi", 0, 3, 3}} {
		t.Run(c.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			var now, most atomic.Int32
			srv := newH2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := now.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(20 * time.Millisecond)
				now.Add(-1)
				io.WriteString(w, "ok")
			}), func(s *http.Server) {
				if c.server > 0 {
					s.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: c.server}
				}
			})
			l := newEpollLoop(t, MultiOptions{MaxConcurrentStreams: c.multi, MaxHostConnections: 1})
			for range 20 {
				e := NewEasy(srv.URL + "/")
				e.TLSConfig = srv.cfg
				e.PipeWait = true
				l.m.Add(e)
			}
			l.run(20, 30*time.Second)
			for e, err := range l.done {
				if err != nil {
					t.Fatalf("%s: %v", e.URL, err)
				}
			}
			if m := most.Load(); m > c.want || m < 2 {
				t.Fatalf("at most %d streams at once at the server, want %d", m, c.want)
			}
			if n := srv.conns.Load(); n != 1 {
				t.Fatalf("%d connections", n)
			}
		})
	}
}

// TestHTTP2Uploads sends bodies of known and unknown size over HTTP/2.
func TestHTTP2Uploads(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newH2Server(t, nil, nil)
	l := newEpollLoop(t, MultiOptions{})
	body := bodyFor(3<<20, 7)
	known := NewEasy(srv.URL + "/echo")
	known.Body = bytes.NewReader(body)
	unknown := NewEasy(srv.URL + "/echo")
	unknown.Body = io.MultiReader(bytes.NewReader(body[:1<<20]), bytes.NewReader(body[1<<20:]))
	got := map[*Easy]*bytes.Buffer{}
	for _, e := range []*Easy{known, unknown} {
		e.TLSConfig = srv.cfg
		e.PipeWait = true
		buf := new(bytes.Buffer)
		got[e] = buf
		e.Write = buf.Write
		l.m.Add(e)
	}
	l.run(2, 30*time.Second)
	for _, e := range []*Easy{known, unknown} {
		if err := l.done[e]; err != nil {
			t.Fatal(err)
		}
		info := e.Info()
		if !bytes.Equal(got[e].Bytes(), body) || info.Uploaded != int64(len(body)) || info.Proto != "HTTP/2.0" {
			t.Fatalf("%d bytes back, %+v", got[e].Len(), info)
		}
	}
	if l := known.Info().Header.Get("X-Len"); l != fmt.Sprint(len(body)) {
		t.Fatalf("the server saw Content-Length %s", l)
	}
	if l := unknown.Info().Header.Get("X-Len"); l != "-1" {
		t.Fatalf("the server saw Content-Length %s for a body of unknown size", l)
	}
}

// TestHTTP2MixedOrigins runs HTTP/2 and HTTP/1.1 origins in one Multi.
func TestHTTP2MixedOrigins(t *testing.T) {
	testutil.CheckLeaks(t)
	h2 := newH2Server(t, nil, nil)
	h1 := newServer(t)
	h1tls, cfg1 := newTLSServer(t)
	l := newEpollLoop(t, MultiOptions{})
	want := map[*Easy]string{}
	for i := range 30 {
		var e *Easy
		switch i % 3 {
		case 0:
			e = NewEasy(fmt.Sprintf("%s/body?size=%d&seed=%d", h2.URL, 20000, i))
			e.TLSConfig = h2.cfg
			want[e] = "HTTP/2.0"
		case 1:
			e = NewEasy(fmt.Sprintf("%s/body?size=%d&seed=%d", h1.URL, 20000, i))
			want[e] = "HTTP/1.1"
		default:
			e = NewEasy(fmt.Sprintf("%s/body?size=%d&seed=%d", h1tls.URL, 20000, i))
			e.TLSConfig = cfg1
			want[e] = "HTTP/1.1"
		}
		e.PipeWait = true
		l.m.Add(e)
	}
	l.run(30, 30*time.Second)
	for e, proto := range want {
		if err := l.done[e]; err != nil || e.Info().Proto != proto {
			t.Fatalf("%s: %v, proto %q", e.URL, err, e.Info().Proto)
		}
	}
	if n := h2.conns.Load(); n != 1 {
		t.Fatalf("%d connections to the HTTP/2 server", n)
	}
}

// TestHTTP2Versions checks what each HTTPVersion asks for: HTTP/1.1 alone, or HTTP/2 with
// prior knowledge over cleartext.
func TestHTTP2Versions(t *testing.T) {
	testutil.CheckLeaks(t)
	h2 := newH2Server(t, nil, nil)
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	h2c := httptest.NewUnstartedServer(testHandler())
	h2c.Config.Protocols = &p
	h2c.Start()
	t.Cleanup(h2c.Close)
	l := newEpollLoop(t, MultiOptions{})
	cases := []struct {
		url     string
		cfg     *tls.Config
		version HTTPVersion
		proto   string
	}{
		{h2.URL, h2.cfg, HTTPVersion11, "HTTP/1.1"},
		{h2.URL, h2.cfg, HTTPVersion2TLS, "HTTP/2.0"},
		{h2.URL, h2.cfg, HTTPVersion2PriorKnowledge, "HTTP/2.0"},
		{h2c.URL, nil, HTTPVersionDefault, "HTTP/1.1"},
		{h2c.URL, nil, HTTPVersion2TLS, "HTTP/1.1"},
		{h2c.URL, nil, HTTPVersion2PriorKnowledge, "HTTP/2.0"},
	}
	for _, c := range cases {
		e := NewEasy(c.url + "/body?size=1000")
		e.TLSConfig = c.cfg
		e.HTTPVersion = c.version
		var got []byte
		e.Write = collect(&got)
		l.m.Add(e)
		l.run(l.ndone+1, 10*time.Second)
		if err := l.done[e]; err != nil || e.Info().Proto != c.proto || !bytes.Equal(got, bodyFor(1000, 0)) {
			t.Fatalf("%s with version %d: %v, proto %q, %d bytes", c.url, c.version, err, e.Info().Proto, len(got))
		}
		l.m.Remove(e)
	}
}
