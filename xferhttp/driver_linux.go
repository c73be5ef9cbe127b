package xferhttp

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/xfer-go/xfer"
	"golang.org/x/sys/unix"
)

// driver is the loop's epoll set, with an eventfd that post writes to wake the loop. The
// Multi's one timer is a deadline that bounds the epoll wait.
type driver struct {
	ep, efd  int
	timerOn  bool
	deadline time.Time
	events   []unix.EpollEvent
}

// init makes the epoll set and the eventfd, and sets o's callbacks to edit them.
func (d *driver) init(l *loop, o *xfer.MultiOptions) error {
	d.ep, d.efd = -1, -1
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("xferhttp: epoll_create1: %w", err)
	}
	d.ep = ep
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		d.close()
		return fmt.Errorf("xferhttp: eventfd: %w", err)
	}
	d.efd = efd
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(efd)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, efd, &ev); err != nil {
		d.close()
		return fmt.Errorf("xferhttp: epoll_ctl: %w", err)
	}
	d.events = make([]unix.EpollEvent, 128)
	o.Socket = func(fd int, what xfer.Poll, sockData any) error { return d.socket(l.m, fd, what, sockData) }
	o.Timer = d.timer
	return nil
}

// socket is the Multi's SocketFunc.
func (d *driver) socket(m *xfer.Multi, fd int, what xfer.Poll, sockData any) error {
	if what == xfer.PollRemove {
		return unix.EpollCtl(d.ep, unix.EPOLL_CTL_DEL, fd, nil)
	}
	ev := unix.EpollEvent{Fd: int32(fd)}
	if what&xfer.PollIn != 0 {
		ev.Events |= unix.EPOLLIN
	}
	if what&xfer.PollOut != 0 {
		ev.Events |= unix.EPOLLOUT
	}
	if sockData == nil { // new to the set
		m.Assign(fd, true)
		return unix.EpollCtl(d.ep, unix.EPOLL_CTL_ADD, fd, &ev)
	}
	return unix.EpollCtl(d.ep, unix.EPOLL_CTL_MOD, fd, &ev)
}

// timer is the Multi's TimerFunc.
func (d *driver) timer(t time.Duration) error {
	d.timerOn = t >= 0
	if d.timerOn {
		d.deadline = time.Now().Add(t)
	}
	return nil
}

// waitMs is the epoll wait's timeout: until the deadline, rounded up; -1 for none.
func (d *driver) waitMs() int {
	if !d.timerOn {
		return -1
	}
	left := time.Until(d.deadline)
	if left <= 0 {
		return 0
	}
	return int((left + time.Millisecond - 1) / time.Millisecond)
}

// wake makes the loop's epoll wait return. The caller holds the loop's mu.
func (d *driver) wake(*loop) {
	if d.efd < 0 {
		return
	}
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], 1)
	unix.Write(d.efd, b[:]) // EAGAIN: the counter is full, the loop is woken anyway
}

// close closes the epoll set and the eventfd.
func (d *driver) close() {
	for _, fd := range []*int{&d.ep, &d.efd} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}

// run is the loop's goroutine: wait, act on what is ready, collect what finished.
func (l *loop) run() {
	d := &l.drv
	for {
		n, err := unix.EpollWait(d.ep, d.events, d.waitMs())
		if err != nil { // EINTR; the others cannot happen with a valid set and buffer
			n = 0
		}
		for _, ev := range d.events[:max(n, 0)] {
			if fd := int(ev.Fd); fd != d.efd {
				l.m.SocketAction(fd, eventBits(ev.Events))
				continue
			}
			var b [8]byte
			unix.Read(d.efd, b[:])
			if l.drain() {
				l.shutdown()
				return
			}
		}
		if d.timerOn && !time.Now().Before(d.deadline) {
			d.timerOn = false
			l.m.SocketAction(xfer.SocketTimeout, 0)
		}
		l.collect()
	}
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
