// Nethttp fetches URLs with an ordinary http.Client whose Transport is xferhttp's: the
// requests run on a few xfer event loops instead of a goroutine pair per connection, while
// the program is written against net/http alone (redirects and cookies are http.Client's).
//
// Usage:
//
//	nethttp [-loops N] [-parallel N] [-timeout D] URL...
//	nethttp -demo
//
// Each URL is fetched in a goroutine of its own, at most -parallel at a time, and prints
//
//	<status-or-error> <bytes> <seconds> <url>
//
// With -demo it serves 50 bodies of up to 1 MiB, some behind a redirect, on 127.0.0.1 and
// fetches those, so it needs no network:
//
//	go run ./examples/nethttp -demo
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/xfer-go/xfer/xferhttp"
)

func main() {
	loops := flag.Int("loops", 0, "event loops (0: GOMAXPROCS)")
	parallel := flag.Int("parallel", 16, "requests at a time")
	timeout := flag.Duration("timeout", time.Minute, "limit for each request")
	demo := flag.Bool("demo", false, "fetch from a local demo server")
	flag.Parse()
	urls := flag.Args()
	if *demo {
		srv := demoServer()
		defer srv.Close()
		for i := range 50 {
			path := "/bytes?n=" + strconv.Itoa(i*i*420)
			if i%5 == 0 {
				path = "/redirect?to=" + path
			}
			urls = append(urls, srv.URL+path)
		}
	}
	if len(urls) == 0 {
		fmt.Fprintln(os.Stderr, "usage: nethttp [-loops N] [-parallel N] [-timeout D] URL... | -demo")
		os.Exit(2)
	}

	transport := &xferhttp.Transport{Loops: *loops}
	defer transport.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Transport: transport, Jar: jar, Timeout: *timeout}

	var failed bool
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, max(*parallel, 1))
	for _, u := range urls {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			line, ok := fetch(client, u)
			mu.Lock()
			defer mu.Unlock()
			failed = failed || !ok
			fmt.Println(line)
		})
	}
	wg.Wait()
	if failed {
		transport.Close()
		os.Exit(1)
	}
}

// fetch GETs u, counts its body, and describes the result.
func fetch(client *http.Client, u string) (string, bool) {
	start := time.Now()
	resp, err := client.Get(u)
	if err != nil {
		return fmt.Sprintf("%v 0 %.3fs %s", err, time.Since(start).Seconds(), u), false
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	secs := time.Since(start).Seconds()
	if err != nil {
		return fmt.Sprintf("%v %d %.3fs %s", err, n, secs, u), false
	}
	return fmt.Sprintf("%d %d %.3fs %s", resp.StatusCode, n, secs, u), resp.StatusCode < 400
}

// demoServer serves /bytes?n=N and /redirect?to=PATH on 127.0.0.1.
func demoServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/bytes", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		block := make([]byte, 32<<10)
		for n > 0 {
			k, err := w.Write(block[:min(n, len(block))])
			if err != nil {
				return
			}
			n -= k
		}
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	srv.Start()
	return srv
}
