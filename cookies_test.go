//go:build linux

package xfer

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// TestJar: cookies set by a redirect reach its next hop, along with the application's own
// Cookie field; those of the final response reach the next transfer; a 1xx reply's are
// not stored. Over HTTP/1.1 and HTTP/2.
func TestJar(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) {
			testutil.CheckLeaks(t)
			var seen lockedList
			mux := http.NewServeMux()
			mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
				http.Redirect(w, r, "/home", http.StatusFound)
			})
			mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
				seen.add(r.Header.Get("Cookie"))
				w.Header().Add("Set-Cookie", "theme=dark; Path=/")
				w.WriteHeader(http.StatusEarlyHints) // its fields are not the response's
				w.Header().Del("Set-Cookie")
				http.SetCookie(w, &http.Cookie{Name: "visits", Value: "1", Path: "/"})
				w.Write([]byte("home"))
			})
			mux.HandleFunc("/again", func(w http.ResponseWriter, r *http.Request) {
				seen.add(r.Header.Get("Cookie"))
			})
			var url string
			var cfg *h2Server
			if h2 {
				cfg = newH2Server(t, mux, nil)
				url = cfg.URL
			} else {
				srv := httptest.NewServer(mux)
				t.Cleanup(srv.Close)
				url = srv.URL
			}
			jar, _ := cookiejar.New(nil)
			l := newEpollLoop(t, MultiOptions{})
			get := func(path string, hdr http.Header) {
				t.Helper()
				e := NewEasy(url + path)
				e.Jar, e.Header, e.FollowLocation = jar, hdr, true
				if cfg != nil {
					e.TLSConfig = cfg.cfg
				}
				l.m.Add(e)
				l.run(l.ndone+1, 5*time.Second)
				if err := l.done[e]; err != nil || e.Status() != 200 {
					t.Fatalf("%s: %v, status %d", path, err, e.Status())
				}
			}
			get("/login", http.Header{"Cookie": {"app=1"}})
			if got := seen.last(); got != "app=1; session=s1" {
				t.Errorf("after the redirect, Cookie %q", got)
			}
			get("/again", nil)
			if got := seen.last(); got != "session=s1; visits=1" {
				t.Errorf("next transfer, Cookie %q", got)
			}
		})
	}
}
