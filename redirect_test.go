//go:build linux

package xfer

import (
	"errors"
	"net"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

func TestPlanRedirect(t *testing.T) {
	const first = "http://a.test:80"
	cases := []struct {
		name   string
		cur    string
		status int
		method string
		loc    string
		want   redirectHop
		code   Code
	}{
		{"relative path", "http://a.test/x/y", 302, "GET", "z", redirectHop{url: "http://a.test/x/z", method: "GET"}, 0},
		{"absolute path", "http://a.test/x/y", 301, "GET", "/z?q=1", redirectHop{url: "http://a.test/z?q=1", method: "GET"}, 0},
		{"spaces around", "http://a.test/", 302, "GET", "  /z \t", redirectHop{url: "http://a.test/z", method: "GET"}, 0},
		{"301 POST becomes GET", "http://a.test/", 301, "POST", "/z", redirectHop{url: "http://a.test/z", method: "GET", dropBody: true}, 0},
		{"302 POST becomes GET", "http://a.test/", 302, "POST", "/z", redirectHop{url: "http://a.test/z", method: "GET", dropBody: true}, 0},
		{"302 PUT stays", "http://a.test/", 302, "PUT", "/z", redirectHop{url: "http://a.test/z", method: "PUT"}, 0},
		{"303 PUT becomes GET", "http://a.test/", 303, "PUT", "/z", redirectHop{url: "http://a.test/z", method: "GET", dropBody: true}, 0},
		{"303 HEAD stays", "http://a.test/", 303, "HEAD", "/z", redirectHop{url: "http://a.test/z", method: "HEAD"}, 0},
		{"307 POST stays", "http://a.test/", 307, "POST", "/z", redirectHop{url: "http://a.test/z", method: "POST"}, 0},
		{"308 POST stays", "http://a.test/", 308, "POST", "/z", redirectHop{url: "http://a.test/z", method: "POST"}, 0},
		{"other host", "http://a.test/", 302, "GET", "http://b.test/z", redirectHop{url: "http://b.test/z", method: "GET", leftOrigin: true}, 0},
		{"other port", "http://a.test/", 302, "GET", "http://a.test:8080/z", redirectHop{url: "http://a.test:8080/z", method: "GET", leftOrigin: true}, 0},
		{"other scheme", "http://a.test/", 302, "GET", "https://a.test/z", redirectHop{url: "https://a.test/z", method: "GET", leftOrigin: true}, 0},
		{"default port written", "http://a.test/", 302, "GET", "http://A.TEST:80/z", redirectHop{url: "http://A.TEST:80/z", method: "GET"}, 0},
		{"scheme-relative", "http://a.test/", 302, "GET", "//b.test/z", redirectHop{url: "http://b.test/z", method: "GET", leftOrigin: true}, 0},
		{"back to the first origin", "http://b.test/", 302, "GET", "http://a.test/z", redirectHop{url: "http://a.test/z", method: "GET"}, 0},
		{"file scheme", "http://a.test/", 302, "GET", "file:///etc/passwd", redirectHop{}, ErrUnsupportedProtocol},
		{"no host", "http://a.test/", 302, "GET", "http:///z", redirectHop{}, ErrURLMalformat},
		{"bad port", "http://a.test/", 302, "GET", "http://a.test:99999/", redirectHop{}, ErrURLMalformat},
		{"unparsable", "http://a.test/", 302, "GET", "http://[::1/", redirectHop{}, ErrURLMalformat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, code, err := planRedirect(c.cur, c.status, c.method, c.loc, first)
			if code != c.code || (err != nil) != (c.code != 0) {
				t.Fatalf("code %d, err %v; want code %d", code, err, c.code)
			}
			if got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestIsRedirect(t *testing.T) {
	for status := 100; status < 600; status++ {
		want := status == 301 || status == 302 || status == 303 || status == 307 || status == 308
		if isRedirect(status) != want {
			t.Errorf("isRedirect(%d) = %v", status, !want)
		}
	}
}

func TestWithoutCredentials(t *testing.T) {
	h := http.Header{
		"Authorization":       {"Basic eA=="},
		"Cookie":              {"a=b"},
		"Proxy-Authorization": {"Basic eQ=="},
		"Accept":              {"*/*"},
		"X-Token":             {"kept: not a credential field"},
	}
	got := withoutCredentials(h)
	want := http.Header{"Accept": {"*/*"}, "X-Token": {"kept: not a credential field"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	if len(h) != 5 {
		t.Fatalf("the original header changed: %v", h)
	}
	// A key written into the map by hand need not be canonical: it is a credential all
	// the same.
	if got := withoutCredentials(http.Header{"authorization": {"Basic eA=="}, "COOKIE": {"a=b"}}); len(got) != 0 {
		t.Fatalf("lowercase and uppercase keys kept: %v", got)
	}
	if got := withoutCredentials(nil); len(got) != 0 {
		t.Fatalf("nil header: %v", got)
	}
}

// TestErrorURLIsEffective checks that a transfer that fails after a redirect reports the
// URL it failed on, in Error.URL as in Info.EffectiveURL.
func TestErrorURLIsEffective(t *testing.T) {
	testutil.CheckLeaks(t)
	refused := closedPort(t) + "/gone"
	start := rawServer(t, func(c net.Conn) {
		readRequest(c)
		c.Write([]byte("HTTP/1.1 302 Found\r\nLocation: " + refused + "\r\nContent-Length: 0\r\n\r\n"))
	})
	e := NewEasy(start + "/start")
	e.FollowLocation = true
	err := e.Perform(t.Context())
	var xe *Error
	if !errors.As(err, &xe) || xe.Code != ErrCouldntConnect {
		t.Fatalf("err %v", err)
	}
	if xe.URL != refused || e.Info().EffectiveURL != refused {
		t.Fatalf("Error.URL %q, EffectiveURL %q, want %q", xe.URL, e.Info().EffectiveURL, refused)
	}
}

// TestRedirectHTTP2 follows a redirect over HTTP/2: the next hop starts, on the same
// connection.
func TestRedirectHTTP2(t *testing.T) {
	testutil.CheckLeaks(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/from", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/to", http.StatusFound)
	})
	mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("here")) })
	srv := newH2Server(t, mux, nil)
	l := newEpollLoop(t, MultiOptions{})
	var got []byte
	e := NewEasy(srv.URL + "/from")
	e.FollowLocation = true
	e.TLSConfig = srv.cfg
	e.Write = collect(&got)
	l.m.Add(e)
	l.run(1, 5*time.Second)
	if err := l.done[e]; err != nil || e.Status() != 200 || string(got) != "here" || e.Info().RedirectCount != 1 {
		t.Fatalf("%v, status %d, body %q, info %+v", err, e.Status(), got, e.Info())
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}
