package xfer

import (
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// poller is what Wait, Poll and Wakeup need on Linux: an epoll set that mirrors the socket
// hash, so a wait costs O(ready sockets), and an eventfd for Wakeup.
type poller struct {
	ep     int        // -1 until the first Wait or Poll
	wakeMu sync.Mutex // Wakeup may race with close
	wake   int
	events []unix.EpollEvent
	pfds   []unix.PollFd
	readySet
}

func (p *poller) init(_ *Multi) error {
	p.ep = -1
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return err
	}
	p.wake = fd
	return nil
}

func (p *poller) active() bool { return p.ep >= 0 }

func (p *poller) start() error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	p.ep = ep
	p.events = make([]unix.EpollEvent, 256)
	return nil
}

// watch makes the epoll set watch ent for what it wants now.
func (p *poller) watch(ent *sockEntry) {
	if p.ep < 0 || ent.watched == ent.want {
		return
	}
	var events uint32
	if ent.want&PollIn != 0 {
		events |= unix.EPOLLIN
	}
	if ent.want&PollOut != 0 {
		events |= unix.EPOLLOUT
	}
	ev := unix.EpollEvent{Events: events, Fd: int32(ent.fd)}
	switch {
	case ent.watched == 0:
		unix.EpollCtl(p.ep, unix.EPOLL_CTL_ADD, ent.fd, &ev)
	case ent.want == 0:
		unix.EpollCtl(p.ep, unix.EPOLL_CTL_DEL, ent.fd, nil)
	default:
		unix.EpollCtl(p.ep, unix.EPOLL_CTL_MOD, ent.fd, &ev)
	}
	ent.watched = ent.want
}

func (p *poller) wait(timeout time.Duration, extra []WaitFd, wakeable bool) (int, error) {
	wake := p.wake
	pfds := append(p.pfds[:0], unix.PollFd{Fd: int32(p.ep), Events: unix.POLLIN})
	if wakeable {
		pfds = append(pfds, unix.PollFd{Fd: int32(wake), Events: unix.POLLIN})
	}
	pfds = pollExtra(pfds, extra)
	p.pfds = pfds
	_, err := unix.Poll(pfds, pollMs(timeout))
	if err != nil && err != unix.EINTR {
		return 0, err
	}
	n := 0
	p.ready, p.valid = p.ready[:0], true
	if pfds[0].Revents != 0 {
		k, err := unix.EpollWait(p.ep, p.events, 0)
		if err != nil && err != unix.EINTR {
			return 0, err
		}
		for _, ev := range p.events[:max(k, 0)] {
			p.ready = append(p.ready, ev.Fd)
		}
		n += max(k, 0)
	}
	first := 1
	if wakeable {
		first = 2
		if pfds[1].Revents != 0 {
			var b [8]byte
			unix.Read(wake, b[:]) // drain: every earlier Wakeup is consumed by this Poll
		}
	}
	return n + extraReady(pfds[first:], extra), nil
}

func (p *poller) wakeup() error {
	p.wakeMu.Lock()
	defer p.wakeMu.Unlock()
	if p.wake < 0 {
		return ErrMultiClosed
	}
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], 1)
	_, err := unix.Write(p.wake, b[:])
	if err != nil && !errors.Is(err, unix.EAGAIN) {
		return err
	}
	return nil
}

func (p *poller) close() {
	if p.ep >= 0 {
		unix.Close(p.ep)
		p.ep = -1
	}
	p.wakeMu.Lock()
	if p.wake >= 0 {
		unix.Close(p.wake)
		p.wake = -1
	}
	p.wakeMu.Unlock()
}
