package proxy

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xfer-go/xfer/internal/http1"
)

var errInvalidRequest = http1.ErrInvalidRequest

func newConnect(t testing.TB, proxy string) *Connect {
	t.Helper()
	u, err := Parse(proxy)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewConnect(u, "example.com", 443, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConnectRefusedStatusAndLines(t *testing.T) {
	reply := "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\nbody"
	for i, pieces := range splits([]byte(reply)) {
		c := newConnect(t, "http://user:pw@p")
		var lines []string
		c.HeaderLine = func(line []byte) { lines = append(lines, string(line)) }
		o := drive(t, c, pieces, true)
		if !errors.Is(o.err, ErrTunnelRefused) || c.Status() != 407 {
			t.Fatalf("split %d: err %v, Status %d; want ErrTunnelRefused, 407", i, o.err, c.Status())
		}
		if o.err.Error() != "proxy: CONNECT refused with status 407" {
			t.Errorf("message %q", o.err)
		}
		want := []string{"HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 407 Proxy Authentication Required\r\n",
			"Proxy-Authenticate: Basic realm=\"p\"\r\n", "\r\n"}
		if strings.Join(lines, "|") != strings.Join(want, "|") {
			t.Fatalf("split %d: lines %q, want %q", i, lines, want)
		}
		if o.sent != nil {
			t.Fatalf("split %d: sent %q after a 407", i, o.sent)
		}
	}
}

func TestConnectStatus(t *testing.T) {
	c := newConnect(t, "http://p")
	if c.Status() != 0 {
		t.Errorf("Status before the reply = %d", c.Status())
	}
	c.Feed([]byte("HTTP/1.1 200 OK\r\n"))
	if c.Status() != 200 {
		t.Errorf("Status after the status line = %d, want 200", c.Status())
	}
	_, _, done, err := c.Feed([]byte("\r\n"))
	if !done || err != nil || c.Status() != 200 {
		t.Errorf("done %v, err %v, Status %d", done, err, c.Status())
	}
}

// TestConnectHeaderLimit checks that a reply header section over the
// limit fails, without the handshake holding more than the limit.
func TestConnectHeaderLimit(t *testing.T) {
	c := newConnect(t, "http://p")
	in := []byte("HTTP/1.1 200 OK\r\n")
	field := []byte("X-Filler: " + strings.Repeat("a", 1000) + "\r\n")
	total := 0
	var err error
	for total <= 2*http1.MaxHeaderBytes && err == nil {
		var n int
		n, _, _, err = c.Feed(in)
		total += n
		in = field
	}
	if !errors.Is(err, ErrBadReply) || !errors.Is(err, http1.ErrHeaderTooLarge) {
		t.Fatalf("after %d bytes: %v, want ErrBadReply and http1.ErrHeaderTooLarge", total, err)
	}
	if total > http1.MaxHeaderBytes+len(field) {
		t.Fatalf("consumed %d bytes before failing", total)
	}
}

func TestConnectErrorsWrapParser(t *testing.T) {
	c := newConnect(t, "http://p")
	if err := c.EOF(); !errors.Is(err, ErrTruncated) || !errors.Is(err, http1.ErrNoResponse) {
		t.Errorf("EOF at once: %v", err)
	}
	c = newConnect(t, "http://p")
	c.Feed([]byte("HTTP/1.1 200 OK\r\n"))
	if err := c.EOF(); !errors.Is(err, ErrTruncated) || !errors.Is(err, http1.ErrTruncatedHeader) {
		t.Errorf("EOF in the header: %v", err)
	}
	c = newConnect(t, "http://p")
	if _, _, _, err := c.Feed([]byte("garbage\r\n")); !errors.Is(err, ErrBadReply) || !errors.Is(err, http1.ErrWeirdReply) {
		t.Errorf("garbage: %v", err)
	}
}

// TestConnectSendsNoOriginFields checks that the request holds the proxy's
// fields only, whatever the proxy header, and no default field.
func TestConnectSendsNoOriginFields(t *testing.T) {
	c := newConnect(t, "http://p")
	req := c.Start()
	for _, f := range []string{"User-Agent", "Accept", "Authorization", "Cookie", "Proxy-Authorization"} {
		if bytes.Contains(req, []byte(f+":")) {
			t.Errorf("request %q holds %s", req, f)
		}
	}
}
