//go:build linux

package xferhttp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/internal/testutil"
)

// randomBytes returns n bytes that do not compress.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 7))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// newTransport returns a Transport with loops loops, closed when the test ends.
func newTransport(t *testing.T, loops int) *Transport {
	xt := &Transport{Loops: loops}
	t.Cleanup(func() { xt.Close() })
	return xt
}

// waitFor fails the test unless cond holds within limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRedirectsAndCookies(t *testing.T) {
	testutil.CheckLeaks(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t", Path: "/"})
		http.Redirect(w, r, "/hop1", http.StatusFound)
	})
	mux.HandleFunc("/hop1", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/home", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil {
			http.Error(w, "no cookie", http.StatusForbidden)
			return
		}
		fmt.Fprintf(w, "welcome %s", c.Value)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Transport: newTransport(t, 2), Jar: jar}
	resp, err := client.Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "welcome s3cr3t" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if resp.Request.URL.Path != "/home" {
		t.Errorf("final request for %s", resp.Request.URL.Path)
	}
}

// TestSlowReaderBoundedHeap reads a large body slowly: the transfer pauses while the
// buffer is full, so the heap stays bounded whatever the body's size.
func TestSlowReaderBoundedHeap(t *testing.T) {
	testutil.CheckLeaks(t)
	const total = 48 << 20
	chunk := randomBytes(64 << 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(total))
		for sent := 0; sent < total; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: newTransport(t, 1)}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	buf := make([]byte, 32<<10)
	var got int64
	for i := 0; ; i++ {
		n, err := resp.Body.Read(buf)
		got += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i%32 == 0 {
			time.Sleep(5 * time.Millisecond) // 1 MiB at a time: slower than the loopback by far
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if got != total {
		t.Fatalf("read %d bytes, want %d", got, total)
	}
	if growth := int64(peak) - int64(base); growth > 8<<20 {
		t.Errorf("heap grew by %d MiB while reading a %d MiB body", growth>>20, total>>20)
	}
}

// streamServer serves an endless body and reports when a handler sees its client gone.
func streamServer(t *testing.T, headerFirst bool) (srv *httptest.Server, started, gone chan struct{}) {
	started, gone = make(chan struct{}, 16), make(chan struct{}, 16)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !headerFirst {
			started <- struct{}{}
			<-r.Context().Done()
			gone <- struct{}{}
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		started <- struct{}{}
		block := make([]byte, 16<<10)
		for {
			if _, err := w.Write(block); err != nil {
				break
			}
		}
		<-r.Context().Done()
		gone <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return srv, started, gone
}

// within fails unless ch delivers within limit.
func within(t *testing.T, ch <-chan struct{}, limit time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(limit):
		t.Fatalf("%s did not happen within %v", what, limit)
	}
}

func TestBodyCloseMidBody(t *testing.T) {
	testutil.CheckLeaks(t)
	srv, started, gone := streamServer(t, true)
	client := &http.Client{Transport: newTransport(t, 1)}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	within(t, started, 5*time.Second, "the handler's start")
	if _, err := io.ReadFull(resp.Body, make([]byte, 100<<10)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	within(t, gone, 2*time.Second, "the server seeing the close")
	if _, err := resp.Body.Read(make([]byte, 10)); err == nil {
		t.Error("Read after Close succeeded")
	}
}

func TestCancelMidHeaders(t *testing.T) {
	testutil.CheckLeaks(t)
	srv, started, gone := streamServer(t, false)
	client := &http.Client{Transport: newTransport(t, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	_, err := client.Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	within(t, gone, 2*time.Second, "the server seeing the cancel")
}

func TestCancelMidBody(t *testing.T) {
	testutil.CheckLeaks(t)
	srv, started, gone := streamServer(t, true)
	client := &http.Client{Transport: newTransport(t, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	within(t, started, 5*time.Second, "the handler's start")
	io.ReadFull(resp.Body, make([]byte, 64<<10))
	cancel()
	_, err = io.Copy(io.Discard, resp.Body)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	within(t, gone, 2*time.Second, "the server seeing the cancel")
}

func TestDeadline(t *testing.T) {
	testutil.CheckLeaks(t)
	srv, _, gone := streamServer(t, false)
	client := &http.Client{Transport: newTransport(t, 1), Timeout: 100 * time.Millisecond}
	_, err := client.Get(srv.URL)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	within(t, gone, 2*time.Second, "the server seeing the timeout")
}

// TestEasyHook: the per-request options reach the engine; its timeout ends the transfer.
func TestEasyHook(t *testing.T) {
	testutil.CheckLeaks(t)
	srv, _, gone := streamServer(t, false)
	xt := &Transport{Loops: 1, Easy: func(req *http.Request, e *xfer.Easy) {
		e.Timeout = 50 * time.Millisecond
		e.URL = "http://127.0.0.1:1/ignored" // not the hook's to set: overwritten
	}}
	defer xt.Close()
	_, err := (&http.Client{Transport: xt}).Get(srv.URL)
	if !errors.Is(err, xfer.ErrOperationTimedOut) {
		t.Fatalf("got %v, want ErrOperationTimedOut", err)
	}
	within(t, gone, 2*time.Second, "the server seeing the timeout")
}

func TestConnectRefused(t *testing.T) {
	testutil.CheckLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = (&http.Client{Transport: newTransport(t, 1)}).Get("http://" + addr + "/")
	if !errors.Is(err, xfer.ErrCouldntConnect) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v, want ErrCouldntConnect and ECONNREFUSED", err)
	}
	var xe *xfer.Error
	if !errors.As(err, &xe) {
		t.Errorf("%v does not wrap an *xfer.Error", err)
	}
}

// echoServer echoes request bodies, once read whole (the engine sends the whole request
// before it reads the reply), and tells how they were framed.
func echoServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		w.Header().Set("X-Te", fmt.Sprint(r.TransferEncoding))
		w.Header().Set("X-Len", strconv.FormatInt(r.ContentLength, 10))
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestUpload8MiB(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := echoServer(t)
	client := &http.Client{Transport: newTransport(t, 2)}
	data := randomBytes(8 << 20)
	want := sha256.Sum256(data)
	for _, known := range []bool{true, false} {
		t.Run(fmt.Sprintf("known=%v", known), func(t *testing.T) {
			var body io.Reader = bytes.NewReader(data)
			if !known {
				pr, pw := io.Pipe()
				go func() {
					for rest := data; len(rest) > 0; {
						n := min(len(rest), 10000)
						pw.Write(rest[:n])
						rest = rest[n:]
					}
					pw.Close()
				}()
				body = pr
			}
			resp, err := client.Post(srv.URL, "application/octet-stream", body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(got) != want || len(got) != len(data) {
				t.Fatalf("echoed %d bytes, not the %d sent", len(got), len(data))
			}
			te, n := resp.Header.Get("X-Te"), resp.Header.Get("X-Len")
			if known && (te != "[]" || n != strconv.Itoa(len(data))) || !known && (te != "[chunked]" || n != "-1") {
				t.Errorf("framed as te=%s len=%s", te, n)
			}
		})
	}
}

// closeCounter is a request body that records its Close.
type closeCounter struct {
	io.Reader
	closed atomic.Int32
}

func (c *closeCounter) Close() error { c.closed.Add(1); return nil }

// TestRequestBodyClosed: Request.Body is closed on success and on every failure.
func TestRequestBodyClosed(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := echoServer(t)
	xt := newTransport(t, 1)
	ok := &closeCounter{Reader: bytes.NewReader([]byte("abc"))}
	req, _ := http.NewRequest("POST", srv.URL, ok)
	resp, err := xt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	bad := &closeCounter{Reader: bytes.NewReader([]byte("abc"))}
	req, _ = http.NewRequest("POST", "ftp://127.0.0.1/", bad)
	xt.RoundTrip(req)
	waitFor(t, time.Second, "the bodies' Close", func() bool { return ok.closed.Load() == 1 && bad.closed.Load() == 1 })
}

// TestBlockedUploadCanceled: a body whose Read blocks does not hold up cancellation, and
// is closed.
func TestBlockedUploadCanceled(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := echoServer(t)
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("the start, then nothing"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL, pr)
	_, err := (&http.Client{Transport: newTransport(t, 1)}).Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	waitFor(t, 2*time.Second, "the request body's close", func() bool {
		_, err := pw.Write([]byte("x")) // read by the pump until the body is closed
		return errors.Is(err, io.ErrClosedPipe)
	})
}

// TestReplayWithGetBody: a reused connection that the server drops after reading the
// request makes the engine send it again on a new connection; the body comes from GetBody.
func TestReplayWithGetBody(t *testing.T) {
	testutil.CheckLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	bodies := make(chan string, 4)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for i := 0; ; i++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					b, _ := io.ReadAll(req.Body)
					if n == 0 && i == 1 {
						return // the first connection dies under its second request
					}
					bodies <- string(b)
					fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(b), b)
				}
			})
		}
	})
	client := &http.Client{Transport: newTransport(t, 1)}
	var calls atomic.Int32
	for i, payload := range []string{"first", "second, replayed"} {
		req, _ := http.NewRequest("PUT", "http://"+ln.Addr().String()+"/", bytes.NewReader([]byte(payload)))
		getBody := req.GetBody
		req.GetBody = func() (io.ReadCloser, error) { calls.Add(1); return getBody() }
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != payload || <-bodies != payload {
			t.Fatalf("request %d: echoed %q", i, b)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("GetBody called %d times, want 1", calls.Load())
	}
	client.Transport.(*Transport).Close()
	ln.Close()
}

