//go:build linux

package tlsconn

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/sys/unix"
)

// helperEnv, when set, makes the test binary run the HTTPS server of
// TestRealSockets instead of the tests, so that the test process holds no
// server goroutines and its goroutine count reflects the client alone.
const helperEnv = "TLSCONN_TEST_HTTPS_SERVER"

const helperBody = "hello from the helper server\n"

// runHelperServer serves HTTPS on 127.0.0.1 until its stdin closes. It first
// prints one line: the server URL and the hex DER of its certificate.
func runHelperServer() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, helperBody)
	}))
	srv.Config.ErrorLog = nil
	srv.StartTLS()
	fmt.Printf("%s %s\n", srv.URL, hex.EncodeToString(srv.Certificate().Raw))
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
}

// startHelperServer runs the helper in a child process and returns its
// address, a pool holding its certificate, and a stop function.
func startHelperServer(t *testing.T) (*unix.SockaddrInet4, *x509.CertPool) {
	t.Helper()
	line := testutil.StartChild(t, helperEnv, "1", 1)[0]
	fields := strings.Fields(line)
	u, err := url.Parse(fields[0])
	if err != nil {
		t.Fatal(err)
	}
	der, err := hex.DecodeString(fields[1])
	if err != nil {
		t.Fatal(err)
	}
	_, pool := testutil.CertPool(t, der)
	port, _ := strconv.Atoi(u.Port())
	return &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}, pool
}

// tcpConn is one client connection of TestRealSockets.
type tcpConn struct {
	fd    int
	c     *Conn
	phase int
	reply []byte
	err   error
}

const (
	phaseConnecting  = iota // non-blocking connect in progress
	phaseHandshaking        // TLS handshake in progress
	phaseReady              // established, waiting for the others
	phaseReading            // GET sent, reading the reply
	phaseDone
)

// TestRealSockets runs 200 HTTPS requests at once over non-blocking TCP
// sockets from one goroutine with a poll(2) loop, against a net/http server
// in a child process: non-blocking connect, handshake, GET, reply to the end.
// The goroutine count never exceeds its starting value by more than the
// number of handshakes in progress, and is back at it with all 200
// connections established.
func TestRealSockets(t *testing.T) {
	testutil.CheckLeaks(t)
	addr, pool := startHelperServer(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cfg := &tls.Config{
				ServerName:         "127.0.0.1",
				RootCAs:            pool,
				NextProtos:         []string{"http/1.1"},
				MinVersion:         v.v,
				MaxVersion:         v.v,
				ClientSessionCache: tls.NewLRUClientSessionCache(4),
			}
			runRealSockets(t, addr, cfg, 200)
			// The same again: every connection resumes a session from the
			// first round.
			if resumed := runRealSockets(t, addr, cfg, 200); resumed != 200 {
				t.Errorf("second round: %d of 200 connections resumed", resumed)
			}
		})
	}
}

