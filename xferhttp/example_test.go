package xferhttp_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/xferhttp"
)

// An http.Client switches to xfer's engine by its Transport field; redirects, cookies and
// everything else of http.Client stay as they were.
func ExampleTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		fmt.Fprintf(w, "hello from %s", r.URL.Path)
	}))
	defer srv.Close()

	t := &xferhttp.Transport{Loops: 2}
	defer t.Close() // ends the loops
	client := &http.Client{Transport: t}

	resp, err := client.Get(srv.URL + "/old")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, resp.Proto, string(body))
	// Output: 200 OK HTTP/1.1 hello from /new
}

// Per-request engine options are set by the Easy hook: here a limit on the whole transfer,
// which ends with an error that errors.Is matches to xfer.ErrOperationTimedOut.
func ExampleTransport_easy() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
			return
		}
		fmt.Fprint(w, "quick")
	}))
	defer srv.Close()

	t := &xferhttp.Transport{
		Loops: 1,
		Multi: xfer.MultiOptions{MaxHostConnections: 8},
		Easy: func(req *http.Request, e *xfer.Easy) {
			e.Timeout = 100 * time.Millisecond
		},
	}
	defer t.Close()
	client := &http.Client{Transport: t}

	for _, path := range []string{"/quick", "/slow"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			fmt.Println(path, "timed out:", errors.Is(err, xfer.ErrOperationTimedOut))
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(path, resp.StatusCode, string(body))
	}
	// Output:
	// /quick 200 quick
	// /slow timed out: true
}
