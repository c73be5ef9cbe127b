package xfer

import (
	"time"

	"github.com/google/btree"
)

// expireID names one of a transfer's expiries. Each transfer keeps one time per name; only
// the earliest of them sits in the Multi's queue.
type expireID uint8

const (
	expRunNow    expireID = iota // run the transfer at the next action (start, unpause, read budget spent)
	expConnect                   // ConnectTimeout
	expTotal                     // Timeout
	expRetry                     // try again later (a body reader with nothing to give)
	expEyeballs                  // start the next connection attempt beside the first
	expLowSpeed                  // the once-a-second low-speed check
	expRateLimit                 // MaxRecvSpeed or MaxSendSpeed: resume after the pause
	expProgress                  // the once-a-second Progress call
	expExpect100                 // Expect100Timeout: send the body without waiting more for 100
	numExpire
)

// timerNode is one entry of the expiry queue: a transfer's earliest expiry, or the
// resolver's next deadline.
type timerNode struct {
	when   int64 // engine clock, see Multi.now
	seq    uint64
	t      *transfer // the transfer, or nil for the resolver's node
	res    bool      // the resolver's node
	queued bool
}

func lessTimer(a, b *timerNode) bool {
	if a.when != b.when {
		return a.when < b.when
	}
	return a.seq < b.seq
}

// timerQueue orders expiries by (when, sequence), so equal times come out in the order they
// were set.
//
// Invariant: min is the first node of tree, or nil when tree is empty; a node is in tree
// exactly when its queued flag is set.
type timerQueue struct {
	tree *btree.BTreeG[*timerNode]
	min  *timerNode
	seq  uint64
}

func (q *timerQueue) init() {
	q.tree = btree.NewG(16, lessTimer)
}

// first returns the earliest node, or nil. It is O(1).
func (q *timerQueue) first() *timerNode { return q.min }

// schedule puts n in the queue at when, moving it if it was queued already.
func (q *timerQueue) schedule(n *timerNode, when int64) {
	if n.queued {
		if n.when == when {
			return
		}
		q.remove(n)
	}
	q.seq++
	n.when, n.seq, n.queued = when, q.seq, true
	q.tree.ReplaceOrInsert(n)
	if q.min == nil || lessTimer(n, q.min) {
		q.min = n
	}
}

// remove takes n out of the queue; it does nothing if n is not queued.
func (q *timerQueue) remove(n *timerNode) {
	if !n.queued {
		return
	}
	q.tree.Delete(n)
	n.queued = false
	if q.min == n {
		q.min, _ = q.tree.Min()
	}
}

// clear empties the queue.
func (q *timerQueue) clear() {
	q.tree.Ascend(func(n *timerNode) bool {
		n.queued = false
		return true
	})
	q.tree.Clear(false)
	q.min = nil
}

// expire sets t's expiry id to when (engine clock) and requeues t if its earliest changed.
func (m *Multi) expire(t *transfer, id expireID, when int64) {
	t.exp[id] = when
	m.requeue(t)
}

// expireIn sets t's expiry id to d from now.
func (m *Multi) expireIn(t *transfer, id expireID, d time.Duration) {
	m.expire(t, id, later(m.now(), d))
}

// runSoon makes the next action run t. A run already asked for is not moved, so asking
// again does not change the earliest expiry.
func (m *Multi) runSoon(t *transfer) {
	if t.exp[expRunNow] == 0 {
		m.expire(t, expRunNow, m.now())
	}
}

// clearExpire unsets t's expiry id.
func (m *Multi) clearExpire(t *transfer, id expireID) {
	if t.exp[id] == 0 {
		return
	}
	t.exp[id] = 0
	m.requeue(t)
}

// clearAllExpire unsets every expiry of t and takes it out of the queue.
func (m *Multi) clearAllExpire(t *transfer) {
	t.exp = [numExpire]int64{}
	m.timers.remove(&t.node)
}

// requeue puts t's earliest expiry in the queue, or takes t out when it has none.
func (m *Multi) requeue(t *transfer) {
	var earliest int64
	for _, w := range t.exp {
		if w != 0 && (earliest == 0 || w < earliest) {
			earliest = w
		}
	}
	if earliest == 0 {
		m.timers.remove(&t.node)
		return
	}
	m.timers.schedule(&t.node, earliest)
}

// runDue runs every transfer (and the resolver) whose earliest expiry is at or before now.
// The due nodes are taken first, so a transfer that asks to run again at once waits for the
// next action instead of starving the others.
func (m *Multi) runDue(now int64) {
	due := m.due[:0]
	for n := m.timers.first(); n != nil && n.when <= now; n = m.timers.first() {
		m.timers.remove(n)
		due = append(due, n)
	}
	for i, n := range due {
		due[i] = nil
		if n.res {
			m.resolverTimeout()
			continue
		}
		m.expired(n.t, now)
	}
	m.due = due[:0]
}

// expired handles t's expiries that are due: it clears them, requeues the next one and acts
// on what fired.
func (m *Multi) expired(t *transfer, now int64) {
	var fired [numExpire]bool
	for id, w := range t.exp {
		if w != 0 && w <= now {
			fired[id] = true
			t.exp[id] = 0
		}
	}
	m.requeue(t)
	if t.done {
		return
	}
	if fired[expEyeballs] && t.dial != nil {
		t.dial.eyeballsDue = true
	}
	if fired[expRateLimit] {
		t.throttled = false
	}
	if fired[expExpect100] {
		m.continueBody(t)
	}
	switch {
	case fired[expTotal]:
		m.fail(t, ErrOperationTimedOut, errTimeout("operation", t.e.Timeout))
	case fired[expConnect]:
		m.fail(t, ErrOperationTimedOut, errTimeout(t.phase(), t.connectTimeout()))
	case fired[expLowSpeed] && m.tooSlow(t, now):
	case fired[expProgress] && !m.progress(t, true):
	default:
		m.run(t)
	}
}

// updateTimer tells TimerFunc about the earliest expiry when it changed since the last
// announcement, and reports whether it did.
func (m *Multi) updateTimer() bool {
	if m.opts.Timer == nil || m.dead != nil {
		return false // a dead Multi makes no more timer callbacks
	}
	n := m.timers.first()
	if n == nil {
		if !m.timerSet {
			return false
		}
		m.timerSet = false
		m.callTimer(-1)
		return true
	}
	if m.timerSet && m.timerWhen == n.when {
		return false
	}
	m.timerSet, m.timerWhen = true, n.when
	m.callTimer(roundUpMs(n.when - m.now()))
	return true
}

func (m *Multi) callTimer(d time.Duration) {
	if err := m.callback(func() error { return m.opts.Timer(d) }); err != nil {
		m.callbackFailed("timer", err)
	}
}

// maxDelay bounds how far ahead an expiry is kept, so that a huge timeout cannot overflow
// the clock: a century is as good as never.
const maxDelay = 100 * 365 * 24 * time.Hour

// later returns the engine time d after at.
func later(at int64, d time.Duration) int64 {
	return at + int64(min(d, maxDelay))
}

// roundUpMs turns nanoseconds into a duration of whole milliseconds, rounded up; 0 or less
// becomes 0.
func roundUpMs(ns int64) time.Duration {
	if ns <= 0 {
		return 0
	}
	const ms = int64(time.Millisecond)
	return time.Duration((ns + ms - 1) / ms * ms)
}
