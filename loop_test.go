//go:build linux

package xfer

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// epollLoop is an application event loop built on epoll, the way hiperfifo drives a Multi:
// the socket callback edits the epoll set, the timer callback sets a deadline, and the loop
// calls SocketAction for each event and for the timer. It records every callback.
type epollLoop struct {
	t       testing.TB
	m       *Multi
	ep      int
	perform bool // driven by Wait and Perform, not by callbacks (newLoop)

	watched  map[int]Poll   // what the socket callback asked for, per fd
	calls    map[int][]Poll // every socket callback, per fd
	maxWatch int            // most fds watched at once
	timers   []time.Duration
	deadline time.Time
	armed    bool
	done     map[*Easy]error
	ndone    int
	actions  int

	// fake, when set, is the engine's clock (useFakeClock): it moves only when the loop,
	// finding no socket ready, jumps it to the timer's deadline.
	fake         *int64
	fakeDeadline int64

	// Hooks for tests; nil: none.
	onSocket func(fd int, what Poll, data any) error
	onTimer  func(d time.Duration) error
	onDone   func(e *Easy, err error)
}

// driver is how a test loop drives its Multi: the contract tests run with each.
type driver int

const (
	bySocketAction driver = iota // an epoll set fed by SocketFunc, a timer set by TimerFunc, SocketAction
	byPerform                    // no callbacks: Wait, then Perform
)

func (d driver) String() string {
	if d == byPerform {
		return "Perform"
	}
	return "SocketAction"
}

// forEachDriver runs f as a subtest with each driver.
func forEachDriver(t *testing.T, f func(t *testing.T, d driver)) {
	for _, d := range []driver{bySocketAction, byPerform} {
		t.Run(d.String(), func(t *testing.T) { f(t, d) })
	}
}

// newLoop returns a loop that drives its Multi with d; both are closed when the test ends.
// A loop driven by Perform records no callbacks (calls, timers); watchedNow gives what it
// watches, as Fdset would.
func newLoop(t testing.TB, opts MultiOptions, d driver) *epollLoop {
	if d == bySocketAction {
		return newEpollLoop(t, opts)
	}
	m, err := NewMulti(opts)
	if err != nil {
		t.Fatal(err)
	}
	l := &epollLoop{t: t, m: m, ep: -1, perform: true, watched: map[int]Poll{}, calls: map[int][]Poll{}, done: map[*Easy]error{}}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if m.socks.n != 0 {
			t.Errorf("after Close, %d sockets held", m.socks.n)
		}
	})
	return l
}

// watchedNow is what the loop watches: what SocketFunc asked for, or, driven by Perform,
// what the Multi wants for each socket (what Fdset reports).
func (l *epollLoop) watchedNow() map[int]Poll {
	if !l.perform {
		return l.watched
	}
	w := map[int]Poll{}
	l.m.socks.each(func(ent *sockEntry) {
		if ent.want != 0 {
			w[ent.fd] = ent.want
		}
	})
	return w
}

// newEpollLoop returns a loop and its Multi, both closed when the test ends.
func newEpollLoop(t testing.TB, opts MultiOptions) *epollLoop {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	l := &epollLoop{t: t, ep: ep, watched: map[int]Poll{}, calls: map[int][]Poll{}, done: map[*Easy]error{}}
	opts.Socket = l.socket
	opts.Timer = l.timer
	m, err := NewMulti(opts)
	if err != nil {
		t.Fatal(err)
	}
	l.m = m
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if len(l.watched) != 0 {
			t.Errorf("after Close, still watched: %v", l.watched)
		}
		unix.Close(ep)
	})
	return l
}

func (l *epollLoop) socket(fd int, what Poll, data any) error {
	l.calls[fd] = append(l.calls[fd], what)
	if what == PollRemove {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			l.t.Errorf("PollRemove for fd %d arrived after it was closed: %v", fd, err)
		}
		if _, ok := l.watched[fd]; !ok {
			l.t.Errorf("PollRemove for fd %d that was never announced", fd)
		}
		delete(l.watched, fd)
		unix.EpollCtl(l.ep, unix.EPOLL_CTL_DEL, fd, nil)
	} else {
		var events uint32
		if what&PollIn != 0 {
			events |= unix.EPOLLIN
		}
		if what&PollOut != 0 {
			events |= unix.EPOLLOUT
		}
		ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
		op := unix.EPOLL_CTL_MOD
		if _, ok := l.watched[fd]; !ok {
			op = unix.EPOLL_CTL_ADD
		}
		if err := unix.EpollCtl(l.ep, op, fd, &ev); err != nil {
			l.t.Errorf("epoll_ctl(%d, fd %d): %v", op, fd, err)
		}
		if old, ok := l.watched[fd]; ok && old == what {
			l.t.Errorf("socket callback for fd %d repeats %v", fd, what)
		}
		l.watched[fd] = what
		l.maxWatch = max(l.maxWatch, len(l.watched))
	}
	if l.onSocket != nil {
		return l.onSocket(fd, what, data)
	}
	return nil
}

