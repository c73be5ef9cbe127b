//go:build linux

package xfer

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/sys/unix"
)

// resettingServer answers the first request of its first connection with a reply that keeps
// the connection alive, then resets that connection (an RST) when told to. Later connections
// are served normally. It records the bodies it received.
type resettingServer struct {
	url     string
	reset   chan struct{}
	accepts atomic.Int32
	mu      sync.Mutex
	bodies  []string
}

func newResettingServer(t *testing.T, useTLS bool) (*resettingServer, *tls.Config) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &resettingServer{url: "http://" + ln.Addr().String(), reset: make(chan struct{})}
	var clientCfg *tls.Config
	var serverCfg *tls.Config
	if useTLS {
		cert := selfSigned(t, "127.0.0.1", time.Now().Add(time.Hour), nil)
		serverCfg = &tls.Config{Certificates: []tls.Certificate{cert}}
		pool := x509.NewCertPool()
		pool.AddCert(cert.Leaf)
		clientCfg = &tls.Config{RootCAs: pool}
		s.url = "https://" + ln.Addr().String()
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			raw, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, raw)
			mu.Unlock()
			first := s.accepts.Add(1) == 1
			wg.Go(func() { s.serve(raw, serverCfg, first) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return s, clientCfg
}

func (s *resettingServer) serve(raw net.Conn, cfg *tls.Config, first bool) {
	var c net.Conn = raw
	if cfg != nil {
		c = tls.Server(raw, cfg)
	}
	r := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.bodies = append(s.bodies, req.Method+" "+req.URL.Path+" "+strconv.Itoa(len(body)))
		s.mu.Unlock()
		if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")); err != nil {
			return
		}
		if first {
			<-s.reset
			raw.(*net.TCPConn).SetLinger(0)
			raw.Close()
			return
		}
	}
}

// TestRetryWhenWriteFails reuses a kept-alive connection that the server has reset: the
// request's write fails, and the request is sent again on a new connection, over plain
// HTTP and TLS alike, with a body when it can be replayed.
func TestRetryWhenWriteFails(t *testing.T) {
	body := bodyFor(64<<10, 3)
	cases := []struct {
		name string
		mod  func(e *Easy)
		want string
	}{
		{"GET", nil, "GET /2 0"},
		{"POST", func(e *Easy) { e.Body = bytes.NewReader(body) }, fmt.Sprintf("POST /2 %d", len(body))},
		// A body that cannot be replayed makes the engine probe the idle connection before
		// it takes it: the dead one is seen and a new one opened, with nothing to resend.
		{"POST once", func(e *Easy) { e.Body = io.MultiReader(bytes.NewReader(body)) }, fmt.Sprintf("POST /2 %d", len(body))},
	}
	for _, useTLS := range []bool{false, true} {
		for _, c := range cases {
			name := c.name
			if useTLS {
				name = "TLS " + name
			}
			t.Run(name, func(t *testing.T) {
				testutil.CheckLeaks(t)
				s, cfg := newResettingServer(t, useTLS)
				l := newEpollLoop(t, MultiOptions{})
				first := NewEasy(s.url + "/1")
				first.TLSConfig = cfg
				l.m.Add(first)
				l.run(1, 5*time.Second)
				if err := l.done[first]; err != nil {
					t.Fatal(err)
				}
				if len(l.watched) != 1 {
					t.Fatalf("watched %v, want the idle connection alone", l.watched)
				}
				var fd int
				for fd = range l.watched {
				}
				close(s.reset)
				// Wait for the reset to arrive, without letting the Multi see it: the next
				// request must meet it as it writes.
				pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
				if n, err := unix.Poll(pfd, 5000); n != 1 || err != nil {
					t.Fatalf("the reset did not arrive: %d %v", n, err)
				}
				second := NewEasy(s.url + "/2")
				second.TLSConfig = cfg
				if c.mod != nil {
					c.mod(second)
				}
				l.m.Add(second)
				if _, err := l.m.SocketAction(SocketTimeout, 0); err != nil {
					t.Fatal(err)
				}
				l.run(2, 5*time.Second)
				if err := l.done[second]; err != nil {
					t.Fatalf("request on a connection the server reset: %v", err)
				}
				if n := second.Info().NumConnects; n != 1 || s.accepts.Load() != 2 {
					t.Fatalf("NumConnects %d, server accepts %d", n, s.accepts.Load())
				}
				s.mu.Lock()
				defer s.mu.Unlock()
				if got := strings.Join(s.bodies, "; "); got != "GET /1 0; "+c.want {
					t.Fatalf("the server received %q", got)
				}
			})
		}
	}
}
