package main

import (
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/bench/internal/measure"
	"golang.org/x/sys/unix"
)

// start is the origin of the loop's clock.
var start = time.Now()

// now is nanoseconds since start (monotonic).
func now() int64 { return int64(time.Since(start)) }

// inSet is the sockData of an fd that is in the epoll set. A pointer, so storing it in an
// interface does not allocate.
var inSet = new(int)

// loop is the application's epoll loop around one Multi: the socket callback edits the
// epoll set, the timer callback sets the one deadline, and every ready fd and every passed
// deadline becomes a SocketAction.
type loop struct {
	ep       int
	m        *xfer.Multi
	timerOn  bool
	deadline int64 // loop clock, valid when timerOn
	events   []unix.EpollEvent
	calls    *measure.Calls // when set, every SocketAction is timed into it
	onDone   func(e *xfer.Easy, err error)
}

func newLoop(opts xfer.MultiOptions) *loop {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		measure.Fatalf("epoll_create1: %v", err)
	}
	l := &loop{ep: ep, events: make([]unix.EpollEvent, 1024)}
	opts.Socket = l.socket
	opts.Timer = l.timer
	l.m, err = xfer.NewMulti(opts)
	if err != nil {
		measure.Fatalf("NewMulti: %v", err)
	}
	return l
}

func (l *loop) socket(fd int, what xfer.Poll, sockData any) error {
	if what == xfer.PollRemove {
		return unix.EpollCtl(l.ep, unix.EPOLL_CTL_DEL, fd, nil)
	}
	ev := unix.EpollEvent{Fd: int32(fd)}
	if what&xfer.PollIn != 0 {
		ev.Events |= unix.EPOLLIN
	}
	if what&xfer.PollOut != 0 {
		ev.Events |= unix.EPOLLOUT
	}
	if sockData == nil {
		l.m.Assign(fd, inSet)
		return unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev)
	}
	return unix.EpollCtl(l.ep, unix.EPOLL_CTL_MOD, fd, &ev)
}

func (l *loop) timer(d time.Duration) error {
	if d < 0 {
		l.timerOn = false
		return nil
	}
	l.timerOn, l.deadline = true, now()+int64(d)
	return nil
}

// event turns what epoll reported into the library's Event bits.
func event(e uint32) xfer.Event {
	var ev xfer.Event
	if e&unix.EPOLLIN != 0 {
		ev |= xfer.EventIn
	}
	if e&unix.EPOLLOUT != 0 {
		ev |= xfer.EventOut
	}
	if e&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		ev |= xfer.EventErr
	}
	return ev
}

func (l *loop) action(fd int, ev xfer.Event) {
	if l.calls == nil {
		if _, err := l.m.SocketAction(fd, ev); err != nil {
			measure.Fatalf("SocketAction: %v", err)
		}
		return
	}
	t0 := time.Now()
	_, err := l.m.SocketAction(fd, ev)
	l.calls.Add(time.Since(t0))
	if err != nil {
		measure.Fatalf("SocketAction: %v", err)
	}
}

// step waits at most maxWait ms for sockets or the deadline, acts on what happened and
// hands finished transfers to onDone.
func (l *loop) step(maxWait int) {
	wait := maxWait
	if l.timerOn {
		d := (l.deadline - now() + 999_999) / 1_000_000
		wait = int(max(0, min(int64(wait), d)))
	}
	n, err := unix.EpollWait(l.ep, l.events, wait)
	if err != nil && err != unix.EINTR {
		measure.Fatalf("epoll_wait: %v", err)
	}
	for _, ev := range l.events[:max(n, 0)] {
		l.action(int(ev.Fd), event(ev.Events))
	}
	if l.timerOn && now() >= l.deadline {
		l.timerOn = false
		l.action(xfer.SocketTimeout, 0)
	}
	for {
		msg, _ := l.m.InfoRead()
		if msg == nil {
			break
		}
		if l.onDone != nil {
			l.onDone(msg.Easy, msg.Err)
		} else if msg.Err != nil {
			measure.Fatalf("%s: %v", msg.Easy.URL, msg.Err)
		}
	}
}

// until steps the loop until cond holds, or fails after limit.
func (l *loop) until(cond func() bool, limit time.Duration, what string) {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			measure.Fatalf("timed out waiting for %s", what)
		}
		l.step(100)
	}
}