func (l *epollLoop) timer(d time.Duration) error {
	l.timers = append(l.timers, d)
	if d < 0 {
		l.armed = false
	} else {
		l.armed, l.deadline = true, time.Now().Add(d)
		if l.fake != nil {
			l.fakeDeadline = *l.fake + int64(d)
		}
	}
	if l.onTimer != nil {
		return l.onTimer(d)
	}
	return nil
}

// useFakeClock gives the Multi a clock that the loop moves: when no socket is ready
// within fakeQuiet, the clock jumps to the timer's deadline and the timer fires at once.
// Timeouts, speed limits and once-a-second checks then take no real time; the loop's
// limits (run, runFor) are counted on the fake clock too.
func (l *epollLoop) useFakeClock() {
	now := l.m.now()
	l.fake = &now
	l.m.clock = func() int64 { return *l.fake }
}

// fakeQuiet is how long a loop on the fake clock waits for a socket before it moves the
// clock: real I/O in flight comes first.
const fakeQuiet = 20 * time.Millisecond

// now returns the time on the loop's clock (the real one, or the fake).
func (l *epollLoop) now() time.Time {
	if l.fake != nil {
		return time.Unix(0, *l.fake)
	}
	return time.Now()
}

// step waits for at most limit and handles what happened; an error of SocketAction fails
// the test.
func (l *epollLoop) step(limit time.Duration) {
	if err := l.tryStep(limit); err != nil {
		l.t.Fatalf("SocketAction: %v", err)
	}
}

// tryStep is step that returns the first error of SocketAction instead, after handling
// every event.
func (l *epollLoop) tryStep(limit time.Duration) error {
	if l.perform {
		if _, err := l.m.Wait(limit, nil); err != nil {
			return err
		}
		l.actions++
		_, err := l.m.Perform()
		l.drain()
		return err
	}
	wait := limit
	if l.fake != nil {
		wait = fakeQuiet
		if l.armed && l.fakeDeadline <= *l.fake {
			wait = 0
		}
	} else if l.armed {
		wait = max(0, min(wait, time.Until(l.deadline)))
	}
	events := make([]unix.EpollEvent, 128)
	n, err := unix.EpollWait(l.ep, events, pollMs(wait))
	if err != nil && err != unix.EINTR {
		return err
	}
	var first error
	for _, ev := range events[:max(n, 0)] {
		l.actions++
		if _, err := l.m.SocketAction(int(ev.Fd), epollEvent(ev.Events)); err != nil && first == nil {
			first = err
		}
	}
	if l.fake != nil && n <= 0 && l.armed {
		*l.fake = max(*l.fake, l.fakeDeadline) // nothing ready: the timer is next
	}
	if l.armed && (l.fake != nil && l.fakeDeadline <= *l.fake || l.fake == nil && !time.Now().Before(l.deadline)) {
		l.armed = false
		l.actions++
		if _, err := l.m.SocketAction(SocketTimeout, 0); err != nil && first == nil {
			first = fmt.Errorf("timeout: %w", err)
		}
	}
	l.drain()
	return first
}

// epollEvent translates epoll's bits into an Event; a hang-up reads as readable.
func epollEvent(bits uint32) Event {
	var what Event
	if bits&(unix.EPOLLIN|unix.EPOLLHUP) != 0 {
		what |= EventIn
	}
	if bits&unix.EPOLLOUT != 0 {
		what |= EventOut
	}
	if bits&unix.EPOLLERR != 0 {
		what |= EventErr
	}
	return what
}

// drain reads the finished transfers' messages.
func (l *epollLoop) drain() {
	for {
		msg, _ := l.m.InfoRead()
		if msg == nil {
			return
		}
		if _, dup := l.done[msg.Easy]; dup {
			l.t.Errorf("second message for %s", msg.Easy.URL)
		}
		l.done[msg.Easy] = msg.Err
		l.ndone++
		if l.onDone != nil {
			l.onDone(msg.Easy, msg.Err)
		}
	}
}

// run drives the loop until n transfers finished, or fails the test after limit.
func (l *epollLoop) run(n int, limit time.Duration) {
	// On the fake clock, a transfer that waits for a server with no timer armed would stop
	// the clock: real time bounds the run as well.
	end, realEnd := l.now().Add(limit), time.Now().Add(limit+30*time.Second)
	for l.ndone < n {
		if l.now().After(end) || time.Now().After(realEnd) {
			l.t.Fatalf("only %d of %d transfers finished within %v", l.ndone, n, limit)
		}
		l.step(100 * time.Millisecond)
	}
}

// runFor drives the loop for d.
func (l *epollLoop) runFor(d time.Duration) {
	end := l.now().Add(d)
	for l.now().Before(end) {
		l.step(end.Sub(l.now()))
	}
}
