package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

// cat joins strings, byte slices and single bytes given as ints.
func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b = append(b, p...)
		case []byte:
			b = append(b, p...)
		case int:
			b = append(b, byte(p))
		default:
			panic(fmt.Sprintf("cat: %T", p))
		}
	}
	return b
}

// outcome is what driving a handshake with some input gave.
type outcome struct {
	sent []byte // everything Feed returned to send, in order
	n    int    // bytes consumed
	done bool
	err  error
}

// drive feeds pieces to h in order until it is done or fails, calling EOF
// after the last piece when eof is set, and checks the Handshake contract
// on the way.
func drive(t testing.TB, h Handshake, pieces [][]byte, eof bool) outcome {
	t.Helper()
	var o outcome
	for _, p := range pieces {
		n, out, done, err := h.Feed(p)
		o.n += n
		o.sent = append(o.sent, out...)
		o.done, o.err = done, err
		if n < 0 || n > len(p) {
			t.Fatalf("Feed consumed %d of %d bytes", n, len(p))
		}
		if !done && err == nil && n != len(p) {
			t.Fatalf("Feed consumed %d of %d bytes, not done", n, len(p))
		}
		if done && err != nil {
			t.Fatalf("Feed reported done and %v", err)
		}
		if done || err != nil {
			break
		}
	}
	if !o.done && o.err == nil && eof {
		o.err = h.EOF()
		if o.err == nil {
			t.Fatal("EOF before done returned nil")
		}
	}
	// Final states stay final.
	if o.done || o.err != nil {
		n, out, done, err := h.Feed([]byte("more"))
		if n != 0 || out != nil || done != o.done || err != o.err {
			t.Fatalf("Feed after the end = %d, %q, %v, %v; want 0, nil, %v, %v", n, out, done, err, o.done, o.err)
		}
		if err := h.EOF(); err != o.err {
			t.Fatalf("EOF after the end = %v, want %v", err, o.err)
		}
	}
	return o
}

// splits returns ways to cut in: whole, one byte at a time, and random
// pieces, empty ones included.
func splits(in []byte) [][][]byte {
	ways := [][][]byte{{in}}
	var bytewise [][]byte
	for i := range in {
		bytewise = append(bytewise, in[i:i+1])
	}
	ways = append(ways, bytewise)
	for seed := range uint64(16) {
		ways = append(ways, testutil.RandomSplit(in, seed))
	}
	return ways
}

// handshakeTest is one conversation with a proxy.
type handshakeTest struct {
	name   string
	proxy  string
	host   string
	port   int
	header http.Header
	start  []byte // the first bytes sent
	reply  []byte // all the proxy sends
	eof    bool   // the proxy closes after reply
	sent   []byte // what Feed gives to send
	n      int    // bytes of reply consumed; -1: all
	done   bool
	err    error // nil, or an error the result must match
}

var (
	socks4OK   = cat(0, 90, 0, 0, 0, 0, 0, 0)
	socks5Req  = cat(5, 1, 0, 1, 10, 0, 0, 1, 1, 0xbb) // CONNECT 10.0.0.1:443
	socks5OK4  = cat(5, 0, 0, 1, 127, 0, 0, 1, 0x04, 0x38)
	socks5OK6  = cat(5, 0, 0, 4, make([]byte, 15), 1, 0, 80)
	socks5OKN  = cat(5, 0, 0, 3, 5, "proxy", 0, 80)
	socks5Auth = cat(1, 4, "user", 2, "pw")
	tlsHello   = cat(0x16, 3, 1, 0, 5, "hello")
)

