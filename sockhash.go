package xfer

import "github.com/xfer-go/xfer/internal/sock"

// sockEntry is what the Multi knows of one fd: who owns it, what it wants to be watched
// for, what was last announced through SocketFunc, and the application's sockData.
type sockEntry struct {
	fd        int
	want      Poll  // what the owner wants now (0: nothing)
	announced Poll  // what SocketFunc was last told (0: not announced)
	data      any   // set by Assign; forgotten with PollRemove
	conn      *conn // owner: a connection (its transfer, or the idle cache)
	res       bool  // owner: the resolver
	queued    bool  // in Multi.changed
	watched   Poll  // what the internal poller watches (Wait and Poll)
}

// sockHash maps an fd to its entry. fds are small dense integers, so the map is a slice
// indexed by fd: a lookup is one bounds check and one load.
type sockHash struct {
	byFd  []*sockEntry
	n     int
	nwant int          // entries that want something (want != 0): Wait has nothing to wait for without them
	free  []*sockEntry // entries for reuse, so opening a socket does not allocate
}

func (h *sockHash) get(fd int) *sockEntry {
	if fd < 0 || fd >= len(h.byFd) {
		return nil
	}
	return h.byFd[fd]
}

func (h *sockHash) add(fd int) *sockEntry {
	for fd >= len(h.byFd) {
		h.byFd = append(h.byFd, nil)
	}
	h.byFd = h.byFd[:cap(h.byFd)]
	var ent *sockEntry
	if k := len(h.free); k > 0 {
		ent, h.free = h.free[k-1], h.free[:k-1]
	} else {
		ent = new(sockEntry)
	}
	*ent = sockEntry{fd: fd}
	h.byFd[fd] = ent
	h.n++
	return ent
}

// delete forgets ent, whose want is 0 by now.
func (h *sockHash) delete(ent *sockEntry) {
	h.byFd[ent.fd] = nil
	h.n--
	*ent = sockEntry{fd: -1}
	h.free = append(h.free, ent)
}

// each calls f for every entry.
func (h *sockHash) each(f func(*sockEntry)) {
	for _, ent := range h.byFd {
		if ent != nil {
			f(ent)
		}
	}
}

// setWant records what ent's owner wants now. The change is announced once, when the API
// call ends.
func (m *Multi) setWant(ent *sockEntry, want Poll) {
	if ent.want == want {
		return
	}
	switch {
	case ent.want == 0:
		m.socks.nwant++
	case want == 0:
		m.socks.nwant--
	}
	ent.want = want
	if !ent.queued {
		ent.queued = true
		m.changed = append(m.changed, ent)
	}
}

// flushSockets announces every changed interest: SocketFunc is called for an entry only
// when what it wants differs from what was last announced.
func (m *Multi) flushSockets() {
	for i := 0; i < len(m.changed); i++ { // callbacks may not add entries, but be safe
		ent := m.changed[i]
		m.changed[i] = nil
		if ent.fd < 0 {
			continue // closed before the end of the call
		}
		ent.queued = false
		m.announce(ent)
	}
	m.changed = m.changed[:0]
}

// announce tells SocketFunc and the internal poller what ent wants, if that changed.
func (m *Multi) announce(ent *sockEntry) {
	if m.poller.active() && ent.watched != ent.want {
		m.poller.watch(ent)
	}
	if ent.want == ent.announced || m.opts.Socket == nil {
		return
	}
	// What is announced is recorded before the call: the callback may change what ent
	// wants (Easy.Pause), and that change is announced in its turn, once.
	what := ent.want
	ent.announced = what
	if what == 0 {
		what = PollRemove
	}
	m.callSocket(ent, what)
	if what == PollRemove && ent.announced == 0 {
		ent.data = nil
	}
}

func (m *Multi) callSocket(ent *sockEntry, what Poll) {
	if err := m.callback(func() error { return m.opts.Socket(ent.fd, what, ent.data) }); err != nil {
		m.callbackFailed("socket", err)
	}
}

// forgetSock withdraws ent from every watcher and deletes it. PollRemove reaches SocketFunc
// here, so the caller closes the fd only after this returns.
func (m *Multi) forgetSock(ent *sockEntry) {
	if ent.want != 0 {
		m.socks.nwant--
		ent.want = 0
	}
	if ent.watched != 0 {
		m.poller.watch(ent)
	}
	if ent.announced != 0 && m.opts.Socket != nil {
		m.callSocket(ent, PollRemove)
	}
	m.socks.delete(ent)
}

// closeSock withdraws ent and closes its fd: PollRemove first, then close.
func (m *Multi) closeSock(ent *sockEntry) {
	fd := ent.fd
	m.forgetSock(ent)
	sock.Close(fd)
}