// TestConcurrent runs 1,000 requests at once from as many goroutines.
func TestConcurrent(t *testing.T) {
	for _, loops := range []int{1, 4} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			testutil.CheckLeaks(t)
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "reply to %s", r.URL.Query().Get("i"))
			}))
			srv.Config.ReadTimeout = 30 * time.Second
			srv.Start()
			defer srv.Close()
			client := &http.Client{Transport: newTransport(t, loops)}
			var wg sync.WaitGroup
			var failed atomic.Int32
			start := make(chan struct{})
			for i := range 1000 {
				wg.Go(func() {
					<-start
					resp, err := client.Get(srv.URL + "/?i=" + strconv.Itoa(i))
					if err != nil {
						t.Error(err)
						failed.Add(1)
						return
					}
					b, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || string(b) != "reply to "+strconv.Itoa(i) {
						t.Errorf("request %d: %q %v", i, b, err)
						failed.Add(1)
					}
				})
			}
			close(start)
			wg.Wait()
			if failed.Load() > 0 {
				t.Fatalf("%d of 1000 failed", failed.Load())
			}
		})
	}
}

// TestMaxHostConnections: the Multi's limit holds, as the server counts connections.
func TestMaxHostConnections(t *testing.T) {
	testutil.CheckLeaks(t)
	var open, peak atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			n := open.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	xt := &Transport{Loops: 1, Multi: xfer.MultiOptions{MaxHostConnections: 3}}
	defer xt.Close()
	client := &http.Client{Transport: xt}
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			resp, err := client.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p == 0 {
		t.Errorf("the server saw %d connections at once, limit 3", p)
	}
	xt.CloseIdleConnections()
	waitFor(t, 2*time.Second, "the idle connections' close", func() bool { return open.Load() == 0 })
}