var handshakeTests = []handshakeTest{
	// SOCKS4 and SOCKS4a.
	{
		name: "socks4 granted", proxy: "socks4://p", host: "10.0.0.1", port: 80,
		start: cat(4, 1, 0, 80, 10, 0, 0, 1, 0),
		reply: cat(socks4OK, tlsHello), n: 8, done: true,
	},
	{
		name: "socks4 user id", proxy: "socks4://bob:ignored@p", host: "192.168.1.2", port: 8080,
		start: cat(4, 1, 0x1f, 0x90, 192, 168, 1, 2, "bob", 0),
		reply: socks4OK, n: 8, done: true,
	},
	{
		name: "socks4 IPv4-mapped address", proxy: "socks4://p", host: "::ffff:10.0.0.1", port: 80,
		start: cat(4, 1, 0, 80, 10, 0, 0, 1, 0),
		reply: socks4OK, n: 8, done: true,
	},
	{
		name: "socks4a name", proxy: "socks4a://u@p", host: "example.com", port: 443,
		start: cat(4, 1, 1, 0xbb, 0, 0, 0, 1, "u", 0, "example.com", 0),
		reply: cat(socks4OK, "x"), n: 8, done: true,
	},
	{
		name: "socks4a address", proxy: "socks4a://p", host: "10.0.0.1", port: 443,
		start: cat(4, 1, 1, 0xbb, 10, 0, 0, 1, 0),
		reply: socks4OK, n: 8, done: true,
	},
	{
		name: "socks4 rejected", proxy: "socks4://p", host: "10.0.0.1", port: 80,
		start: cat(4, 1, 0, 80, 10, 0, 0, 1, 0),
		reply: cat(0, 91, 0, 0, 0, 0, 0, 0), n: 2, err: &ReplyError{Version: 4, Code: 91},
	},
	{
		name: "socks4 identd", proxy: "socks4://p", host: "10.0.0.1", port: 80,
		start: cat(4, 1, 0, 80, 10, 0, 0, 1, 0),
		reply: cat(0, 92), n: 2, err: &ReplyError{Version: 4, Code: 92},
	},
	{
		name: "socks4 bad version", proxy: "socks4://p", host: "10.0.0.1", port: 80,
		start: cat(4, 1, 0, 80, 10, 0, 0, 1, 0),
		reply: cat(4, 90, 0, 0, 0, 0, 0, 0), n: 2, err: ErrBadVersion,
	},
	{
		name: "socks4 truncated", proxy: "socks4://p", host: "10.0.0.1", port: 80,
		start: cat(4, 1, 0, 80, 10, 0, 0, 1, 0),
		reply: cat(0, 90, 0, 0, 0), eof: true, n: -1, err: ErrTruncated,
	},
	{
		name: "socks4 closed at once", proxy: "socks4://p", host: "10.0.0.1", port: 80,
		start: cat(4, 1, 0, 80, 10, 0, 0, 1, 0),
		eof:   true, n: 0, err: ErrTruncated,
	},

	// SOCKS5 and SOCKS5h.
	{
		name: "socks5 no auth", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, socks5OK4, tlsHello), sent: socks5Req, n: 12, done: true,
	},
	{
		name: "socks5 password", proxy: "socks5://user:pw@p", host: "10.0.0.1", port: 443,
		start: cat(5, 2, 0, 2),
		reply: cat(5, 2, 1, 0, socks5OK4, tlsHello), sent: cat(socks5Auth, socks5Req), n: 14, done: true,
	},
	{
		name: "socks5 password offered, not asked", proxy: "socks5://user:pw@p", host: "10.0.0.1", port: 443,
		start: cat(5, 2, 0, 2),
		reply: cat(5, 0, socks5OK4), sent: socks5Req, n: -1, done: true,
	},
	{
		name: "socks5 empty password", proxy: "socks5://user@p", host: "10.0.0.1", port: 443,
		start: cat(5, 2, 0, 2),
		reply: cat(5, 2, 1, 0, socks5OK4), sent: cat(1, 4, "user", 0, socks5Req), n: -1, done: true,
	},
	{
		name: "socks5 IPv6", proxy: "socks5://p", host: "[2001:db8::1]", port: 80,
		start: cat(5, 1, 0),
		reply: cat(5, 0, socks5OK6, "rest"),
		sent:  cat(5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, make([]byte, 11), 1, 0, 80), n: 2 + 22, done: true,
	},
	{
		name: "socks5h name", proxy: "socks5h://p", host: "example.com", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, socks5OKN, tlsHello),
		sent:  cat(5, 1, 0, 3, 11, "example.com", 1, 0xbb), n: 2 + 12, done: true,
	},
	{
		name: "socks5h address sent as address", proxy: "socks5h://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, socks5OK4), sent: socks5Req, n: -1, done: true,
	},
	{
		name: "socks5h name of 255 bytes", proxy: "socks5h://p", host: strings.Repeat("a", 255), port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, 5, 0, 0, 3, 255, strings.Repeat("b", 255), 0, 1, "after"),
		sent:  cat(5, 1, 0, 3, 255, strings.Repeat("a", 255), 1, 0xbb), n: 2 + 4 + 1 + 255 + 2, done: true,
	},
	{
		name: "socks5 bound name of 0 bytes", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, 5, 0, 0, 3, 0, 0, 1, "after"), sent: socks5Req, n: 2 + 7, done: true,
	},
	{
		name: "socks5 no acceptable method", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0xff), n: 2, err: ErrNoAcceptableMethod,
	},
	{
		name: "socks5 no acceptable method with password", proxy: "socks5://u:p@p", host: "10.0.0.1", port: 443,
		start: cat(5, 2, 0, 2),
		reply: cat(5, 0xff, 1, 0), n: 2, err: ErrNoAcceptableMethod,
	},
	{
		name: "socks5 password asked, not offered", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 2, 1, 0), n: 2, err: ErrBadReply,
	},
	{
		name: "socks5 GSSAPI chosen", proxy: "socks5://u:p@p", host: "10.0.0.1", port: 443,
		start: cat(5, 2, 0, 2),
		reply: cat(5, 1), n: 2, err: ErrBadReply,
	},
	{
		name: "socks5 method version", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(4, 0), n: 2, err: ErrBadVersion,
	},
	{
		name: "socks5 password rejected", proxy: "socks5://user:pw@p", host: "10.0.0.1", port: 443,
		start: cat(5, 2, 0, 2),
		reply: cat(5, 2, 1, 1, socks5OK4), sent: socks5Auth, n: 4, err: ErrAuthRejected,
	},
	{
		name: "socks5 password reply version", proxy: "socks5://user:pw@p", host: "10.0.0.1", port: 443,
		start: cat(5, 2, 0, 2),
		reply: cat(5, 2, 5, 0), sent: socks5Auth, n: 4, err: ErrBadVersion,
	},
	{
		name: "socks5 refused", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0), sent: socks5Req, n: 4, err: &ReplyError{Version: 5, Code: 5},
	},
	{
		name: "socks5 reply version", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, 4, 0, 0, 1), sent: socks5Req, n: 4, err: ErrBadVersion,
	},
	{
		name: "socks5 reply address type", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, 5, 0, 0, 2, 0, 0, 0, 0), sent: socks5Req, n: 6, err: ErrBadReply,
	},
	{
		name: "socks5 truncated method", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5), eof: true, n: 1, err: ErrTruncated,
	},
	{
		name: "socks5 truncated auth", proxy: "socks5://u:p@p", host: "10.0.0.1", port: 443,
		start: cat(5, 2, 0, 2),
		reply: cat(5, 2, 1), eof: true, sent: cat(1, 1, "u", 1, "p"), n: -1, err: ErrTruncated,
	},
	{
		name: "socks5 truncated reply", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, socks5OK4[:9]), eof: true, sent: socks5Req, n: -1, err: ErrTruncated,
	},
	{
		name: "socks5 truncated bound name", proxy: "socks5://p", host: "10.0.0.1", port: 443,
		start: cat(5, 1, 0),
		reply: cat(5, 0, 5, 0, 0, 3, 200, "abc"), eof: true, sent: socks5Req, n: -1, err: ErrTruncated,
	},

	// HTTP CONNECT.
	{
		name: "connect established", proxy: "http://p", host: "example.com", port: 443,
		start: cat("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
		reply: cat("HTTP/1.1 200 Connection established\r\n\r\n", tlsHello), n: 39, done: true,
	},
	{
		name: "connect credentials and proxy header", proxy: "https://user:pw@p", host: "example.com", port: 443,
		header: http.Header{"X-Proxy-Token": {"t"}, "Via": {"a", "b"}},
		start: cat("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n",
			"Proxy-Authorization: Basic dXNlcjpwdw==\r\nVia: a\r\nVia: b\r\nX-Proxy-Token: t\r\n\r\n"),
		reply: cat("HTTP/1.0 200 OK\r\nVia: p\r\n\r\n"), n: -1, done: true,
	},
	{
		name: "connect header overrides", proxy: "http://user:pw@p", host: "example.com", port: 443,
		header: http.Header{"Proxy-Authorization": {"Bearer x"}, "Host": {"other:1"}, "User-Agent": {"ua"}, "Content-Length": {"5"}},
		start: cat("CONNECT example.com:443 HTTP/1.1\r\nHost: other:1\r\n",
			"Proxy-Authorization: Bearer x\r\nUser-Agent: ua\r\n\r\n"),
		reply: cat("HTTP/1.1 204 No Content\r\n\r\n"), n: -1, done: true,
	},
	{
		name: "connect IPv6", proxy: "http://p", host: "2001:db8::1", port: 8443,
		start: cat("CONNECT [2001:db8::1]:8443 HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n"),
		reply: cat("HTTP/1.1 200 OK\n\n", "x"), n: 17, done: true,
	},
	{
		name: "connect interim reply", proxy: "http://p", host: "h", port: 443,
		start: cat("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
		reply: cat("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", tlsHello), n: 44, done: true,
	},
	{
		name: "connect 2xx body framing ignored", proxy: "http://p", host: "h", port: 443,
		start: cat("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
		reply: cat("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "abcde"), n: 38, done: true,
	},
	{
		name: "connect 407", proxy: "http://user:pw@p", host: "h", port: 443,
		start: cat("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nProxy-Authorization: Basic dXNlcjpwdw==\r\n\r\n"),
		reply: cat("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 4\r\n\r\n", "deny"),
		n:     87, err: ErrTunnelRefused,
	},
	{
		name: "connect 403 closed", proxy: "http://p", host: "h", port: 443,
		start: cat("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
		reply: cat("HTTP/1.0 403 Forbidden\r\n\r\n"), eof: true, n: -1, err: ErrTunnelRefused,
	},
	{
		name: "connect not HTTP", proxy: "http://p", host: "h", port: 443,
		start: cat("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
		reply: cat("SSH-2.0-OpenSSH\r\n"), n: -1, err: ErrBadReply,
	},
	{
		name: "connect 101", proxy: "http://p", host: "h", port: 443,
		start: cat("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
		reply: cat("HTTP/1.1 101 Switching Protocols\r\n\r\n"), n: -1, err: ErrBadReply,
	},
	{
		name: "connect truncated", proxy: "http://p", host: "h", port: 443,
		start: cat("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
		reply: cat("HTTP/1.1 200 OK\r\nVia: p\r\n"), eof: true, n: -1, err: ErrTruncated,
	},
	{
		name: "connect closed at once", proxy: "http://p", host: "h", port: 443,
		start: cat("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
		eof:   true, n: 0, err: ErrTruncated,
	},
}

func TestHandshakes(t *testing.T) {
	for _, tt := range handshakeTests {
		t.Run(tt.name, func(t *testing.T) {
			wantN := tt.n
			if wantN < 0 {
				wantN = len(tt.reply)
			}
			for i, pieces := range splits(tt.reply) {
				u, err := Parse(tt.proxy)
				if err != nil {
					t.Fatal(err)
				}
				h, err := New(u, tt.host, tt.port, tt.header)
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if start := h.Start(); !bytes.Equal(start, tt.start) {
					t.Fatalf("Start() = %q, want %q", start, tt.start)
				}
				o := drive(t, h, pieces, tt.eof)
				// After an error n tells nothing; SOCKS still stops at the
				// byte that decided.
				nOK := o.n == wantN || o.err != nil && !u.IsSOCKS()
				if !bytes.Equal(o.sent, tt.sent) || !nOK || o.done != tt.done || !sameError(o.err, tt.err) {
					t.Fatalf("split %d: sent %q, consumed %d, done %v, err %v; want %q, %d, %v, %v",
						i, o.sent, o.n, o.done, o.err, tt.sent, wantN, tt.done, tt.err)
				}
			}
		})
	}
}

// sameError reports whether got matches want: both nil, got is a
// *ReplyError equal to want, or got wraps want.
func sameError(got, want error) bool {
	if want == nil || got == nil {
		return got == want
	}
	if w, ok := want.(*ReplyError); ok {
		var g *ReplyError
		return errors.As(got, &g) && *g == *w && errors.Is(got, ErrRejected)
	}
	return errors.Is(got, want)
}

func TestNewErrors(t *testing.T) {
	long := strings.Repeat("a", 256)
	tests := []struct {
		proxy, host string
		port        int
		header      http.Header
		err         error
	}{
		{proxy: "socks4://p", host: "example.com", port: 80, err: ErrBadTarget},
		{proxy: "socks4://p", host: "::1", port: 80, err: ErrBadTarget},
		{proxy: "socks4a://p", host: "[::1]", port: 80, err: ErrBadTarget},
		{proxy: "socks4a://p", host: long, port: 80, err: ErrNameTooLong},
		{proxy: "socks4://" + long + "@p", host: "10.0.0.1", port: 80, err: ErrCredentialsTooLong},
		{proxy: "socks4://a%00b@p", host: "10.0.0.1", port: 80, err: ErrBadURL},
		{proxy: "socks5://p", host: "example.com", port: 80, err: ErrBadTarget},
		{proxy: "socks5h://p", host: long, port: 80, err: ErrNameTooLong},
		{proxy: "socks5h://p", host: long + "." + long, port: 80, err: ErrNameTooLong},
		{proxy: "socks5://" + long + ":pw@p", host: "10.0.0.1", port: 80, err: ErrCredentialsTooLong},
		{proxy: "socks5://user:" + long + "@p", host: "10.0.0.1", port: 80, err: ErrCredentialsTooLong},
		{proxy: "socks5h://p", host: "", port: 80, err: ErrBadTarget},
		{proxy: "socks5h://p", host: "a b", port: 80, err: ErrBadTarget},
		{proxy: "socks5h://p", host: "a\x00b", port: 80, err: ErrBadTarget},
		{proxy: "socks4a://p", host: "a\x00b", port: 80, err: ErrBadTarget},
		{proxy: "socks5h://p", host: "h", port: 0, err: ErrBadTarget},
		{proxy: "socks5h://p", host: "h", port: 65536, err: ErrBadTarget},
		{proxy: "socks5h://p", host: "[h]", port: 80, err: ErrBadTarget},
		{proxy: "socks5h://p", host: "a:b", port: 80, err: ErrBadTarget},
		{proxy: "http://p", host: "h\r\nX-Injected: 1", port: 80, err: ErrBadTarget},
		{proxy: "http://p", host: "h", port: 80, header: http.Header{"X": {"a\r\nX-Injected: 1"}}, err: errInvalidRequest},
		{proxy: "http://p", host: "h", port: 80, header: http.Header{"Bad Name": {"a"}}, err: errInvalidRequest},
	}
	for _, tt := range tests {
		u, err := Parse(tt.proxy)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.proxy, err)
		}
		h, err := New(u, tt.host, tt.port, tt.header)
		if !errors.Is(err, tt.err) || h != nil {
			t.Errorf("New(%.40q, %.40q, %d) = %v, %v; want an error wrapping %v", tt.proxy, tt.host, tt.port, h, err, tt.err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "proxy: ") {
			t.Errorf("error %q does not start with \"proxy: \"", err)
		}
	}
	if _, err := New(&URL{Scheme: "ftp", Host: "p", Port: 1}, "h", 1, nil); !errors.Is(err, ErrBadURL) {
		t.Errorf("New with scheme ftp: %v", err)
	}
}

func TestReplyCodes(t *testing.T) {
	tests := []struct {
		version int
		code    byte
		msg     string
	}{
		{5, 1, "proxy: SOCKS5 server refused: general SOCKS server failure (reply 1)"},
		{5, 2, "proxy: SOCKS5 server refused: connection not allowed by ruleset (reply 2)"},
		{5, 3, "proxy: SOCKS5 server refused: network unreachable (reply 3)"},
		{5, 4, "proxy: SOCKS5 server refused: host unreachable (reply 4)"},
		{5, 5, "proxy: SOCKS5 server refused: connection refused (reply 5)"},
		{5, 6, "proxy: SOCKS5 server refused: TTL expired (reply 6)"},
		{5, 7, "proxy: SOCKS5 server refused: command not supported (reply 7)"},
		{5, 8, "proxy: SOCKS5 server refused: address type not supported (reply 8)"},
		{5, 9, "proxy: SOCKS5 server refused: unassigned reply code (reply 9)"},
		{5, 255, "proxy: SOCKS5 server refused: unassigned reply code (reply 255)"},
		{4, 91, "proxy: SOCKS4 server refused: request rejected or failed (reply 91)"},
		{4, 92, "proxy: SOCKS4 server refused: request rejected: the server cannot reach the client's identd (reply 92)"},
		{4, 93, "proxy: SOCKS4 server refused: request rejected: the client program and identd report different user ids (reply 93)"},
		{4, 0, "proxy: SOCKS4 server refused: unassigned reply code (reply 0)"},
		{4, 1, "proxy: SOCKS4 server refused: unassigned reply code (reply 1)"},
	}
	for _, tt := range tests {
		var h Handshake
		var reply []byte
		if tt.version == 5 {
			u, _ := Parse("socks5://p")
			h, _ = New(u, "10.0.0.1", 443, nil)
			reply = cat(5, 0, 5, int(tt.code), 0, 1, 0, 0, 0, 0, 0, 0)
		} else {
			u, _ := Parse("socks4://p")
			h, _ = New(u, "10.0.0.1", 443, nil)
			reply = cat(0, int(tt.code), 0, 0, 0, 0, 0, 0)
		}
		h.Start()
		o := drive(t, h, [][]byte{reply}, true)
		var re *ReplyError
		if !errors.As(o.err, &re) || !errors.Is(o.err, ErrRejected) || o.err.Error() != tt.msg {
			t.Errorf("SOCKS%d reply %d: %v, want %q", tt.version, tt.code, o.err, tt.msg)
		}
	}
}

// TestLongNameNeverResolvedLocally is the CVE-2023-38545 case: a name over
// 255 bytes for socks5h or socks4a fails before anything is sent, and no
// handshake that would send something else exists.
func TestLongNameNeverResolvedLocally(t *testing.T) {
	for _, proxy := range []string{"socks5h://p", "socks4a://p", "socks5h://u:pw@p"} {
		u, _ := Parse(proxy)
		for _, size := range []int{256, 300, 65536} {
			h, err := New(u, strings.Repeat("a", size), 443, nil)
			if h != nil || !errors.Is(err, ErrNameTooLong) {
				t.Errorf("%s, name of %d bytes: %v, %v; want ErrNameTooLong", proxy, size, h, err)
			}
		}
		if _, err := New(u, strings.Repeat("a", 255), 443, nil); err != nil {
			t.Errorf("%s, name of 255 bytes: %v", proxy, err)
		}
	}
}
