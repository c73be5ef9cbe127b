//go:build linux

package xfer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// srvReq is one request as a raw server read it.
type srvReq struct {
	head string      // the head as received
	hdr  http.Header // its fields, as net/http reads them
	at   time.Time   // when the head was whole
	body io.Reader   // the body, unframed, read from the connection
}

// readSrvReq reads a request head from br; the body is left to read.
func readSrvReq(br *bufio.Reader) (*srvReq, error) {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if b.Len() == 0 && line == "\r\n" {
			continue // the CRLF that ends a chunked body, which the chunked reader leaves
		}
		b.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	r := &srvReq{head: b.String(), at: time.Now()}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(r.head)))
	if err != nil {
		return nil, err
	}
	r.hdr = req.Header
	if len(req.TransferEncoding) > 0 {
		r.body = httputil.NewChunkedReader(br)
	} else {
		r.body = io.LimitReader(br, max(req.ContentLength, 0))
	}
	return r, nil
}

// readTimed reads r to its end: the bytes' hash and count, and when the first came.
func readTimed(r io.Reader) (sum [32]byte, n int64, first time.Time, err error) {
	h := sha256.New()
	buf := make([]byte, 32<<10)
	for {
		m, err := r.Read(buf)
		if m > 0 && n == 0 {
			first = time.Now()
		}
		h.Write(buf[:m])
		n += int64(m)
		if err == io.EOF {
			copy(sum[:], h.Sum(nil))
			return sum, n, first, nil
		}
		if err != nil {
			return sum, n, first, err
		}
	}
}

// quiet reports whether nothing arrives on c (read through br) for d.
func quiet(c net.Conn, br *bufio.Reader, d time.Duration) bool {
	if br.Buffered() > 0 {
		return false
	}
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	_, err := br.Peek(1)
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// expectLog is what an expectation test's server saw, shared with its goroutines.
type expectLog struct {
	mu      sync.Mutex
	accepts int
	reqs    []*srvReq
	notes   []string // what went wrong on the server's side
	sums    [][32]byte
	firsts  []time.Time // when each body's first byte came
	after   []time.Time // when 100 Continue was sent, per request; zero: not sent
	ended   int         // connections whose client closed after an early reply (skipBody)
}

func (g *expectLog) note(format string, args ...any) {
	g.mu.Lock()
	g.notes = append(g.notes, fmt.Sprintf(format, args...))
	g.mu.Unlock()
}

func (g *expectLog) check(t *testing.T) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range g.notes {
		t.Error("server: " + n)
	}
}

// waitEnded waits until n connections were closed by the client after an early reply.
func (g *expectLog) waitEnded(t *testing.T, n int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		g.mu.Lock()
		ended := g.ended
		g.mu.Unlock()
		if ended >= n {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%d connections closed by the client, want %d", ended, n)
		}
	}
}

// expectReply is how a test's server answers one request.
type expectReply struct {
	wait        time.Duration // first check that no body byte comes for this long
	continue100 bool          // then answer 100 Continue
	reply       string        // the final reply, sent once the body is read
	noBody      bool          // reply at once, without reading the body; the connection goes on
	skipBody    bool          // reply at once, then count what comes until the client closes
	hangUp      bool          // close the connection without a reply
}

// expectServer serves each request of a connection as decide says, and records them.

func expectServer(t *testing.T, g *expectLog, decide func(i int, r *srvReq) expectReply) string {
	return rawServer(t, func(c net.Conn) {
		g.mu.Lock()
		g.accepts++
		g.mu.Unlock()
		br := bufio.NewReader(c)
		for {
			r, err := readSrvReq(br)
			if err != nil {
				return
			}
			g.mu.Lock()
			i := len(g.reqs)
			g.reqs = append(g.reqs, r)
			g.sums = append(g.sums, [32]byte{})
			g.firsts = append(g.firsts, time.Time{})
			g.after = append(g.after, time.Time{})
			g.mu.Unlock()
			d := decide(i, r)
			if d.wait > 0 && !quiet(c, br, d.wait) {
				g.note("request %d: body bytes came before 100 Continue", i)
			}
			if d.hangUp {
				return
			}
			if d.continue100 {
				g.mu.Lock()
				g.after[i] = time.Now()
				g.mu.Unlock()
				c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
			}
			if d.noBody {
				c.Write([]byte(d.reply))
				continue
			}
			if d.skipBody {
				c.Write([]byte(d.reply))
				// Count what the client sends until it closes (or 2 s pass).
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				n, err := io.Copy(io.Discard, br)
				if err != nil {
					g.note("request %d: the client did not close the connection: %v", i, err)
				}
				if n > 0 {
					g.note("request %d: %d body bytes came after the early reply", i, n)
				}
				g.mu.Lock()
				g.ended++
				g.mu.Unlock()
				return
			}
			sum, _, first, err := readTimed(r.body)
			if err != nil {
				g.note("request %d: reading the body: %v", i, err)
				return
			}
			g.mu.Lock()
			g.sums[i], g.firsts[i] = sum, first
			g.mu.Unlock()
			if _, err := c.Write([]byte(d.reply)); err != nil {
				return
			}
		}
	})
}

