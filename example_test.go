//go:build linux

package xfer_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/xfer-go/xfer"
	"golang.org/x/sys/unix"
)

// An application's own epoll loop drives the Multi: the socket callback edits the epoll set,
// the timer callback sets the one deadline, and SocketAction is called for every ready
// socket and when the deadline passes.
func ExampleMulti_SocketAction() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s", r.URL.Path)
	}))
	defer srv.Close()

	ep, _ := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	defer unix.Close(ep)
	var deadline time.Time // zero: no timer
	var m *xfer.Multi
	m, _ = xfer.NewMulti(xfer.MultiOptions{
		Socket: func(fd int, what xfer.Poll, sockData any) error {
			if what == xfer.PollRemove {
				return unix.EpollCtl(ep, unix.EPOLL_CTL_DEL, fd, nil)
			}
			ev := unix.EpollEvent{Fd: int32(fd)}
			if what&xfer.PollIn != 0 {
				ev.Events |= unix.EPOLLIN
			}
			if what&xfer.PollOut != 0 {
				ev.Events |= unix.EPOLLOUT
			}
			if sockData == nil { // first announcement of this fd: remember it is in the set
				m.Assign(fd, true)
				return unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &ev)
			}
			return unix.EpollCtl(ep, unix.EPOLL_CTL_MOD, fd, &ev)
		},
		Timer: func(d time.Duration) error {
			deadline = time.Time{}
			if d >= 0 {
				deadline = time.Now().Add(d)
			}
			return nil
		},
	})
	defer m.Close()

	for _, path := range []string{"/a", "/b"} {
		e := xfer.NewEasy(srv.URL + path)
		e.Write = func(p []byte) (int, error) { fmt.Printf("%s: %s\n", path, p); return len(p), nil }
		m.Add(e)
	}
	events := make([]unix.EpollEvent, 64)
	for running := 2; running > 0; {
		wait := 1000
		if !deadline.IsZero() {
			// Round up: waking before the deadline would only re-arm the timer.
			wait = int(max(0, (time.Until(deadline)+time.Millisecond-1)/time.Millisecond))
		}
		n, _ := unix.EpollWait(ep, events, wait)
		for _, ev := range events[:max(n, 0)] {
			var what xfer.Event
			if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP) != 0 {
				what |= xfer.EventIn
			}
			if ev.Events&unix.EPOLLOUT != 0 {
				what |= xfer.EventOut
			}
			if ev.Events&unix.EPOLLERR != 0 {
				what |= xfer.EventErr
			}
			running, _ = m.SocketAction(int(ev.Fd), what)
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			deadline = time.Time{}
			running, _ = m.SocketAction(xfer.SocketTimeout, 0)
		}
	}
	for msg, _ := m.InfoRead(); msg != nil; msg, _ = m.InfoRead() {
		fmt.Println(msg.Easy.Info().Status, msg.Err)
	}
	// Unordered output:
	// /a: hello from /a
	// /b: hello from /b
	// 200 <nil>
	// 200 <nil>
}

// The legacy loop: Perform does what can be done now, Wait sleeps until a socket is ready
// or the next expiry comes.
func ExampleMulti_Perform() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "0123456789")
	}))
	defer srv.Close()

	m, _ := xfer.NewMulti(xfer.MultiOptions{})
	defer m.Close()
	for i := 0; i < 3; i++ {
		m.Add(xfer.NewEasy(srv.URL))
	}
	for {
		running, err := m.Perform()
		if err != nil || running == 0 {
			break
		}
		m.Wait(time.Second, nil)
	}
	for msg, _ := m.InfoRead(); msg != nil; msg, _ = m.InfoRead() {
		fmt.Println(msg.Easy.Info().Status, msg.Easy.Info().Downloaded, msg.Err)
	}
	// Output:
	// 200 10 <nil>
	// 200 10 <nil>
	// 200 10 <nil>
}

// Easy.Perform runs one transfer to its end, on the same engine.
func ExampleEasy_Perform() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hi")
	}))
	defer srv.Close()

	e := xfer.NewEasy(srv.URL)
	e.Write = func(p []byte) (int, error) { fmt.Printf("%s\n", p); return len(p), nil }
	err := e.Perform(context.Background())
	fmt.Println(e.Info().Status, err)
	// Output:
	// hi
	// 200 <nil>
}

// With AcceptEncoding set, a compressed reply reaches Write decoded; MaxFileSize bounds the
// decoded body.
func ExampleEasy_AcceptEncoding() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		fmt.Fprintf(gz, "asked for %s", r.Header.Get("Accept-Encoding"))
		gz.Close()
	}))
	defer srv.Close()

	e := xfer.NewEasy(srv.URL)
	e.AcceptEncoding = "*"
	e.MaxFileSize = 1 << 20
	e.Write = func(p []byte) (int, error) { fmt.Printf("%s\n", p); return len(p), nil }
	if err := e.Perform(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output: asked for gzip, deflate, br, zstd
}
