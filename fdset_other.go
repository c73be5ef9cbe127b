//go:build !linux

package xfer

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// poller is what Wait, Poll and Wakeup need where there is no epoll: poll(2) over every
// socket of the hash, and a pipe for Wakeup.
type poller struct {
	m      *Multi
	on     bool
	wakeMu sync.Mutex // Wakeup may race with close
	wakeR  int
	wakeW  int
	pfds   []unix.PollFd
	readySet
}

func (p *poller) init(m *Multi) error {
	p.m = m
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		return err
	}
	for _, fd := range fds {
		unix.SetNonblock(fd, true)
		unix.CloseOnExec(fd)
	}
	p.wakeR, p.wakeW = fds[0], fds[1]
	return nil
}

func (p *poller) active() bool { return p.on }

func (p *poller) start() error {
	p.on = true
	return nil
}

// watch records what ent wants; poll(2) reads it from the hash at each wait.
func (p *poller) watch(ent *sockEntry) { ent.watched = ent.want }

func (p *poller) wait(timeout time.Duration, extra []WaitFd, wakeable bool) (int, error) {
	pfds := p.pfds[:0]
	if wakeable {
		pfds = append(pfds, unix.PollFd{Fd: int32(p.wakeR), Events: unix.POLLIN})
	}
	first := len(pfds)
	pfds = pollExtra(pfds, extra)
	own := len(pfds)
	p.m.socks.each(func(ent *sockEntry) {
		var ev int16
		if ent.want&PollIn != 0 {
			ev |= unix.POLLIN
		}
		if ent.want&PollOut != 0 {
			ev |= unix.POLLOUT
		}
		if ev != 0 {
			pfds = append(pfds, unix.PollFd{Fd: int32(ent.fd), Events: ev})
		}
	})
	p.pfds = pfds
	if _, err := unix.Poll(pfds, pollMs(timeout)); err != nil && err != unix.EINTR {
		return 0, err
	}
	if wakeable && pfds[0].Revents != 0 {
		var b [64]byte
		for {
			if n, _ := unix.Read(p.wakeR, b[:]); n <= 0 {
				break
			}
		}
	}
	p.ready, p.valid = p.ready[:0], true
	for _, pf := range pfds[own:] {
		if pf.Revents != 0 {
			p.ready = append(p.ready, pf.Fd)
		}
	}
	return len(p.ready) + extraReady(pfds[first:own], extra), nil
}

func (p *poller) takeReady() ([]int32, bool) {
	if !p.valid {
		return nil, false
	}
	p.valid = false
	return p.ready, true
}

func (p *poller) wakeup() error {
	p.wakeMu.Lock()
	defer p.wakeMu.Unlock()
	if p.wakeW < 0 {
		return ErrMultiClosed
	}
	unix.Write(p.wakeW, []byte{1})
	return nil
}

func (p *poller) close() {
	p.wakeMu.Lock()
	defer p.wakeMu.Unlock()
	if p.wakeW >= 0 {
		unix.Close(p.wakeR)
		unix.Close(p.wakeW)
		p.wakeR, p.wakeW = -1, -1
	}
}
