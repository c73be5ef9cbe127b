//go:build darwin || freebsd

// Kqueue downloads every URL it reads from standard input, all at once, from one kqueue
// loop of its own: the epoll example (and libcurl's hiperfifo.c) on macOS and FreeBSD.
//
// It shows the socket API of xfer.Multi on kqueue(2), whose interest is a set of filters
// per fd rather than one mask:
//
//   - the socket callback adds and deletes the fd's EVFILT_READ and EVFILT_WRITE filters
//     to match what the library wants (PollIn, PollOut, PollInOut), deletes both on
//     PollRemove, before the library closes the fd, and stores with Multi.Assign a small
//     struct that remembers which filters are registered;
//   - the timer callback arms a one-shot EVFILT_TIMER in the same kqueue, or deletes it;
//     a timeout of 0 ("act now") arms nothing: the loop's next kevent does not wait, and
//     the loop calls SocketAction(xfer.SocketTimeout, 0) after it;
//   - a ready filter becomes SocketAction(fd, EventIn or EventOut), which runs only the
//     transfer that owns that fd, however many others are waiting;
//   - after each action the loop takes the finished transfers from InfoRead, prints one
//     line for each and removes it.
//
// Standard input goes through the same kqueue when it is a pipe or a terminal, so
// transfers start while more URLs are still being read; a regular file, which kqueue
// reports as readable only while it is not at its end, is read whole before the loop
// starts, as is any input that kqueue refuses.
//
// Usage:
//
//	kqueue [-o DIR] [-timeout D] [-v] < urls.txt
//	kqueue -demo
//
// One URL a line; blank lines and lines starting with # are skipped. Each finished
// transfer prints
//
//	<status-or-error> <bytes> <seconds> <url>
//
// The program ends when the input is done and no transfer runs; its exit status is 1 if
// any transfer failed. With -demo it downloads 30 bodies from a local server on 127.0.0.1.
// -v traces the socket and timer callbacks on standard error, in the format of the epoll
// example.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/examples/internal/batch"
	"golang.org/x/sys/unix"
)

// main hands the loop below to batch.Main, which calls Add for each URL of the demo
// server, or WatchInput for standard input, then Run and Close.
func main() { batch.Main("kqueue", newLoop) }

// timerIdent is the ident of the loop's one EVFILT_TIMER. Timers have an ident space of
// their own, apart from fds.
const timerIdent = 1

// loop is the application's event loop: one kqueue holds the transfers' sockets, the
// timer and the input.
type loop struct {
	m       *xfer.Multi
	kq      int
	armed   bool // the EVFILT_TIMER is registered
	actNow  bool // the Multi asked for a timeout of 0
	in      int  // the fd URLs are read from; -1 when it is done
	input   batch.Input
	job     *batch.Job
	running int // transfers added and not yet removed
	trace   batch.Trace
}

// sockInfo is what the loop keeps for each socket the library asked it to watch. The
// socket callback creates it and stores it with Multi.Assign; the library passes it back
// with every later call for the fd, up to and including PollRemove.
type sockInfo struct {
	what xfer.Poll // which filters are registered: PollIn is EVFILT_READ, PollOut EVFILT_WRITE
}

// newLoop makes the kqueue, and the Multi whose callbacks edit it.
func newLoop(job *batch.Job, trace batch.Trace) (batch.Loop, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, err
	}
	unix.CloseOnExec(kq)
	l := &loop{kq: kq, in: -1, input: batch.Input{Name: job.Name}, job: job, trace: trace}
	l.m, err = xfer.NewMulti(xfer.MultiOptions{Socket: l.socket, Timer: l.timer})
	if err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// change applies one change to the kqueue.
func (l *loop) change(ident, filter, flags int, data int64) error {
	var k [1]unix.Kevent_t
	unix.SetKevent(&k[0], ident, filter, flags)
	k[0].Data = data
	_, err := unix.Kevent(l.kq, k[:], nil, nil)
	return err
}

// socket is the Multi's SocketFunc: it registers and deletes fd's filters to match what.
func (l *loop) socket(fd int, what xfer.Poll, sockData any) error {
	si, known := sockData.(*sockInfo)
	if !known {
		si = &sockInfo{} // a socket new to the loop, with no filter yet
	}
	l.trace.Socket(fd, what, si.what)
	had, want := si.what, what
	if what == xfer.PollRemove {
		want = 0 // no filter
	}
	// On PollRemove the fd is still open: the library closes it only after this returns.
	for _, f := range []struct {
		bit    xfer.Poll
		filter int
	}{{xfer.PollIn, unix.EVFILT_READ}, {xfer.PollOut, unix.EVFILT_WRITE}} {
		if had&f.bit == want&f.bit {
			continue
		}
		flags := unix.EV_ADD
		if want&f.bit == 0 {
			flags = unix.EV_DELETE
		}
		if err := l.change(fd, f.filter, flags, 0); err != nil {
			return fmt.Errorf("kevent fd %d: %w", fd, err)
		}
	}
	if what == xfer.PollRemove {
		return nil // si is forgotten with the fd
	}
	if !known {
		if err := l.m.Assign(fd, si); err != nil { // Assign may be called from callbacks
			return err
		}
	}
	si.what = what
	return nil
}