const replyOK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// expectEasy returns a PUT of body to url that keeps the reply's header lines and body.
func expectEasy(url string, body io.Reader) (e *Easy, lines *[]string, got *[]byte) {
	e = NewEasy(url)
	e.Method = "PUT"
	e.Body = body
	lines, got = new([]string), new([]byte)
	e.HeaderLine = func(l []byte) error { *lines = append(*lines, string(l)); return nil }
	e.Write = collect(got)
	return e, lines, got
}

// oneShot hides what a body reader is, so its size is unknown and it cannot be rewound.
func oneShot(b []byte) io.Reader { return io.MultiReader(bytes.NewReader(b)) }

func TestExpectsDecision(t *testing.T) {
	tests := []struct {
		name       string
		hdr        http.Header
		size       int64
		noExpect   bool
		wait, auto bool
	}{
		{"small", nil, 1000, false, false, false},
		{"1 MiB", nil, 1 << 20, false, false, false},
		{"over 1 MiB", nil, 1<<20 + 1, false, true, true},
		{"unknown size", nil, -1, false, true, true},
		{"after a 417", nil, -1, true, false, false},
		{"user's empty Expect", http.Header{"Expect": {""}}, -1, false, false, false},
		{"user's other Expect", http.Header{"Expect": {"x-y"}}, -1, false, false, false},
		{"user's 100-continue, small body", http.Header{"expect": {" 100-Continue "}}, 10, false, true, false},
		{"user's 100-continue in a list", http.Header{"Expect": {"x-y, 100-continue"}}, 10, false, true, false},
	}
	for _, tt := range tests {
		wait, auto := expects(tt.hdr, tt.size, tt.noExpect)
		if wait != tt.wait || auto != tt.auto {
			t.Errorf("%s: expects = %v, %v; want %v, %v", tt.name, wait, auto, tt.wait, tt.auto)
		}
	}
}

// TestExpectContinue: the body follows the server's 100, not before it, and the socket is
// watched for reading only while it waits.
func TestExpectContinue(t *testing.T) {
	testutil.CheckLeaks(t)
	g := new(expectLog)
	url := expectServer(t, g, func(_ int, r *srvReq) expectReply {
		if r.hdr.Get("Expect") != "100-continue" {
			return expectReply{reply: "HTTP/1.1 400 No Expect\r\nContent-Length: 0\r\n\r\n"}
		}
		return expectReply{continue100: true, wait: 200 * time.Millisecond, reply: replyOK}
	})
	l := newEpollLoop(t, MultiOptions{})
	var mu sync.Mutex
	var pollIn []time.Time // when the socket was set to be watched for reading alone
	l.onSocket = func(_ int, what Poll, _ any) error {
		if what == PollIn {
			mu.Lock()
			pollIn = append(pollIn, time.Now())
			mu.Unlock()
		}
		return nil
	}
	body := bodyFor(2<<20, 5)
	e, lines, got := expectEasy(url+"/up", bytes.NewReader(body))
	e.Expect100Timeout = 10 * time.Second // 100 comes long before
	start := time.Now()
	l.m.Add(e)
	l.run(1, 10*time.Second)
	if err := l.done[e]; err != nil {
		t.Fatal(err)
	}
	g.check(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v: the body waited for the timeout, not for 100", d)
	}
	info := e.Info()
	if info.Status != 200 || string(*got) != "ok" || info.Uploaded != int64(len(body)) {
		t.Fatalf("status %d, body %q, uploaded %d", info.Status, *got, info.Uploaded)
	}
	if g.sums[0] != sha256.Sum256(body) || g.firsts[0].Before(g.after[0]) {
		t.Fatalf("body at the server: sum ok %v, first byte %v after the 100", g.sums[0] == sha256.Sum256(body), g.firsts[0].Sub(g.after[0]))
	}
	if !slices.Contains(*lines, "HTTP/1.1 100 Continue\r\n") || (*lines)[len(*lines)-1] != "\r\n" {
		t.Fatalf("header lines %q", *lines)
	}
	// While the body waited, the socket was watched for reading alone.
	mu.Lock()
	defer mu.Unlock()
	if len(pollIn) == 0 || !pollIn[0].Before(g.after[0]) {
		t.Fatalf("watched for reading alone at %v, the 100 sent at %v", pollIn, g.after[0])
	}
	for fd, calls := range l.calls {
		if slices.Contains(calls, PollInOut) {
			t.Fatalf("fd %d watched for %v", fd, calls)
		}
	}
}

