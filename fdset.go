package xfer

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// WaitFd is an extra fd for Wait and Poll to watch beside the Multi's own sockets.
type WaitFd struct {
	Fd      int
	Events  int16 // unix.POLLIN, unix.POLLOUT, unix.POLLPRI
	Revents int16 // set by Wait and Poll
}

// Perform runs the transfers that can make progress without waiting and returns how many
// are still running (transfers waiting for a connection count too). It never blocks.
// After a Wait or Poll it runs only the owners of the sockets that were found ready, plus
// every transfer whose expiry passed; otherwise it runs every transfer once.
func (m *Multi) Perform() (running int, err error) {
	if err := m.enter(); err != nil {
		return m.running, err
	}
	if m.dead != nil {
		m.abortAll()
	}
	now := m.now()
	if ready, ok := m.poller.takeReady(); ok {
		for _, fd := range ready {
			if ent := m.socks.get(int(fd)); ent != nil {
				m.dispatch(ent, EventIn|EventOut)
			}
		}
	} else {
		for i := 0; i < len(m.handles); i++ {
			if t := &m.handles[i].x; !t.done && t.state != stResolving {
				m.run(t)
			}
		}
		for fd := range m.resSocks {
			m.resolverEvent(fd, EventIn|EventOut)
		}
	}
	m.runDue(now)
	err = m.leave()
	return m.running, err
}

// Fdset adds the Multi's sockets to read and write according to what each is waiting for,
// and returns the highest fd it added, or -1 when it added none. except is not used by the
// Multi and may be nil. Sockets numbered FD_SETSIZE (1024) or above cannot be put in an
// fd_set and are left out: Perform still drives them, and Wait and Poll watch them.
func (m *Multi) Fdset(read, write, except *unix.FdSet) (maxfd int, err error) {
	if m.inCB > 0 || m.busy {
		return -1, ErrRecursiveAPICall
	}
	if m.closed {
		return -1, ErrMultiClosed
	}
	maxfd = -1
	const setSize = len(unix.FdSet{}.Bits) * int(unsafe.Sizeof(unix.FdSet{}.Bits[0])) * 8
	m.socks.each(func(ent *sockEntry) {
		if ent.fd >= setSize || ent.want == 0 {
			return
		}
		if ent.want&PollIn != 0 && read != nil {
			read.Set(ent.fd)
		}
		if ent.want&PollOut != 0 && write != nil {
			write.Set(ent.fd)
		}
		maxfd = max(maxfd, ent.fd)
	})
	return maxfd, nil
}

// Wait waits until one of the Multi's sockets or of extra is ready, or timeout passes, or
// the Multi's next expiry comes (whichever is first), and returns how many fds are ready.
// extra's Revents are set. Wakeup does not end it; use Poll for that. A negative timeout
// waits for the Multi's next expiry only. When extra is empty and no socket of the Multi
// is waiting for anything (no transfer has one, or every one is paused), Wait returns 0 at
// once, as curl_multi_wait does: there is nothing it could wait for.
func (m *Multi) Wait(timeout time.Duration, extra []WaitFd) (numfds int, err error) {
	return m.wait(timeout, extra, false)
}

// Poll is Wait that Wakeup also ends. Unlike Wait, it sleeps even when there is nothing to
// watch, until the timeout, the Multi's next expiry or a Wakeup, as curl_multi_poll does:
// a loop can call it with no transfer added and be woken when one is.
func (m *Multi) Poll(timeout time.Duration, extra []WaitFd) (numfds int, err error) {
	return m.wait(timeout, extra, true)
}

func (m *Multi) wait(timeout time.Duration, extra []WaitFd, wakeable bool) (int, error) {
	if err := m.enter(); err != nil {
		return 0, err
	}
	defer func() { m.busy = false }()
	if !wakeable && len(extra) == 0 && m.socks.nwant == 0 {
		return 0, nil // nothing to wait for
	}
	if !m.poller.active() {
		if err := m.poller.start(); err != nil {
			return 0, err
		}
		m.socks.each(m.poller.watch)
	}
	if d := m.Timeout(); d >= 0 && (timeout < 0 || d < timeout) {
		timeout = d
	}
	return m.poller.wait(timeout, extra, wakeable)
}

// Wakeup ends a Poll in progress, or makes the next Poll return at once. Several calls
// before a Poll wake only that Poll. It is the only method that is safe to call from
// another goroutine.
func (m *Multi) Wakeup() error {
	return m.poller.wakeup()
}

// readySet holds the sockets the last Wait or Poll found ready, for the Perform that
// follows it.
type readySet struct {
	ready []int32
	valid bool // ready holds the last wait's result, not yet used by Perform
}

// takeReady returns the sockets the last wait found ready, once.
func (r *readySet) takeReady() ([]int32, bool) {
	if !r.valid {
		return nil, false
	}
	r.valid = false
	return r.ready, true
}

// pollMs turns a timeout into poll(2)'s milliseconds, rounded up; negative waits forever.
func pollMs(d time.Duration) int {
	if d < 0 {
		return -1
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > 1<<30 {
		ms = 1 << 30
	}
	return int(ms)
}

// pollExtra fills pfds for extra and returns it.
func pollExtra(pfds []unix.PollFd, extra []WaitFd) []unix.PollFd {
	for _, x := range extra {
		pfds = append(pfds, unix.PollFd{Fd: int32(x.Fd), Events: x.Events})
	}
	return pfds
}

// extraReady copies the extra fds' results back and counts those that are ready.
func extraReady(pfds []unix.PollFd, extra []WaitFd) int {
	n := 0
	for i := range extra {
		extra[i].Revents = pfds[i].Revents
		if pfds[i].Revents != 0 {
			n++
		}
	}
	return n
}
