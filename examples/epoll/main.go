//go:build linux

// Epoll downloads every URL it reads from standard input, all at once, from one epoll loop
// of its own: the hiperfifo of xfer (after libcurl's hiperfifo.c and ephiperfifo.c).
//
// It shows the socket API of xfer.Multi. The program owns the event loop; the library tells
// it what to watch through two callbacks and does its work when the loop reports back:
//
//   - the socket callback adds, changes or deletes an fd in the epoll set (EPOLL_CTL_ADD,
//     MOD, DEL) and stores a small per-socket struct with Multi.Assign, which the library
//     hands back with every later call for that fd;
//   - the timer callback arms a timerfd, which sits in the same epoll set; when it fires the
//     loop calls SocketAction(xfer.SocketTimeout, 0);
//   - a ready socket becomes SocketAction(fd, events), which runs only the transfer that
//     owns that fd, however many others are waiting;
//   - after each action the loop takes the finished transfers from InfoRead, prints one
//     line for each and removes it.
//
// Standard input goes through the same epoll set, so transfers start while more URLs are
// still being read. Epoll refuses regular files (and /dev/null); such an input is read
// whole before the loop starts.
//
// Usage:
//
//	epoll [-o DIR] [-timeout D] [-v] < urls.txt
//	epoll -demo
//
// One URL a line; blank lines and lines starting with # are skipped. Each finished
// transfer prints
//
//	<status-or-error> <bytes> <seconds> <url>
//
// for example "200 5000 0.003s http://127.0.0.1:8080/a.bin". The program ends when the
// input is done and no transfer runs; its exit status is 1 if any transfer failed.
//
// With -demo it starts a local HTTP server on 127.0.0.1 with 30 bodies of 0 B to 1 MiB
// and downloads those instead of reading standard input, so it runs with no network:
//
//	go run ./examples/epoll -demo
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/examples/internal/batch"
	"golang.org/x/sys/unix"
)

// main hands the loop below to batch.Main, which calls Add for each URL of the demo
// server, or WatchInput for standard input, then Run and Close.
func main() { batch.Main("epoll", newLoop) }

// loop is the application's event loop: one epoll set holds the transfers' sockets, the
// timerfd and the input.
type loop struct {
	m       *xfer.Multi
	ep      int // the epoll set
	tfd     int // the timerfd that stands for the Multi's one timer
	in      int // the fd URLs are read from; -1 when it is done
	input   batch.Input
	job     *batch.Job
	running int // transfers added and not yet removed
	trace   batch.Trace
}

// sockInfo is what the loop keeps for each socket the library asked it to watch. The
// socket callback creates it and stores it with Multi.Assign; the library passes it back
// with every later call for the fd, up to and including PollRemove.
type sockInfo struct {
	what xfer.Poll // what the fd is watched for
}

// newLoop makes the epoll set with the timerfd in it, and the Multi whose callbacks edit
// them.
func newLoop(job *batch.Job, trace batch.Trace) (batch.Loop, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	tfd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		unix.Close(ep)
		return nil, err
	}
	l := &loop{ep: ep, tfd: tfd, in: -1, input: batch.Input{Name: job.Name}, job: job, trace: trace}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(tfd)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, tfd, &ev); err != nil {
		l.Close()
		return nil, err
	}
	l.m, err = xfer.NewMulti(xfer.MultiOptions{Socket: l.socket, Timer: l.timer})
	if err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// socket is the Multi's SocketFunc: it makes the epoll set watch fd for what.
func (l *loop) socket(fd int, what xfer.Poll, sockData any) error {
	si, known := sockData.(*sockInfo)
	if !known {
		si = &sockInfo{} // a socket new to the loop, watched for nothing yet
	}
	l.trace.Socket(fd, what, si.what)
	if what == xfer.PollRemove {
		// The fd is still open: the library closes it only after this returns.
		if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
			return fmt.Errorf("epoll_ctl DEL fd %d: %w", fd, err)
		}
		return nil // si is forgotten with the fd
	}
	ev := unix.EpollEvent{Fd: int32(fd)}
	if what&xfer.PollIn != 0 {
		ev.Events |= unix.EPOLLIN
	}
	if what&xfer.PollOut != 0 {
		ev.Events |= unix.EPOLLOUT
	}
	if !known {
		if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return fmt.Errorf("epoll_ctl ADD fd %d: %w", fd, err)
		}
		if err := l.m.Assign(fd, si); err != nil { // Assign may be called from callbacks
			return err
		}
	} else if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl MOD fd %d: %w", fd, err)
	}
	si.what = what
	return nil
}

// timer is the Multi's TimerFunc: it arms the timerfd, a one-shot timer, or disarms it.
func (l *loop) timer(d time.Duration) error {
	l.trace.Timer(d)
	var spec unix.ItimerSpec // all zero: disarm
	if d >= 0 {
		// 0 means "act now", but a zero timerfd value disarms it: ask for 1 ns instead.
		// SocketAction is never called from here; the loop calls it when the timerfd fires.
		spec.Value = unix.NsecToTimespec(max(int64(d), 1))
	}
	return unix.TimerfdSettime(l.tfd, 0, &spec, nil)
}

// WatchInput puts standard input in the epoll set, or, when epoll cannot watch it (a
// regular file or /dev/null: EPERM), reads it whole now.
func (l *loop) WatchInput() error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(unix.Stdin)}
	err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, unix.Stdin, &ev)
	if err == nil {
		l.in = unix.Stdin
		return nil
	}
	if !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("watching standard input: %w", err)
	}
	return batch.ReadAll(os.Stdin, l.Add)
}

// readInput reads what the input has, which epoll said is readable, and takes the input
// out of the epoll set when it has ended.
func (l *loop) readInput() {
	if !l.input.Read(l.in, l.Add) {
		unix.EpollCtl(l.ep, unix.EPOLL_CTL_DEL, l.in, nil)
		l.in = -1
	}
}

// Add starts a transfer for url. Multi.Add asks for a timer of 0, so the timerfd fires at
// once and the loop's next SocketAction(SocketTimeout, 0) starts it.
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
	events := make([]unix.EpollEvent, 256)
	for l.in >= 0 || l.running > 0 {
		n, err := unix.EpollWait(l.ep, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		for _, ev := range events[:n] {
			switch fd := int(ev.Fd); fd {
			case l.tfd:
				var b [8]byte
				unix.Read(l.tfd, b[:]) // the expiration count; the timer is one-shot
				if _, err := l.m.SocketAction(xfer.SocketTimeout, 0); err != nil {
					return err
				}
			case l.in:
				l.readInput()
			default:
				// An event for an fd the library has already dropped is ignored by it.
				if _, err := l.m.SocketAction(fd, eventBits(ev.Events)); err != nil {
					return err
				}
			}
			l.collect()
		}
	}
	return nil
}

// eventBits turns what epoll reported into SocketAction's bitmask.
func eventBits(events uint32) xfer.Event {
	var ev xfer.Event
	if events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLRDHUP) != 0 {
		ev |= xfer.EventIn
	}
	if events&unix.EPOLLOUT != 0 {
		ev |= xfer.EventOut
	}
	if events&unix.EPOLLERR != 0 {
		ev |= xfer.EventErr
	}
	return ev
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

// Close closes the Multi, then the loop's own fds. Calls after the first do nothing.
func (l *loop) Close() error {
	if l.ep < 0 {
		return nil
	}
	var err error
	if l.m != nil {
		err = l.m.Close()
	}
	unix.Close(l.tfd)
	unix.Close(l.ep)
	l.ep, l.tfd = -1, -1
	return err
}