// timer is the Multi's TimerFunc: it arms the one-shot EVFILT_TIMER, or deletes it.
func (l *loop) timer(d time.Duration) error {
	l.trace.Timer(d)
	// 0 means "act now": the loop's next kevent does not wait, and SocketAction follows
	// it. It is never called from here.
	l.actNow = d == 0
	if d <= 0 {
		if !l.armed {
			return nil
		}
		l.armed = false
		return l.change(timerIdent, unix.EVFILT_TIMER, unix.EV_DELETE, 0)
	}
	// EV_ADD replaces a registered timer. The unit is milliseconds, rounded up so the
	// timer never fires early; EV_ONESHOT deletes it when it fires.
	l.armed = true
	ms := int64((d + time.Millisecond - 1) / time.Millisecond)
	return l.change(timerIdent, unix.EVFILT_TIMER, unix.EV_ADD|unix.EV_ONESHOT, ms)
}

// WatchInput puts standard input in the kqueue or, when it is a regular file or kqueue
// refuses it, reads it whole now.
func (l *loop) WatchInput() error {
	var st unix.Stat_t
	if err := unix.Fstat(unix.Stdin, &st); err != nil {
		return fmt.Errorf("standard input: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		if err := l.change(unix.Stdin, unix.EVFILT_READ, unix.EV_ADD, 0); err == nil {
			l.in = unix.Stdin
			return nil
		}
	}
	return batch.ReadAll(os.Stdin, l.Add)
}

// readInput reads what the input has, which kqueue said is readable, and deletes the
// input's filter when it has ended.
func (l *loop) readInput() {
	if !l.input.Read(l.in, l.Add) {
		l.change(l.in, unix.EVFILT_READ, unix.EV_DELETE, 0)
		l.in = -1
	}
}

// Add starts a transfer for url. Multi.Add asks for a timer of 0, so the loop's next
// SocketAction(SocketTimeout, 0) starts it.
func (l *loop) Add(url string) {
	e := l.job.NewEasy(url)
	if err := l.m.Add(e); err != nil {
		l.job.Done(e, err)
		return
	}
	l.running++
}

// Run is the event loop. It ends when the input is done and no transfer runs.
func (l *loop) Run() error {
	events := make([]unix.Kevent_t, 256)
	for l.in >= 0 || l.running > 0 {
		var wait *unix.Timespec // nil: until an event
		if l.actNow {
			wait = &unix.Timespec{} // do not wait: the Multi wants to act now
		}
		n, err := unix.Kevent(l.kq, nil, events, wait)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		for i := range events[:n] {
			ev := &events[i]
			switch fd := int(ev.Ident); {
			case ev.Filter == unix.EVFILT_TIMER:
				l.armed = false // EV_ONESHOT: it is gone
				if _, err := l.m.SocketAction(xfer.SocketTimeout, 0); err != nil {
					return err
				}
			case fd == l.in:
				l.readInput()
			default:
				// An event for an fd the library has already dropped is ignored by it.
				if _, err := l.m.SocketAction(fd, eventBits(ev)); err != nil {
					return err
				}
			}
			l.collect()
		}
		if l.actNow {
			l.actNow = false
			if _, err := l.m.SocketAction(xfer.SocketTimeout, 0); err != nil {
				return err
			}
			l.collect()
		}
	}
	return nil
}

// eventBits turns what kqueue reported for one filter into SocketAction's bitmask.
func eventBits(ev *unix.Kevent_t) xfer.Event {
	var bits xfer.Event
	switch ev.Filter {
	case unix.EVFILT_READ:
		bits = xfer.EventIn // with EV_EOF too: the read that follows sees the end
	case unix.EVFILT_WRITE:
		bits = xfer.EventOut
	}
	// EV_EOF with a non-zero fflags carries the socket's error (a refused connect...).
	if ev.Flags&unix.EV_ERROR != 0 || (ev.Flags&unix.EV_EOF != 0 && ev.Fflags != 0) {
		bits |= xfer.EventErr
	}
	return bits
}

// collect reports and removes every finished transfer.
func (l *loop) collect() {
	for {
		msg, _ := l.m.InfoRead()
		if msg == nil {
			return
		}
		l.job.Done(msg.Easy, msg.Err)
		l.m.Remove(msg.Easy)
		l.running--
	}
}

// Close closes the Multi, then the kqueue. Calls after the first do nothing.
func (l *loop) Close() error {
	if l.kq < 0 {
		return nil
	}
	var err error
	if l.m != nil {
		err = l.m.Close() // PollRemove for every socket, while the kqueue still exists
	}
	unix.Close(l.kq)
	l.kq = -1
	return err
}