// TestExpectTimeout: with no 100, the body goes after Expect100Timeout, measured at the
// server on the real clock.
func TestExpectTimeout(t *testing.T) {
	testutil.CheckLeaks(t)
	g := new(expectLog)
	url := expectServer(t, g, func(int, *srvReq) expectReply { return expectReply{reply: replyOK} })
	l := newEpollLoop(t, MultiOptions{})
	body := bodyFor(100<<10, 9)
	e, _, got := expectEasy(url+"/up", oneShot(body)) // unknown size
	e.Expect100Timeout = 300 * time.Millisecond
	e.ConnectTimeout = 100 * time.Millisecond // the wait is not part of the connect
	e.Timeout = 10 * time.Second
	l.m.Add(e)
	l.run(1, 10*time.Second)
	if err := l.done[e]; err != nil {
		t.Fatal(err)
	}
	g.check(t)
	if e.Info().Status != 200 || string(*got) != "ok" || g.sums[0] != sha256.Sum256(body) {
		t.Fatalf("status %d, body %q", e.Info().Status, *got)
	}
	if !strings.Contains(g.reqs[0].head, "\r\nExpect: 100-continue\r\n") || !strings.Contains(g.reqs[0].head, "Transfer-Encoding: chunked") {
		t.Fatalf("head %q", g.reqs[0].head)
	}
	if d := g.firsts[0].Sub(g.reqs[0].at); d < 250*time.Millisecond || d > 3*time.Second {
		t.Fatalf("the body came %v after the head, want about 300ms", d)
	}

	// Timeout still counts while the body waits.
	g2 := new(expectLog)
	url2 := expectServer(t, g2, func(int, *srvReq) expectReply { return expectReply{reply: replyOK} })
	e2, _, _ := expectEasy(url2+"/up", oneShot(body))
	e2.Expect100Timeout = 5 * time.Second
	e2.Timeout = 200 * time.Millisecond
	l.m.Add(e2)
	l.run(2, 10*time.Second)
	if err := l.done[e2]; !errors.Is(err, ErrOperationTimedOut) {
		t.Fatalf("Timeout while waiting for 100: %v", err)
	}
}

// TestExpect417: a 417 sends the request again without Expect, on the same connection when
// the reply leaves it open, else on a new one; the body (unread until then) is sent whole.
func TestExpect417(t *testing.T) {
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("keep-alive=%v", keep), func(t *testing.T) {
			testutil.CheckLeaks(t)
			g := new(expectLog)
			reply417 := "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\n\r\nnope"
			if !keep {
				reply417 = "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 4\r\n\r\nnope"
			}
			url := expectServer(t, g, func(_ int, r *srvReq) expectReply {
				if r.hdr.Get("Expect") != "" {
					return expectReply{wait: 100 * time.Millisecond, noBody: keep, skipBody: !keep, reply: reply417}
				}
				return expectReply{reply: replyOK}
			})
			l := newEpollLoop(t, MultiOptions{})
			body := bodyFor(3<<20, 2)
			e, lines, got := expectEasy(url+"/up", oneShot(body)) // cannot be rewound: it was never read
			e.Expect100Timeout = 10 * time.Second
			e.Header = http.Header{"Expect": {"100-continue"}, "X-A": {"1"}} // the user's own: dropped too
			e.FailOnError = true                                             // the 417 is not the result
			l.m.Add(e)
			l.run(1, 10*time.Second)
			if err := l.done[e]; err != nil {
				t.Fatal(err)
			}
			g.check(t)
			if e.Info().Status != 200 || string(*got) != "ok" {
				t.Fatalf("status %d, body %q", e.Info().Status, *got)
			}
			if len(g.reqs) != 2 || g.reqs[1].hdr.Get("Expect") != "" || g.reqs[1].hdr.Get("X-A") != "1" || g.sums[1] != sha256.Sum256(body) {
				t.Fatalf("%d requests; the second: %q", len(g.reqs), g.reqs[len(g.reqs)-1].head)
			}
			if want := map[bool]int{true: 1, false: 2}[keep]; g.accepts != want {
				t.Fatalf("%d connections, want %d", g.accepts, want)
			}
			if !slices.Contains(*lines, "HTTP/1.1 417 Expectation Failed\r\n") {
				t.Fatalf("header lines %q", *lines)
			}
		})
	}
}