// TestCloseInFlight: Close fails the requests in flight, waiting for headers or reading a
// body, and ends every loop.
func TestCloseInFlight(t *testing.T) {
	testutil.CheckLeaks(t)
	waiting, _, _ := streamServer(t, false)
	streaming, started, _ := streamServer(t, true)
	xt := &Transport{Loops: 2}
	client := &http.Client{Transport: xt}
	resp, err := client.Get(streaming.URL)
	if err != nil {
		t.Fatal(err)
	}
	<-started
	errs := make(chan error, 5)
	for range 5 {
		go func() {
			_, err := client.Get(waiting.URL)
			errs <- err
		}()
	}
	waitFor(t, 5*time.Second, "the requests in flight", func() bool {
		n := int32(0)
		for _, l := range *xt.loops.Load() {
			n += l.load.Load()
		}
		return n == 6
	})
	xt.Close()
	for range 5 {
		if err := <-errs; !errors.Is(err, ErrClosed) {
			t.Errorf("a request waiting for headers got %v, want ErrClosed", err)
		}
	}
	if _, err := io.Copy(io.Discard, resp.Body); !errors.Is(err, ErrClosed) {
		t.Errorf("a body being read got %v, want ErrClosed", err)
	}
	resp.Body.Close()
	if _, err := client.Get(waiting.URL); !errors.Is(err, ErrClosed) {
		t.Errorf("a request after Close got %v, want ErrClosed", err)
	}
}

// TestZeroValue: the zero Transport works, with GOMAXPROCS loops.
func TestZeroValue(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := echoServer(t)
	var xt Transport
	defer xt.Close()
	resp, err := (&http.Client{Transport: &xt}).Post(srv.URL, "text/plain", bytes.NewReader([]byte("zero")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "zero" {
		t.Fatalf("got %q", b)
	}
	if n := len(*xt.loops.Load()); n != runtime.GOMAXPROCS(0) {
		t.Errorf("%d loops, want GOMAXPROCS", n)
	}
}

// TestReuse: sequential requests to one origin use one connection.
func TestReuse(t *testing.T) {
	testutil.CheckLeaks(t)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	client := &http.Client{Transport: newTransport(t, 4)}
	for range 50 {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("50 sequential requests opened %d connections", n)
	}
}
