//go:build linux

package xfer

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"slices"

	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
	"github.com/xfer-go/xfer/resolver"

	"golang.org/x/sys/unix"
)

// collect returns a Write callback that appends to *dst.
func collect(dst *[]byte) func([]byte) (int, error) {
	return func(p []byte) (int, error) {
		*dst = append(*dst, p...)
		return len(p), nil
	}
}

func TestSingleGet(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d driver) {
		testutil.CheckLeaks(t)
		srv := newServer(t)
		l := newLoop(t, MultiOptions{}, d)
		var got []byte
		var lines []string
		e := NewEasy(srv.URL + "/body?size=5000&seed=3")
		e.Write = collect(&got)
		e.HeaderLine = func(line []byte) error { lines = append(lines, string(line)); return nil }
		if err := l.m.Add(e); err != nil {
			t.Fatal(err)
		}
		if d == bySocketAction && (len(l.timers) != 1 || l.timers[0] != 0) {
			t.Fatalf("Add announced timers %v, want [0]", l.timers)
		}
		l.run(1, 5*time.Second)
		if err := l.done[e]; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, bodyFor(5000, 3)) {
			t.Fatalf("body differs: %d bytes", len(got))
		}
		info := e.Info()
		if info.Status != 200 || info.Proto != "HTTP/1.1" || info.ContentLength != 5000 || info.Downloaded != 5000 || info.NumConnects != 1 {
			t.Fatalf("info %+v", info)
		}
		if !info.RemoteAddr.IsValid() || !info.LocalAddr.IsValid() || info.Total <= 0 || info.StartTransfer > info.Total || info.Connect > info.StartTransfer {
			t.Fatalf("info addresses or times %+v", info)
		}
		if lines[0] != "HTTP/1.1 200 OK\r\n" || lines[len(lines)-1] != "\r\n" {
			t.Fatalf("header lines %q", lines)
		}
		if info.Header.Get("Content-Length") != "5000" {
			t.Fatalf("header %v", info.Header)
		}
		// The connection waits in the cache, watched for reading.
		if len(l.watchedNow()) != 1 {
			t.Fatalf("watched after the transfer: %v", l.watched)
		}
		// A second transfer reuses it.
		e2 := NewEasy(srv.URL + "/body?size=10&seed=1")
		if err := l.m.Add(e2); err != nil {
			t.Fatal(err)
		}
		l.run(2, 5*time.Second)
		if err := l.done[e2]; err != nil || e2.Info().NumConnects != 0 || e2.Info().Downloaded != 10 {
			t.Fatalf("second transfer: %v, %+v", err, e2.Info())
		}
		for _, e := range []*Easy{e, e2} {
			if err := l.m.Remove(e); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// rawServer accepts connections on 127.0.0.1 and hands each to serve.
func rawServer(t testing.TB, serve func(c net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close() // ends handlers blocked on the connection
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// readRequest reads one request head from c.
func readRequest(c net.Conn) string {
	var b []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(b, []byte("\r\n\r\n")) {
		n, err := c.Read(buf)
		if err != nil {
			return string(b)
		}
		b = append(b, buf[:n]...)
	}
	return string(b)
}

// closedPort returns a loopback URL where nothing listens.
func closedPort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestCallbacksOnlyOnChange(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	l := newEpollLoop(t, MultiOptions{})
	var got []byte
	perAction := map[int]int{} // body bytes delivered in each action
	e := NewEasy(srv.URL + "/body?size=1048576&seed=9")
	e.Write = func(p []byte) (int, error) {
		got = append(got, p...)
		perAction[l.actions] += len(p)
		return len(p), nil
	}
	e.BufferSize = 4096 // many reads, many actions
	l.m.Add(e)
	l.run(1, 10*time.Second)
	if err := l.done[e]; err != nil {
		t.Fatal(err)
	}
	if sum(got) != sum(bodyFor(1<<20, 9)) {
		t.Fatal("body differs")
	}
	if l.actions < 4 {
		t.Fatalf("only %d actions for 1 MiB", l.actions)
	}
	if len(l.calls) != 1 {
		t.Fatalf("sockets announced: %v", l.calls)
	}
	for fd, calls := range l.calls {
		// At most: PollOut while connecting, PollIn for the reply. The connection then
		// stays watched for PollIn in the cache, so nothing more.
		if len(calls) > 2 || calls[len(calls)-1] != PollIn {
			t.Fatalf("fd %d: socket callbacks %v over %d actions", fd, calls, l.actions)
		}
	}
	// The timer was announced at Add (0), then for the connect timeout, then deleted once
	// connected. Beyond that, each action that spent the read budget asks for a run at once
	// (0 again), and the end deletes what is left. None per action.
	budgets := 0
	for _, n := range perAction {
		if n+e.BufferSize > readBudget { // within a read of it: the reply head counts too
			budgets++
		}
	}
	var zeros, positive, deleted int
	for _, d := range l.timers {
		switch {
		case d == 0:
			zeros++
		case d > 0:
			positive++
		default:
			deleted++
		}
	}
	if zeros > 1+budgets || positive > 1 || deleted > 2 {
		t.Fatalf("timer callbacks %v over %d actions, %d of which spent the read budget", l.timers, l.actions, budgets)
	}
	l.m.Remove(e)
}

func TestTimerOnlyOnChange(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	l := newEpollLoop(t, MultiOptions{})
	e := NewEasy(srv.URL + "/stall")
	e.Timeout = 5 * time.Second
	l.m.Add(e)
	l.runFor(200 * time.Millisecond) // connected, header received, body stalls
	if e.Info().Status != 200 {
		t.Fatalf("status %d", e.Info().Status)
	}
	n := len(l.timers)
	last := l.timers[n-1]
	if last <= 4*time.Second || last > 5*time.Second || last%time.Millisecond != 0 {
		t.Fatalf("timer %v: want the total timeout's remaining time in whole ms", last)
	}
	// Actions that change no expiry announce nothing, stale fds included.
	for i := 0; i < 5; i++ {
		if _, err := l.m.SocketAction(100000+i, EventIn); err != nil {
			t.Fatal(err)
		}
	}
	if len(l.timers) != n {
		t.Fatalf("timer announced again without a change: %v", l.timers[n:])
	}
	// A timer that fires early is re-armed: the same expiry is announced again.
	if _, err := l.m.SocketAction(SocketTimeout, 0); err != nil {
		t.Fatal(err)
	}
	if len(l.timers) != n+1 || l.timers[n] <= 0 {
		t.Fatalf("early timeout did not re-announce the expiry: %v", l.timers[n-1:])
	}
	if d := l.m.Timeout(); d <= 4*time.Second || d > 5*time.Second {
		t.Fatalf("Timeout() = %v", d)
	}
	l.m.Remove(e)
	if got := l.timers[len(l.timers)-1]; got != -1 {
		t.Fatalf("after Remove the timer is %v, want -1", got)
	}
	if l.m.Timeout() != -1 {
		t.Fatalf("Timeout() = %v on an empty Multi", l.m.Timeout())
	}
}

func TestTimeoutEndsTransfer(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d driver) {
		testutil.CheckLeaks(t)
		srv := newServer(t)
		l := newLoop(t, MultiOptions{}, d)
		e := NewEasy(srv.URL + "/stall")
		e.Timeout = 300 * time.Millisecond
		start := time.Now()
		l.m.Add(e)
		l.run(1, 5*time.Second)
		if err := l.done[e]; !errors.Is(err, ErrOperationTimedOut) {
			t.Fatalf("err = %v, want ErrOperationTimedOut", err)
		}
		if el := time.Since(start); el < 300*time.Millisecond {
			t.Fatalf("timed out after %v, before the 300ms timeout", el)
		}
		var xe *Error
		if !errors.As(l.done[e], &xe) || xe.URL != e.URL {
			t.Fatalf("err %#v", l.done[e])
		}
		if len(l.watchedNow()) != 0 {
			t.Fatalf("sockets still watched: %v", l.watchedNow())
		}
		l.m.Remove(e)
	})
}

func TestStaleFdIgnored(t *testing.T) {
	testutil.CheckLeaks(t)
	l := newEpollLoop(t, MultiOptions{})
	for _, fd := range []int{0, 5, 999999} {
		running, err := l.m.SocketAction(fd, EventIn|EventOut)
		if err != nil || running != 0 {
			t.Fatalf("SocketAction(%d) = %d, %v", fd, running, err)
		}
	}
	if err := l.m.Assign(5, "x"); !errors.Is(err, ErrBadSocket) {
		t.Fatalf("Assign on an unknown fd: %v", err)
	}
	if len(l.calls)+len(l.timers) != 0 {
		t.Fatalf("callbacks on an empty Multi: %v %v", l.calls, l.timers)
	}
}

func TestRecursionRefused(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	l := newEpollLoop(t, MultiOptions{})
	other := NewEasy(srv.URL + "/body?size=1")
	var checked []string
	try := func(where string, sockFd int) {
		if err := l.m.Add(other); !errors.Is(err, ErrRecursiveAPICall) {
			t.Errorf("%s: Add = %v", where, err)
		}
		if err := l.m.Remove(other); !errors.Is(err, ErrRecursiveAPICall) {
			t.Errorf("%s: Remove = %v", where, err)
		}
		if _, err := l.m.SocketAction(SocketTimeout, 0); !errors.Is(err, ErrRecursiveAPICall) {
			t.Errorf("%s: SocketAction = %v", where, err)
		}
		if _, err := l.m.Perform(); !errors.Is(err, ErrRecursiveAPICall) {
			t.Errorf("%s: Perform = %v", where, err)
		}
		if _, err := l.m.Wait(0, nil); !errors.Is(err, ErrRecursiveAPICall) {
			t.Errorf("%s: Wait = %v", where, err)
		}
		if _, err := l.m.Poll(0, nil); !errors.Is(err, ErrRecursiveAPICall) {
			t.Errorf("%s: Poll = %v", where, err)
		}
		var rs, ws unix.FdSet
		if _, err := l.m.Fdset(&rs, &ws, nil); !errors.Is(err, ErrRecursiveAPICall) {
			t.Errorf("%s: Fdset = %v", where, err)
		}
		if err := l.m.Close(); !errors.Is(err, ErrRecursiveAPICall) {
			t.Errorf("%s: Close = %v", where, err)
		}
		if err := l.m.Wakeup(); err != nil {
			t.Errorf("%s: Wakeup = %v", where, err)
		}
		if sockFd >= 0 {
			if err := l.m.Assign(sockFd, where); err != nil {
				t.Errorf("%s: Assign = %v", where, err)
			}
		}
		if h := l.m.Handles(); len(h) != 1 {
			t.Errorf("%s: Handles = %d", where, len(h))
		}
		checked = append(checked, where)
	}
	var sockData []any
	l.onSocket = func(fd int, what Poll, data any) error {
		sockData = append(sockData, data)
		if what != PollRemove {
			try("socket", fd)
		}
		return nil
	}
	l.onTimer = func(time.Duration) error { try("timer", -1); return nil }
	e := NewEasy(srv.URL + "/body?size=100")
	e.Write = func(p []byte) (int, error) {
		try("write", -1)
		if err := e.Pause(PauseCont); err != nil {
			t.Errorf("write: Pause = %v", err)
		}
		return len(p), nil
	}
	e.HeaderLine = func([]byte) error { try("header", -1); return nil }
	l.m.Add(e)
	l.run(1, 5*time.Second)
	if err := l.done[e]; err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"socket", "timer", "write", "header"} {
		if !strings.Contains(strings.Join(checked, " "), w) {
			t.Errorf("no %s callback was checked", w)
		}
	}
	// Assign from the socket callback reaches the next callback for that fd.
	if !slices.Contains(sockData, any("socket")) {
		t.Errorf("sockData in callbacks: %v; none carried what Assign stored", sockData)
	}
	l.m.Remove(e)
}