// TestExpectEarlyReply: a final reply before 100 is the result; no body byte is sent, and
// the connection is closed.
func TestExpectEarlyReply(t *testing.T) {
	testutil.CheckLeaks(t)
	for _, failOnError := range []bool{false, true} {
		g := new(expectLog)
		url := expectServer(t, g, func(int, *srvReq) expectReply {
			return expectReply{skipBody: true, reply: "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno"}
		})
		l := newEpollLoop(t, MultiOptions{})
		e, _, got := expectEasy(url+"/up", bytes.NewReader(bodyFor(2<<20, 1)))
		e.Expect100Timeout = 300 * time.Millisecond // past it, no body goes either
		e.FailOnError = failOnError
		l.m.Add(e)
		l.run(1, 10*time.Second)
		err := l.done[e]
		if failOnError && !errors.Is(err, ErrHTTPReturnedError) || !failOnError && err != nil {
			t.Fatalf("FailOnError %v: %v", failOnError, err)
		}
		if info := e.Info(); info.Status != 401 || info.Uploaded != 0 || !failOnError && string(*got) != "no" {
			t.Fatalf("status %d, uploaded %d, body %q", info.Status, info.Uploaded, *got)
		}
		g.waitEnded(t, 1)
		g.check(t)
		if !strings.Contains(g.reqs[0].head, "Expect: 100-continue") {
			t.Fatalf("head %q", g.reqs[0].head)
		}
	}
}

// TestExpectHeaderFromUser: an Expect field in Header is sent as is; an empty one means
// none; neither other value waits for 100.
func TestExpectHeaderFromUser(t *testing.T) {
	testutil.CheckLeaks(t)
	for _, tc := range []struct {
		name, value, want string
	}{
		{"empty", "", ""},
		{"other value", "x-custom", "x-custom"},
	} {
		g := new(expectLog)
		url := expectServer(t, g, func(int, *srvReq) expectReply { return expectReply{reply: replyOK} })
		l := newEpollLoop(t, MultiOptions{})
		body := bodyFor(2<<20, 4)
		e, _, _ := expectEasy(url+"/up", oneShot(body))
		e.Header = http.Header{"Expect": {tc.value}}
		e.Expect100Timeout = 5 * time.Second
		start := time.Now()
		l.m.Add(e)
		l.run(1, 10*time.Second)
		if err := l.done[e]; err != nil {
			t.Fatal(err)
		}
		g.check(t)
		head := g.reqs[0].head
		if tc.want == "" && strings.Contains(strings.ToLower(head), "expect") || tc.want != "" && !strings.Contains(head, "\r\nExpect: "+tc.want+"\r\n") {
			t.Fatalf("%s: head %q", tc.name, head)
		}
		if d := g.firsts[0].Sub(g.reqs[0].at); d > 2*time.Second || time.Since(start) > 3*time.Second {
			t.Fatalf("%s: the body waited %v", tc.name, d)
		}
	}
}

// TestExpectBySize: known sizes up to 1 MiB send no Expect; larger ones and unknown sizes do.
func TestExpectBySize(t *testing.T) {
	testutil.CheckLeaks(t)
	g := new(expectLog)
	url := expectServer(t, g, func(_ int, r *srvReq) expectReply {
		return expectReply{continue100: r.hdr.Get("Expect") != "", reply: replyOK}
	})
	l := newEpollLoop(t, MultiOptions{})
	cases := []struct {
		body   io.Reader
		expect bool
	}{
		{bytes.NewReader(bodyFor(1000, 1)), false},
		{bytes.NewReader(bodyFor(1<<20, 1)), false},
		{strings.NewReader(string(bodyFor(1<<20+1, 1))), true},
		{oneShot(bodyFor(10, 1)), true},
		{nil, false},
	}
	for i, c := range cases {
		e, _, _ := expectEasy(url+"/up", c.body)
		if c.body == nil {
			e.Body = nil
		}
		l.m.Add(e)
		l.run(i+1, 10*time.Second)
		if err := l.done[e]; err != nil {
			t.Fatal(err)
		}
		l.m.Remove(e)
	}
	g.check(t)
	for i, c := range cases {
		if got := strings.Contains(g.reqs[i].head, "\r\nExpect: 100-continue\r\n"); got != c.expect {
			t.Errorf("case %d: Expect sent %v, want %v: %q", i, got, c.expect, g.reqs[i].head)
		}
	}
	if g.accepts != 1 {
		t.Errorf("%d connections for sequential requests", g.accepts)
	}
}

