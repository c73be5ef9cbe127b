//go:build linux

package xfer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/http2/h2fault"
	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/net/http2"
)

// newH2Fault starts an h2fault server (cleartext HTTP/2) that runs behave on each
// connection, told which connection it is (0, 1, ...).
func newH2Fault(t *testing.T, behave func(n int) h2fault.Behavior) *h2fault.Server {
	var conns atomic.Int32
	srv, err := h2fault.New(func(p *h2fault.Peer) error {
		return behave(int(conns.Add(1) - 1))(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// priorKnowledge returns an Easy for url that speaks HTTP/2 on cleartext.
func priorKnowledge(url string) *Easy {
	e := NewEasy(url)
	e.HTTPVersion = HTTPVersion2PriorKnowledge
	e.PipeWait = true
	return e
}

// countHeaders counts the requests (HEADERS frames) a server received.
func countHeaders(r h2fault.Record) int {
	n := 0
	for _, f := range r.Frames {
		if f.Type == http2.FrameHeaders {
			n++
		}
	}
	return n
}

// TestHTTP2GoAwayInFlight: the server answers the first of five streams and sends GOAWAY
// for the others, unprocessed; they are sent again on a new connection and succeed.
func TestHTTP2GoAwayInFlight(t *testing.T) {
	testutil.CheckLeaks(t)
	body := bodyFor(5000, 1)
	srv := newH2Fault(t, func(n int) h2fault.Behavior {
		if n == 0 {
			return h2fault.GoAwayInFlight(5, body)
		}
		return h2fault.Respond(body)
	})
	l := newEpollLoop(t, MultiOptions{})
	got := map[*Easy]*bytes.Buffer{}
	for range 5 {
		e := priorKnowledge("http://" + srv.Addr + "/")
		buf := new(bytes.Buffer)
		got[e] = buf
		e.Write = buf.Write
		l.m.Add(e)
	}
	l.run(5, 10*time.Second)
	for e, buf := range got {
		if err := l.done[e]; err != nil || !bytes.Equal(buf.Bytes(), body) {
			t.Fatalf("%v, %d bytes", err, buf.Len())
		}
	}
	if n := countHeaders(srv.Record()); n != 9 {
		t.Fatalf("the server received %d requests, want 5 then the 4 unprocessed ones again", n)
	}
}

// TestHTTP2AlwaysRefused: a server that refuses every stream gets the request six times
// (five retries), then the transfer fails with ErrHTTP2Stream.
func TestHTTP2AlwaysRefused(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newH2Fault(t, func(int) h2fault.Behavior { return h2fault.ResetAll(http2.ErrCodeRefusedStream) })
	l := newEpollLoop(t, MultiOptions{})
	e := priorKnowledge("http://" + srv.Addr + "/")
	l.m.Add(e)
	l.run(1, 10*time.Second)
	if err := l.done[e]; !errors.Is(err, ErrHTTP2Stream) {
		t.Fatalf("err %v", err)
	}
	if n := countHeaders(srv.Record()); n != 1+maxRefusals {
		t.Fatalf("the request was sent %d times", n)
	}
	// ENHANCE_YOUR_CALM is never sent again.
	calm := newH2Fault(t, func(int) h2fault.Behavior { return h2fault.ResetAll(http2.ErrCodeEnhanceYourCalm) })
	e2 := priorKnowledge("http://" + calm.Addr + "/")
	l.m.Add(e2)
	l.run(2, 10*time.Second)
	if err := l.done[e2]; !errors.Is(err, ErrHTTP2Stream) || countHeaders(calm.Record()) != 1 {
		t.Fatalf("err %v after %d requests", err, countHeaders(calm.Record()))
	}
}

// TestHTTP2ConnectionErrors: each bad thing a server can do ends the connection's
// transfers with ErrHTTP2, and leaks nothing.
func TestHTTP2ConnectionErrors(t *testing.T) {
	pause := func(e *Easy) { // no window is given back: the server must stop at it
		e.Write = func([]byte) (int, error) { return 0, ErrPause }
	}
	cases := []struct {
		name   string
		behave h2fault.Behavior
		mod    func(e *Easy)
	}{
		{"continuation flood", h2fault.ContinuationFlood(2000), nil},
		{"push promise", h2fault.PushPromise(), nil},
		{"oversized frame", h2fault.OversizedFrame(1 << 20), nil},
		{"data beyond window", h2fault.DataBeyondWindow(1 << 20), pause},
		{"ping flood", h2fault.PingFlood(100000), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			srv := newH2Fault(t, func(int) h2fault.Behavior { return c.behave })
			l := newEpollLoop(t, MultiOptions{})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			e := priorKnowledge("http://" + srv.Addr + "/")
			if c.mod != nil {
				c.mod(e)
			}
			l.m.Add(e)
			l.run(1, 20*time.Second)
			runtime.ReadMemStats(&after)
			if err := l.done[e]; !errors.Is(err, ErrHTTP2) {
				t.Fatalf("err %v", err)
			}
			if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 16<<20 {
				t.Fatalf("the heap grew by %d bytes", grew)
			}
			if len(l.watched) != 0 {
				t.Fatalf("still watched: %v", l.watched)
			}
		})
	}
}

// TestHTTP2RequiresHTTP11: a server that answers HTTP/2 with HTTP_1_1_REQUIRED gets the
// request again over HTTP/1.1.
func TestHTTP2RequiresHTTP11(t *testing.T) {
	testutil.CheckLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var h1, h2 atomic.Int32
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				r := bufio.NewReader(c)
				first, err := r.Peek(3)
				if err != nil {
					return
				}
				if string(first) != "PRI" {
					h1.Add(1)
					readRequest(&bufConn{Conn: c, r: r})
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh1")
					return
				}
				h2.Add(1)
				io.ReadFull(r, make([]byte, len(http2.ClientPreface)))
				fr := http2.NewFramer(c, r)
				fr.WriteSettings()
				for {
					f, err := fr.ReadFrame()
					if err != nil {
						return
					}
					if f.Header().Type == http2.FrameHeaders {
						fr.WriteRSTStream(f.Header().StreamID, http2.ErrCodeHTTP11Required)
					}
				}
			})
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	e := priorKnowledge("http://" + ln.Addr().String() + "/")
	var got []byte
	e.Write = collect(&got)
	if err := e.Perform(t.Context()); err != nil || string(got) != "h1" || e.Info().Proto != "HTTP/1.1" {
		t.Fatalf("err %v, body %q, proto %q", err, got, e.Info().Proto)
	}
	if h1.Load() != 1 || h2.Load() != 1 {
		t.Fatalf("%d HTTP/2 and %d HTTP/1.1 connections", h2.Load(), h1.Load())
	}
}

// bufConn is a net.Conn whose reads go through r.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestHTTP2UploadToSlowReader sends 3 MiB, of known and of unknown size, to a server that
// opens its windows 16 KiB at a time, slowly: the bodies arrive whole, and no DATA goes
// beyond a window (the server would end the connection).
func TestHTTP2UploadToSlowReader(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newH2Fault(t, func(int) h2fault.Behavior { return h2fault.SlowUploadReader(16<<10, 200*time.Microsecond) })
	l := newEpollLoop(t, MultiOptions{})
	body := bodyFor(3<<20, 5)
	known := priorKnowledge("http://" + srv.Addr + "/")
	known.Body = bytes.NewReader(body)
	unknown := priorKnowledge("http://" + srv.Addr + "/")
	unknown.Body = io.MultiReader(bytes.NewReader(body[:1000]), bytes.NewReader(body[1000:]))
	got := map[*Easy]*bytes.Buffer{}
	for _, e := range []*Easy{known, unknown} {
		buf := new(bytes.Buffer)
		got[e] = buf
		e.Write = buf.Write
		l.m.Add(e)
	}
	l.run(2, 60*time.Second)
	for _, e := range []*Easy{known, unknown} {
		if err := l.done[e]; err != nil || got[e].String() != fmt.Sprint(len(body)) || e.Info().Uploaded != int64(len(body)) {
			t.Fatalf("%v: the server counted %q bytes, %d sent", err, got[e], e.Info().Uploaded)
		}
	}
	if errs := srv.Record().Errors; len(errs) > 0 {
		t.Fatalf("the server saw errors: %v", errs)
	}
}
