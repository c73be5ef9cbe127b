//go:build linux

package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// These tests drive the handshakes over loopback against real proxies,
// microsocks (SOCKS5) and tinyproxy (HTTP CONNECT), started by the test and
// skipped when the program is not installed. Traffic stays on 127.0.0.1
// and ::1.

const greeting = "hello from the origin\n"

// startOrigin starts a server on 127.0.0.1 (and on ::1 at the same port
// when it can) that writes greeting as soon as a connection is accepted,
// so that its first bytes can reach the client with the proxy's reply, and
// then echoes what it reads. It returns the port.
func startOrigin(t *testing.T) int {
	t.Helper()
	l4, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l4.Addr().(*net.TCPAddr).Port
	ls := []net.Listener{l4}
	if l6, err := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port))); err == nil {
		ls = append(ls, l6)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	for _, l := range ls {
		wg.Go(func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				wg.Go(func() {
					defer c.Close()
					if _, err := io.WriteString(c, greeting); err != nil {
						return
					}
					// Hide ReadFrom and WriteTo: TCP to TCP, io.Copy would
					// splice through a pipe that its pool keeps open.
					io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{c})
				})
			}
		})
	}
	t.Cleanup(func() {
		for _, l := range ls {
			l.Close()
		}
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return port
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startProgram runs a proxy program until the test ends, and waits until
// it accepts connections on 127.0.0.1:port.
func startProgram(t *testing.T, port int, name string, args ...string) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed", name)
	}
	cmd := exec.Command(path, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s: %v; output: %s", name, addr, err, out.Bytes())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runHandshake connects to the proxy, runs h reading at most chunk bytes at
// a time, and returns what the tunnel delivers after the handshake, up to
// len(greeting) bytes.
func runHandshake(t *testing.T, proxyPort int, h Handshake, chunk int) (string, error) {
	t.Helper()
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(proxyPort)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(h.Start()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, chunk)
	for {
		m, rerr := c.Read(buf)
		n, out, done, err := h.Feed(buf[:m])
		if err != nil {
			return "", err
		}
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				t.Fatal(err)
			}
		}
		if done {
			got := append([]byte(nil), buf[n:m]...)
			rest := make([]byte, len(greeting)-len(got))
			if _, err := io.ReadFull(c, rest); err != nil {
				return "", fmt.Errorf("reading the tunnel after %q: %w", got, err)
			}
			return string(append(got, rest...)), nil
		}
		if rerr == io.EOF {
			return "", h.EOF()
		}
		if rerr != nil {
			t.Fatal(rerr)
		}
	}
}

func TestMicrosocks(t *testing.T) {
	testutil.CheckLeaks(t)
	origin := startOrigin(t)
	open, authed := freePort(t), freePort(t)
	startProgram(t, open, "microsocks", "-i", "127.0.0.1", "-p", strconv.Itoa(open))
	startProgram(t, authed, "microsocks", "-i", "127.0.0.1", "-p", strconv.Itoa(authed), "-u", "alice", "-P", "s3cret")

	closed := freePort(t)
	tests := []struct {
		name  string
		proxy string
		port  int // of the proxy
		host  string
		dport int
		err   error
	}{
		{"socks5 IPv4", "socks5://127.0.0.1", open, "127.0.0.1", origin, nil},
		{"socks5h name", "socks5h://127.0.0.1", open, "localhost", origin, nil},
		{"socks5h address", "socks5h://127.0.0.1", open, "127.0.0.1", origin, nil},
		{"socks5 password", "socks5://alice:s3cret@127.0.0.1", authed, "127.0.0.1", origin, nil},
		{"socks5 wrong password", "socks5://alice:wrong@127.0.0.1", authed, "127.0.0.1", origin, ErrAuthRejected},
		{"socks5 no password", "socks5://127.0.0.1", authed, "127.0.0.1", origin, ErrNoAcceptableMethod},
		{"socks5 refused", "socks5://127.0.0.1", open, "127.0.0.1", closed, ErrRejected},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 7, 4096} {
			u, err := Parse(tt.proxy)
			if err != nil {
				t.Fatal(err)
			}
			h, err := New(u, tt.host, tt.dport, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := runHandshake(t, tt.port, h, chunk)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("%s, reads of %d: %v, want %v", tt.name, chunk, err, tt.err)
				}
				continue
			}
			if err != nil || got != greeting {
				t.Errorf("%s, reads of %d: %q, %v; want %q", tt.name, chunk, got, err, greeting)
			}
		}
	}
}

func TestTinyproxy(t *testing.T) {
	testutil.CheckLeaks(t)
	if _, err := exec.LookPath("tinyproxy"); err != nil {
		t.Skip("tinyproxy is not installed")
	}
	origin := startOrigin(t)
	dir := t.TempDir()
	open, authed := freePort(t), freePort(t)
	for _, p := range []struct {
		port int
		auth string
	}{{open, ""}, {authed, "BasicAuth bob pw\n"}} {
		conf := filepath.Join(dir, strconv.Itoa(p.port)+".conf")
		text := fmt.Sprintf("Port %d\nListen 127.0.0.1\nTimeout 10\nMaxClients 8\nLogLevel Critical\nAllow 127.0.0.1\n%s", p.port, p.auth)
		if os.Geteuid() == 0 {
			text += "User nobody\nGroup nogroup\n"
		}
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		startProgram(t, p.port, "tinyproxy", "-d", "-c", conf)
	}

	tests := []struct {
		name   string
		proxy  string
		port   int
		status int
	}{
		{"connect", "http://127.0.0.1", open, 200},
		{"connect with credentials", "http://bob:pw@127.0.0.1", authed, 200},
		{"connect without credentials", "http://127.0.0.1", authed, 407},
		// tinyproxy answers wrong credentials with 401, not 407.
		{"connect with wrong credentials", "http://bob:nope@127.0.0.1", authed, 401},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 7, 4096} {
			u, err := Parse(tt.proxy)
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewConnect(u, "127.0.0.1", origin, nil)
			if err != nil {
				t.Fatal(err)
			}
			var lines int
			c.HeaderLine = func([]byte) { lines++ }
			got, err := runHandshake(t, tt.port, c, chunk)
			if c.Status() != tt.status || lines < 2 {
				t.Errorf("%s, reads of %d: status %d after %d lines, want %d", tt.name, chunk, c.Status(), lines, tt.status)
			}
			if tt.status != 200 {
				if !errors.Is(err, ErrTunnelRefused) {
					t.Errorf("%s, reads of %d: %v, want ErrTunnelRefused", tt.name, chunk, err)
				}
				continue
			}
			if err != nil || got != greeting {
				t.Errorf("%s, reads of %d: %q, %v; want %q", tt.name, chunk, got, err, greeting)
			}
		}
	}
}