func TestRemoveRunningTransfer(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d driver) {
		testutil.CheckLeaks(t)
		srv := newServer(t)
		l := newLoop(t, MultiOptions{}, d)
		e := NewEasy(srv.URL + "/stall")
		l.m.Add(e)
		l.runFor(200 * time.Millisecond)
		if len(l.watchedNow()) != 1 {
			t.Fatalf("watched %v", l.watchedNow())
		}
		var fd int
		for fd = range l.watchedNow() {
		}
		before := len(l.calls[fd])
		if err := l.m.Remove(e); err != nil {
			t.Fatal(err)
		}
		if calls := l.calls[fd]; d == bySocketAction && (len(calls) != before+1 || calls[before] != PollRemove) {
			t.Fatalf("fd %d callbacks %v", fd, calls)
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			// The number may have been reused by another socket of the process; it must
			// not be ours any more.
			if l.m.socks.get(fd) != nil {
				t.Fatalf("fd %d still held after Remove", fd)
			}
		}
		if msg, _ := l.m.InfoRead(); msg != nil {
			t.Fatalf("message after Remove: %+v", msg)
		}
		if l.m.Timeout() != -1 || d == bySocketAction && l.timers[len(l.timers)-1] != -1 {
			t.Fatalf("timer left after Remove: %v", l.timers)
		}
		// Removed, it can be added again and runs afresh.
		e.URL = srv.URL + "/body?size=10"
		l.m.Add(e)
		l.run(1, 5*time.Second)
		if err := l.done[e]; err != nil || e.Info().Downloaded != 10 {
			t.Fatalf("re-added transfer: %v %+v", err, e.Info())
		}
	})
}

