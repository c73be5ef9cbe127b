//go:build linux

package main

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/xfer-go/xfer"
)

// epollDriver drives the Multi with the socket API, as examples/epoll does: one epoll set
// holds the transfers' sockets, a timerfd that stands for the Multi's one timer, and the
// read end of a pipe that wake writes to.
type epollDriver struct {
	m      *xfer.Multi
	ep     int
	tfd    int
	wakeR  int
	wakeW  int
	events []unix.EpollEvent
}

// newDriver returns a Multi made with opts, its socket and timer callbacks set to the
// driver's.
func newDriver(opts xfer.MultiOptions) (*xfer.Multi, driver, error) {
	l := &epollDriver{ep: -1, tfd: -1, wakeR: -1, wakeW: -1, events: make([]unix.EpollEvent, 256)}
	var err error
	if l.ep, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, nil, err
	}
	if l.tfd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC); err != nil {
		l.close()
		return nil, nil, err
	}
	var p [2]int
	if err = unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		l.close()
		return nil, nil, err
	}
	l.wakeR, l.wakeW = p[0], p[1]
	for _, fd := range []int{l.tfd, l.wakeR} {
		if err = unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
			l.close()
			return nil, nil, err
		}
	}
	opts.Socket, opts.Timer = l.socket, l.timer
	if l.m, err = xfer.NewMulti(opts); err != nil {
		l.close()
		return nil, nil, err
	}
	return l.m, l, nil
}

// socket is the Multi's SocketFunc: it makes the epoll set watch fd for what.
func (l *epollDriver) socket(fd int, what xfer.Poll, sockData any) error {
	if what == xfer.PollRemove {
		// The fd is still open: the library closes it only after this returns.
		return epollCtl(l.ep, unix.EPOLL_CTL_DEL, fd, 0)
	}
	var events uint32
	if what&xfer.PollIn != 0 {
		events |= unix.EPOLLIN
	}
	if what&xfer.PollOut != 0 {
		events |= unix.EPOLLOUT
	}
	if sockData != nil {
		return epollCtl(l.ep, unix.EPOLL_CTL_MOD, fd, events)
	}
	if err := epollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, events); err != nil {
		return err
	}
	// Any non-nil sockData marks the fd as known; Assign may be called from callbacks.
	return l.m.Assign(fd, true)
}

func epollCtl(ep, op, fd int, events uint32) error {
	if err := unix.EpollCtl(ep, op, fd, &unix.EpollEvent{Events: events, Fd: int32(fd)}); err != nil {
		return fmt.Errorf("epoll_ctl(%d, fd %d): %w", op, fd, err)
	}
	return nil
}

// timer is the Multi's TimerFunc: it arms the timerfd, one-shot, or disarms it.
func (l *epollDriver) timer(d time.Duration) error {
	var spec unix.ItimerSpec // all zero: disarm
	if d >= 0 {
		// 0 means "act now", but a zero timerfd value disarms it: ask for 1 ns instead.
		spec.Value = unix.NsecToTimespec(max(int64(d), 1))
	}
	return unix.TimerfdSettime(l.tfd, 0, &spec, nil)
}

func (l *epollDriver) wait(timeout time.Duration) error {
	ms := -1
	if timeout >= 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond) // rounded up: never early
	}
	n, err := unix.EpollWait(l.ep, l.events, ms)
	if err == unix.EINTR {
		return nil
	}
	if err != nil {
		return err
	}
	var b [64]byte
	for _, ev := range l.events[:n] {
		switch fd := int(ev.Fd); fd {
		case l.tfd:
			unix.Read(l.tfd, b[:8]) // the expiration count; the timer is one-shot
			if _, err := l.m.SocketAction(xfer.SocketTimeout, 0); err != nil {
				return err
			}
		case l.wakeR:
			for {
				if n, _ := unix.Read(l.wakeR, b[:]); n <= 0 {
					break
				}
			}
		default:
			// An event for an fd the library has already dropped is ignored by it.
			if _, err := l.m.SocketAction(fd, eventBits(ev.Events)); err != nil {
				return err
			}
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

func (l *epollDriver) wake() {
	unix.Write(l.wakeW, []byte{1}) // a full pipe already wakes the loop
}

func (l *epollDriver) close() error {
	var err error
	if l.m != nil {
		err = l.m.Close() // PollRemove for every socket, while the epoll set still exists
		l.m = nil
	}
	for _, fd := range []*int{&l.wakeW, &l.wakeR, &l.tfd, &l.ep} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
	return err
}
