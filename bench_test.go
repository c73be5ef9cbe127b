//go:build linux

package xfer

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// holdServer answers every request with a reply header announcing a huge body, then holds
// the connection; the connections it accepted are handed out on conns.
type holdServer struct {
	ln    net.Listener
	conns chan net.Conn
	wg    sync.WaitGroup
	mu    sync.Mutex
	all   []net.Conn
}

func newHoldServer(tb testing.TB) *holdServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &holdServer{ln: ln, conns: make(chan net.Conn, 20000)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.all = append(s.all, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				readRequest(c)
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\n"))
				s.conns <- c
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.all {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// BenchmarkSocketActionIdle measures one SocketAction on the only active socket among N
// idle transfers: each iteration the server sends 1 KiB, the loop's epoll reports the
// socket, and SocketAction reads it (BufferSize 1024). ns/action is the time spent inside
// SocketAction; it must not grow with N.
func BenchmarkSocketActionIdle(b *testing.B) {
	for _, n := range []int{0, 1000, 9000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchIdle(b, n) })
	}
}

func benchIdle(b *testing.B, idle int) {
	srv := newHoldServer(b)
	l := newBenchLoop(b)
	m, ep, events := l.m, l.ep, l.events
	headers := 0
	drive := l.drive
	url := "http://" + srv.ln.Addr().String() + "/"
	for i := 0; i < idle+1; i++ {
		e := NewEasy(url)
		e.BufferSize = 1024
		e.HeaderLine = func(l []byte) error {
			if len(l) == 2 {
				headers++
			}
			return nil
		}
		m.Add(e)
		if i%500 == 499 || i == idle {
			for deadline := time.Now().Add(30 * time.Second); headers < i+1; {
				if time.Now().After(deadline) {
					b.Fatalf("only %d of %d transfers got their reply header", headers, i+1)
				}
				drive(10)
			}
		}
	}
	// The server hands out each connection after writing its reply header, so the last of
	// the idle+1 connections belongs to the active transfer. Wait for all of them: the
	// client may read a header before the server's goroutine hands its connection out.
	var active net.Conn
	for i := 0; i < idle+1; i++ {
		active = <-srv.conns
	}
	chunk := make([]byte, 1024)
	var inside time.Duration
	actions := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := active.Write(chunk); err != nil {
			b.Fatal(err)
		}
		k, _ := unix.EpollWait(ep, events, 1000)
		for _, ev := range events[:max(k, 0)] {
			t0 := time.Now()
			m.SocketAction(int(ev.Fd), epollEvent(ev.Events))
			inside += time.Since(t0)
			actions++
		}
	}
	b.ReportMetric(float64(inside.Nanoseconds())/float64(max(actions, 1)), "ns/action")
	b.ReportMetric(float64(actions)/float64(b.N), "actions/op")
	if m.running != idle+1 {
		b.Fatalf("%d transfers running, want %d", m.running, idle+1)
	}
}

// benchLoop is the application loop the benchmarks drive a Multi with: an epoll set fed
// by the socket callback, and a flag for a timer of 0 (a benchmark waits for nothing else).
type benchLoop struct {
	m        *Multi
	ep       int
	watched  map[int]bool
	timerDue bool
	events   []unix.EpollEvent
}

// newBenchLoop returns a loop and its Multi, both closed when the benchmark ends.
func newBenchLoop(b *testing.B) *benchLoop {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	l := &benchLoop{ep: ep, watched: map[int]bool{}, events: make([]unix.EpollEvent, 256)}
	l.m, err = NewMulti(MultiOptions{Socket: l.socket, Timer: func(d time.Duration) error { l.timerDue = d == 0; return nil }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		l.m.Close()
		unix.Close(ep)
	})
	return l
}

func (l *benchLoop) socket(fd int, what Poll, _ any) error {
	if what == PollRemove {
		delete(l.watched, fd)
		return unix.EpollCtl(l.ep, unix.EPOLL_CTL_DEL, fd, nil)
	}
	var evs uint32
	if what&PollIn != 0 {
		evs |= unix.EPOLLIN
	}
	if what&PollOut != 0 {
		evs |= unix.EPOLLOUT
	}
	op := unix.EPOLL_CTL_MOD
	if !l.watched[fd] {
		op = unix.EPOLL_CTL_ADD
	}
	l.watched[fd] = true
	return unix.EpollCtl(l.ep, op, fd, &unix.EpollEvent{Events: evs, Fd: int32(fd)})
}

// drive runs a timer of 0 that is due, then waits up to wait ms for sockets and hands
// them to SocketAction.
func (l *benchLoop) drive(wait int) {
	if l.timerDue {
		l.timerDue = false
		l.m.SocketAction(SocketTimeout, 0)
		wait = 0
	}
	k, _ := unix.EpollWait(l.ep, l.events, wait)
	for _, ev := range l.events[:max(k, 0)] {
		l.m.SocketAction(int(ev.Fd), epollEvent(ev.Events))
	}
}
