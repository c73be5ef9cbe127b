package proxy

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xfer-go/xfer/internal/http1"
	"github.com/xfer-go/xfer/internal/testutil"
)

// fuzzProxies are the handshakes FuzzReplies drives: each kind of reply
// parser, with and without authentication.
var fuzzProxies = []struct{ proxy, host string }{
	{"socks4://u@p", "10.0.0.1"},
	{"socks4a://p", "example.com"},
	{"socks5://p", "10.0.0.1"},
	{"socks5://user:pw@p", "2001:db8::1"},
	{"socks5h://user:pw@p", "example.com"},
	{"http://user:pw@p", "example.com"},
}

// FuzzReplies feeds arbitrary bytes, in arbitrary pieces, to the SOCKS4,
// SOCKS5 and CONNECT handshakes, and reads them as a NO_PROXY list and a
// proxy URL. Nothing may panic, and a handshake must reach the same result
// however the bytes are cut: the same bytes to send, the same end, the
// same error, and, when done, the same count consumed.
func FuzzReplies(f *testing.F) {
	for i, tt := range handshakeTests {
		f.Add(tt.reply, uint64(i))
	}
	for i, tt := range noProxyTests {
		f.Add([]byte(tt.list), uint64(i))
	}
	f.Add([]byte("socks5h://us%3Aer:p%40ss@[::1]:1080/"), uint64(1))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		for _, p := range fuzzProxies {
			u, err := Parse(p.proxy)
			if err != nil {
				t.Fatal(err)
			}
			ways := [][][]byte{{data}, testutil.RandomSplit(data, seed)}
			if len(data) <= 512 {
				var bytewise [][]byte
				for i := range data {
					bytewise = append(bytewise, data[i:i+1])
				}
				ways = append(ways, bytewise)
			}
			var first outcome
			for i, pieces := range ways {
				h, err := New(u, p.host, 443, nil)
				if err != nil {
					t.Fatal(err)
				}
				h.Start()
				o := drive(t, h, pieces, true)
				if o.done && o.n > len(data) {
					t.Fatalf("%s: consumed %d of %d bytes", p.proxy, o.n, len(data))
				}
				if i == 0 {
					first = o
					continue
				}
				// The HTTP/1.x parser may judge a bad reply from its first
				// bytes, or from its whole first line, with other words: the
				// kind of error is the same, and n tells nothing then.
				nSame := o.n == first.n || o.err != nil && !u.IsSOCKS()
				errSame := errString(o.err) == errString(first.err) || !u.IsSOCKS() && errClass(o.err) == errClass(first.err)
				if !bytes.Equal(o.sent, first.sent) || o.done != first.done || !nSame || !errSame {
					t.Fatalf("%s: split %d: sent %q, consumed %d, done %v, %v; whole: %q, %d, %v, %v",
						p.proxy, i, o.sent, o.n, o.done, o.err, first.sent, first.n, first.done, first.err)
				}
			}
		}

		s := string(data)
		np := ParseNoProxy(s)
		for _, host := range []string{s, "example.com", "www.example.com", "10.0.0.1", "[::1]", "::1", "1.2.3", ""} {
			if np.Match(host) != np.Match(upperASCII(host)) {
				t.Fatalf("ParseNoProxy(%q): Match(%q) depends on case", s, host)
			}
		}

		if u, err := Parse(s); err == nil && !strings.Contains(u.Host, "%") {
			v, err := Parse(u.Key())
			if err != nil || *v != *u {
				t.Fatalf("Parse(%q) = %+v; Parse of its key %q = %+v, %v", s, *u, u.Key(), v, err)
			}
		}
	})
}

// upperASCII returns s with ASCII lower case letters raised.
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// errClass names the sentinel errors that err wraps.
func errClass(err error) string {
	var names []string
	for _, e := range []error{
		ErrBadURL, ErrBadTarget, ErrNameTooLong, ErrCredentialsTooLong, ErrBadVersion, ErrNoAcceptableMethod,
		ErrAuthRejected, ErrRejected, ErrBadReply, ErrTruncated, ErrTunnelRefused,
		http1.ErrWeirdReply, http1.ErrHeaderTooLarge, http1.ErrBadContentLength, http1.ErrNoResponse, http1.ErrTruncatedHeader,
	} {
		if errors.Is(err, e) {
			names = append(names, e.Error())
		}
	}
	return strings.Join(names, ", ")
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