func TestCloseWithTransfersInFlight(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d driver) {
		testutil.CheckLeaks(t)
		srv := newServer(t)
		l := newLoop(t, MultiOptions{}, d)
		var es []*Easy
		for i := 0; i < 20; i++ {
			e := NewEasy(srv.URL + "/stall")
			es = append(es, e)
			l.m.Add(e)
		}
		done := NewEasy(srv.URL + "/body?size=3") // leaves an idle connection
		l.m.Add(done)
		l.runFor(300 * time.Millisecond)
		if len(l.watchedNow()) != 21 {
			t.Fatalf("watched %d sockets, want 21", len(l.watchedNow()))
		}
		if err := l.m.Close(); err != nil {
			t.Fatal(err)
		}
		if len(l.watchedNow()) != 0 {
			t.Fatalf("still watched after Close: %v", l.watchedNow())
		}
		if l.m.socks.n != 0 {
			t.Fatalf("%d sockets held after Close", l.m.socks.n)
		}
		if err := l.m.Add(es[0]); !errors.Is(err, ErrMultiClosed) {
			t.Fatalf("Add after Close: %v", err)
		}
		if _, err := l.m.SocketAction(SocketTimeout, 0); !errors.Is(err, ErrMultiClosed) {
			t.Fatalf("SocketAction after Close: %v", err)
		}
		if _, err := l.m.Perform(); !errors.Is(err, ErrMultiClosed) {
			t.Fatalf("Perform after Close: %v", err)
		}
		if err := l.m.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		// The Easy handles are free again.
		if err := done.Perform(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCallbackErrorKillsMulti(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	l := newEpollLoop(t, MultiOptions{})
	boom := errors.New("boom")
	fail := true
	l.onSocket = func(fd int, what Poll, data any) error {
		if fail && what != PollRemove {
			fail = false
			return boom
		}
		return nil
	}
	e := NewEasy(srv.URL + "/stall")
	l.m.Add(e)
	_, err := l.m.SocketAction(SocketTimeout, 0)
	if !errors.Is(err, boom) {
		t.Fatalf("SocketAction = %v, want the callback's error", err)
	}
	if err := l.m.Add(NewEasy(srv.URL)); !errors.Is(err, boom) {
		t.Fatalf("Add on a dead Multi = %v", err)
	}
	n := len(l.timers)
	l.m.SocketAction(SocketTimeout, 0)
	l.drain()
	if err := l.done[e]; !errors.Is(err, ErrAbortedByCallback) || !errors.Is(err, boom) {
		t.Fatalf("transfer ended with %v", err)
	}
	if len(l.timers) != n {
		t.Fatalf("timer callbacks on a dead Multi: %v", l.timers[n:])
	}
	l.m.Remove(e)
	// With every transfer removed the Multi lives again.
	e2 := NewEasy(srv.URL + "/body?size=1")
	if err := l.m.Add(e2); err != nil {
		t.Fatal(err)
	}
	l.run(2, 5*time.Second)
	if err := l.done[e2]; err != nil {
		t.Fatal(err)
	}
}

func TestHandleErrors(t *testing.T) {
	testutil.CheckLeaks(t)
	m1, _ := NewMulti(MultiOptions{})
	m2, _ := NewMulti(MultiOptions{})
	defer m1.Close()
	defer m2.Close()
	e := NewEasy("http://127.0.0.1:1/")
	if err := m1.Add(nil); !errors.Is(err, ErrBadEasyHandle) {
		t.Fatal(err)
	}
	if err := m1.Remove(e); err != nil {
		t.Fatalf("Remove of a handle in no Multi: %v", err)
	}
	if err := m1.Add(e); err != nil {
		t.Fatal(err)
	}
	if err := m1.Add(e); !errors.Is(err, ErrAddedAlready) {
		t.Fatal(err)
	}
	if err := m2.Add(e); !errors.Is(err, ErrAddedAlready) {
		t.Fatal(err)
	}
	if err := m2.Remove(e); !errors.Is(err, ErrBadEasyHandle) {
		t.Fatal(err)
	}
	if h := m1.Handles(); len(h) != 1 || h[0] != e {
		t.Fatalf("Handles = %v", h)
	}
	if err := e.Perform(t.Context()); !errors.Is(err, ErrAddedAlready) {
		t.Fatal(err)
	}
}

func TestTransferErrors(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d driver) {
		testutil.CheckLeaks(t)
		nothing := rawServer(t, func(c net.Conn) { readRequest(c) })
		partial := rawServer(t, func(c net.Conn) {
			readRequest(c)
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"))
		})
		weird := rawServer(t, func(c net.Conn) {
			readRequest(c)
			c.Write([]byte("SSH-2.0-OpenSSH\r\n\r\n"))
		})
		reset := rawServer(t, func(c net.Conn) {
			readRequest(c)
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc"))
			c.(*net.TCPConn).SetLinger(0)
		})
		srv := newServer(t)
		res, err := resolverForTest(t)
		if err != nil {
			t.Fatal(err)
		}
		l := newLoop(t, MultiOptions{Resolver: res}, d)
		cases := []struct {
			url  string
			code Code
			mod  func(e *Easy)
		}{
			{nothing + "/", ErrGotNothing, nil},
			{partial + "/", ErrPartialFile, nil},
			{weird + "/", ErrWeirdServerReply, nil},
			{reset + "/", ErrRecvError, nil},
			{closedPort(t) + "/", ErrCouldntConnect, nil},
			{"ftp://127.0.0.1/", ErrUnsupportedProtocol, nil},
			{"http://[::1/", ErrURLMalformat, nil},
			{"http://no-such-host.invalid/", ErrCouldntResolveHost, nil},
			{srv.URL + "/nope", ErrHTTPReturnedError, func(e *Easy) { e.FailOnError = true }},
			{srv.URL + "/body?size=100", ErrWriteError, func(e *Easy) {
				e.Write = func(p []byte) (int, error) { return len(p) - 1, nil }
			}},
			{srv.URL + "/body?size=100", ErrWriteError, func(e *Easy) {
				e.HeaderLine = func([]byte) error { return errors.New("no") }
			}},
			{srv.URL + "/", ErrURLMalformat, func(e *Easy) { e.Header = http.Header{"X": {"a\r\nb"}} }},
			{srv.URL + "/", ErrURLMalformat, func(e *Easy) { e.Method = "GET /x" }},
			{srv.URL + "/a\r\nX-Injected: 1", ErrURLMalformat, nil},
			{srv.URL + "/", ErrURLMalformat, func(e *Easy) { e.Header = http.Header{"Bad Name": {"v"}} }},
		}
		want := map[*Easy]Code{}
		for _, c := range cases {
			e := NewEasy(c.url)
			if c.mod != nil {
				c.mod(e)
			}
			want[e] = c.code
			if err := l.m.Add(e); err != nil {
				t.Fatal(err)
			}
		}
		l.run(len(cases), 10*time.Second)
		for e, code := range want {
			err := l.done[e]
			var xe *Error
			if !errors.As(err, &xe) || xe.Code != code || !errors.Is(err, code) {
				t.Errorf("%s: err %v, want code %d", e.URL, err, code)
			}
			l.m.Remove(e)
		}
		if len(l.watchedNow()) != 0 { // a failed transfer's connection is closed
			t.Errorf("watched after the failures: %v", l.watchedNow())
		}
	})
}

// resolverForTest returns a resolver that knows no name: its server is a closed port on
// 127.0.0.1 and its hosts file is empty.
func resolverForTest(t testing.TB) (*resolver.Resolver, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := netip.MustParseAddrPort(pc.LocalAddr().String())
	pc.Close()
	hosts := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(hosts, []byte("127.0.0.1 known.test\n"), 0o644)
	r, err := resolver.New(resolver.Config{Servers: []netip.AddrPort{addr}, Timeout: 200 * time.Millisecond, Attempts: 1, HostsFile: hosts})
	if err == nil {
		t.Cleanup(func() { r.Close() })
	}
	return r, err
}

func TestHugeTimeoutsDoNotOverflow(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	e := NewEasy(srv.URL + "/body?size=10")
	e.Timeout, e.ConnectTimeout = time.Duration(1<<63-1), time.Duration(1<<63-1)
	e.MaxRecvSpeed = 1 << 62
	if err := e.Perform(t.Context()); err != nil {
		t.Fatalf("with the largest timeouts: %v", err)
	}
}