// TestExpectNotOverHTTP2: no Expect of xfer's own goes over HTTP/2; the user's goes as is,
// and an empty one not at all. net/http's server takes "Expect: 100-continue" out of the
// request's header and answers it with 100 when the handler reads the body: the 100 among
// the reply's header lines tells that it came.
func TestExpectNotOverHTTP2(t *testing.T) {
	testutil.CheckLeaks(t)
	var mu sync.Mutex
	seen := map[string][]string{}
	srv := newH2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen[r.URL.Path] = r.Header.Values("Expect")
		mu.Unlock()
		fmt.Fprintf(w, "%s %d", r.Proto, n)
	}), nil)
	l := newEpollLoop(t, MultiOptions{})
	body := bodyFor(2<<20, 3)
	user := map[string]http.Header{
		"/auto":     nil,
		"/continue": {"Expect": {"100-continue"}},
		"/custom":   {"Expect": {"x-custom"}},
		"/empty":    {"Expect": {""}},
	}
	type result struct {
		lines *[]string
		got   *[]byte
	}
	var es []*Easy
	for path, h := range user {
		e, lines, got := expectEasy(srv.URL+path, oneShot(body))
		e.Header = h
		e.TLSConfig = srv.cfg
		e.Expect100Timeout = 10 * time.Second
		e.Private = result{lines, got}
		es = append(es, e)
		l.m.Add(e)
	}
	l.run(len(es), 20*time.Second)
	for _, e := range es {
		if err := l.done[e]; err != nil {
			t.Fatal(err)
		}
		r := e.Private.(result)
		if got := string(*r.got); got != fmt.Sprintf("HTTP/2.0 %d", len(body)) {
			t.Fatalf("%s: %q", e.URL, got)
		}
		continued := slices.Contains(*r.lines, "HTTP/2 100\r\n")
		if want := strings.HasSuffix(e.URL, "/continue"); continued != want {
			t.Errorf("%s: the server answered 100: %v, want %v (%q)", e.URL, continued, want, *r.lines)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen["/auto"]) != 0 || len(seen["/empty"]) != 0 || !slices.Equal(seen["/custom"], []string{"x-custom"}) {
		t.Fatalf("Expect at the server: %q", seen)
	}
}

// TestExpectRetryWaitsAnew: a request whose reused connection the server closed while the
// body waited for 100 is sent again on a new connection, where the body waits anew for
// the whole Expect100Timeout.
func TestExpectRetryWaitsAnew(t *testing.T) {
	testutil.CheckLeaks(t)
	g := new(expectLog)
	url := expectServer(t, g, func(i int, r *srvReq) expectReply {
		switch i {
		case 0: // the GET that leaves the connection in the cache
			return expectReply{reply: replyOK}
		case 1: // the PUT on it: closed after a while, unanswered
			return expectReply{wait: 200 * time.Millisecond, hangUp: true}
		}
		return expectReply{reply: replyOK}
	})
	l := newEpollLoop(t, MultiOptions{})
	get := NewEasy(url + "/get")
	l.m.Add(get)
	l.run(1, 10*time.Second)
	body := bodyFor(2<<20, 6)
	e, _, got := expectEasy(url+"/up", bytes.NewReader(body))
	e.Expect100Timeout = 300 * time.Millisecond
	l.m.Add(e)
	l.run(2, 10*time.Second)
	if err := l.done[e]; err != nil {
		t.Fatal(err)
	}
	g.check(t)
	if string(*got) != "ok" || len(g.reqs) != 3 || g.sums[2] != sha256.Sum256(body) || g.accepts != 2 {
		t.Fatalf("body %q, %d requests on %d connections", *got, len(g.reqs), g.accepts)
	}
	if d := g.firsts[2].Sub(g.reqs[2].at); d < 250*time.Millisecond || d > 3*time.Second {
		t.Fatalf("the body came %v after the head sent again, want about 300ms", d)
	}
}
