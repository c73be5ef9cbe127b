package xfer

import "github.com/xfer-go/xfer/internal/ilist"

// The connection limits: MaxHostConnections and MaxTotalConnections. A transfer that would
// exceed one waits in a FIFO queue, holding no socket and counted as running; each freed
// slot wakes the first waiting transfer that can use it.

// pendingQueue is the FIFO of transfers waiting for a connection slot; a transfer carries
// its own links (transfer.plinks).
type pendingQueue = ilist.List[transfer, pendingLinks]

type pendingLinks struct{}

func (pendingLinks) Links(t *transfer) *ilist.Links[transfer] { return &t.plinks }

// slotFree reports whether a new connection to key may be opened now, closing idle
// connections that stand in the way (the oldest first).
func (m *Multi) slotFree(key string) bool {
	m.claiming = true
	defer func() { m.claiming = false }()
	if lim := m.opts.MaxHostConnections; lim > 0 {
		for m.hostConns[key] >= lim {
			e := m.idle.Peek(key)
			if e == nil {
				return false
			}
			m.closeConn(e.Value)
		}
	}
	if lim := m.opts.MaxTotalConnections; lim > 0 {
		for m.nconns >= lim {
			e := m.idle.Oldest()
			if e == nil {
				return false
			}
			m.closeConn(e.Value)
		}
	}
	return true
}

// canStart reports whether t could get a connection now, without changing anything.
func (m *Multi) canStart(t *transfer) bool {
	key := t.target().key
	if !t.fresh() && m.muxConn(key) != nil {
		return true
	}
	if m.pipeWaits(t) {
		return false
	}
	if !t.fresh() && m.idle.Peek(key) != nil {
		return true
	}
	host := m.opts.MaxHostConnections <= 0 || m.hostConns[key] < m.opts.MaxHostConnections ||
		m.idle.Peek(key) != nil
	total := m.opts.MaxTotalConnections <= 0 || m.nconns < m.opts.MaxTotalConnections ||
		m.idle.Len() > 0
	return host && total
}

// queueForSlot puts t in the queue of transfers waiting for a slot.
func (m *Multi) queueForSlot(t *transfer) {
	if t.dial.woken {
		t.dial.woken = false
		m.pending.PushFront(t) // it keeps its place
		return
	}
	m.pending.PushBack(t)
}

// slotFreed wakes the first waiting transfer that can use a slot now. It is called each
// time a connection closes or goes idle.
func (m *Multi) slotFreed() {
	for t := m.pending.Front(); t != nil; t = m.pending.Next(t) {
		if m.canStart(t) {
			m.pending.Remove(t)
			t.dial.woken = true
			m.runSoon(t)
			return
		}
	}
}