// runRealSockets runs n connections at once and returns how many resumed a
// session.
func runRealSockets(t *testing.T, addr *unix.SockaddrInet4, cfg *tls.Config, n int) int {
	base := baseGoroutines()
	conns := make([]*tcpConn, n)
	defer func() {
		for _, tc := range conns {
			if tc != nil && tc.fd >= 0 {
				unix.Close(tc.fd)
			}
			if tc != nil && tc.c != nil {
				tc.c.Close()
			}
		}
	}()
	for i := range conns {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = &tcpConn{fd: fd}
		if err := unix.Connect(fd, addr); err != nil && err != unix.EINPROGRESS {
			t.Fatalf("connect: %v", err)
		}
	}

	buf := make([]byte, 64<<10)
	pfds := make([]unix.PollFd, 0, n)
	idx := make([]int, 0, n)
	request := []byte("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
	handshaking, ready, done, resumed := 0, 0, 0, 0
	maxExtra := 0
	deadline := time.Now().Add(60 * time.Second)

	for done < n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %d ready, %d done of %d", ready, done, n)
		}
		// Goroutines beyond the start: only the suspended handshakes.
		extra := runtime.NumGoroutine() - base
		if extra > handshaking {
			// Recount without the runtime's cleanup goroutines.
			extra = userGoroutines() - base
		}
		if extra > handshaking {
			t.Fatalf("%d goroutines beyond the start with %d handshakes in progress", extra, handshaking)
		}
		maxExtra = max(maxExtra, extra)
		if ready == n {
			// Every connection is established and none is in a handshake.
			if g := goroutines(base); g != base {
				t.Errorf("%d goroutines with %d established connections, %d at the start:\n%s", g, n, base, allStacks())
			}
			for _, tc := range conns {
				if _, err := tc.c.Write(request); err != nil {
					t.Fatal(err)
				}
				tc.phase = phaseReading
				flushFD(tc)
			}
			ready = -1
		}

		pfds, idx = pfds[:0], idx[:0]
		for i, tc := range conns {
			var ev int16
			switch tc.phase {
			case phaseConnecting:
				ev = unix.POLLOUT
			case phaseHandshaking, phaseReady, phaseReading:
				ev = unix.POLLIN
				if tc.c.Outbound() != nil {
					ev |= unix.POLLOUT
				}
			default:
				continue
			}
			pfds = append(pfds, unix.PollFd{Fd: int32(tc.fd), Events: ev})
			idx = append(idx, i)
		}
		if _, err := unix.Poll(pfds, 1000); err != nil && err != unix.EINTR {
			t.Fatal(err)
		}
		for j, pfd := range pfds {
			if pfd.Revents == 0 {
				continue
			}
			tc := conns[idx[j]]
			switch tc.phase {
			case phaseConnecting:
				if e, err := unix.GetsockoptInt(tc.fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || e != 0 {
					t.Fatalf("connect: %v %v", unix.Errno(e), err)
				}
				tc.c = Client(cfg)
				tc.phase = phaseHandshaking
				handshaking++
				if ok, err := tc.c.Handshake(); ok || err != nil {
					t.Fatalf("first Handshake = %v, %v", ok, err)
				}
				flushFD(tc)
				continue
			}
			if pfd.Revents&unix.POLLOUT != 0 {
				flushFD(tc)
			}
			if pfd.Revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) == 0 {
				continue
			}
			k, err := unix.Read(tc.fd, buf)
			switch {
			case err == unix.EAGAIN:
				continue
			case err != nil:
				t.Fatalf("read: %v", err)
			case k == 0:
				tc.c.FeedEOF()
			default:
				tc.c.Feed(buf[:k])
			}
			switch tc.phase {
			case phaseHandshaking:
				ok, err := tc.c.Handshake()
				flushFD(tc)
				if err != nil {
					t.Fatalf("handshake: %v", err)
				}
				if ok {
					handshaking--
					tc.phase = phaseReady
					ready++
					if tc.c.ConnectionState().DidResume {
						resumed++
					}
				}
			case phaseReady, phaseReading:
				for {
					m, err := tc.c.Read(buf)
					tc.reply = append(tc.reply, buf[:m]...)
					if err == ErrWouldBlock {
						break
					}
					if err != nil {
						tc.err = err
						tc.phase = phaseDone
						done++
						tc.c.Close()
						unix.Close(tc.fd)
						tc.fd = -1
						break
					}
				}
			}
		}
	}

	for i, tc := range conns {
		if !errors.Is(tc.err, io.EOF) && !errors.Is(tc.err, ErrTruncated) {
			t.Errorf("connection %d ended with %v", i, tc.err)
		}
		if !bytes.HasPrefix(tc.reply, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.HasSuffix(tc.reply, []byte("\r\n\r\n"+helperBody)) {
			t.Errorf("connection %d: reply %q", i, tc.reply)
		}
	}
	if g := goroutines(base); g != base {
		t.Errorf("%d goroutines at the end, %d at the start:\n%s", g, base, allStacks())
	}
	t.Logf("%d connections, at most %d handshakes suspended at once, %d resumed sessions", n, maxExtra, resumed)
	return resumed
}

// flushFD writes as much of Outbound as the socket takes.
func flushFD(tc *tcpConn) {
	for {
		out := tc.c.Outbound()
		if out == nil {
			return
		}
		n, err := unix.Write(tc.fd, out)
		if err != nil {
			return // EAGAIN: poll waits for POLLOUT; other errors show on read
		}
		tc.c.Consumed(n)
	}
}
