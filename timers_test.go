//go:build linux

package xfer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

// fillTimers queues n nodes at random times within 1,000 seconds and returns them.
func fillTimers(q *timerQueue, n int, r *rand.Rand) []timerNode {
	nodes := make([]timerNode, n)
	for i := range nodes {
		q.schedule(&nodes[i], 1+r.Int64N(1e12))
	}
	return nodes
}

// TestTimerQueue checks the queue against a plain list under random schedules, moves and
// removals: after every step the O(1) first is the earliest queued node (ties go to the
// one set first), and draining the queue gives every node in order.
func TestTimerQueue(t *testing.T) {
	testutil.CheckLeaks(t)
	var q timerQueue
	q.init()
	r := rand.New(rand.NewPCG(3, 4))
	nodes := make([]timerNode, 2000)
	earliest := func() *timerNode {
		var best *timerNode
		for i := range nodes {
			if n := &nodes[i]; n.queued && (best == nil || lessTimer(n, best)) {
				best = n
			}
		}
		return best
	}
	for step := 0; step < 20000; step++ {
		n := &nodes[r.IntN(len(nodes))]
		switch r.IntN(3) {
		case 0, 1:
			q.schedule(n, 1+r.Int64N(500)) // few distinct times: many ties
		case 2:
			q.remove(n)
		}
		if got, want := q.first(), earliest(); got != want {
			t.Fatalf("step %d: first is %+v, want %+v", step, got, want)
		}
	}
	var drained []*timerNode
	for n := q.first(); n != nil; n = q.first() {
		q.remove(n)
		drained = append(drained, n)
	}
	if !slices.IsSortedFunc(drained, func(a, b *timerNode) int {
		if lessTimer(a, b) {
			return -1
		}
		return 1
	}) {
		t.Fatal("the queue did not drain in order")
	}
	for i := range nodes {
		if nodes[i].queued {
			t.Fatalf("node %d still marked queued after draining", i)
		}
	}
}

// TestExpiryDoesNotAllocate: with 100,000 transfers' nodes queued, moving an expiry,
// taking the earliest and asking for the timeout allocate nothing.
func TestExpiryDoesNotAllocate(t *testing.T) {
	testutil.CheckLeaks(t)
	var q timerQueue
	q.init()
	r := rand.New(rand.NewPCG(5, 6))
	nodes := fillTimers(&q, 100_000, r)
	allocs := testing.AllocsPerRun(10_000, func() {
		q.schedule(&nodes[r.IntN(len(nodes))], 1+r.Int64N(1e12))
		n := q.first()
		q.remove(n)
		q.schedule(n, n.when+1e9)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per move and pop, want 0", allocs)
	}
}

// BenchmarkExpiry measures the expiry queue with n transfers waiting: moving one
// transfer's expiry (remove and insert, O(log n)), an expiry set and cleared, taking the
// earliest and setting it again later (what each timer action does), and Multi.Timeout,
// which reads the cached earliest (O(1)). Every one is 0 allocs/op.
func BenchmarkExpiry(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) { benchExpiry(b, n) })
	}
}

func benchExpiry(b *testing.B, n int) {
	m, err := NewMulti(MultiOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	r := rand.New(rand.NewPCG(1, 2))
	nodes := fillTimers(&m.timers, n, r)
	t := &NewEasy("http://127.0.0.1/").x // one more transfer, driven through the engine's calls
	t.node.t = t
	b.Run("move", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.timers.schedule(&nodes[r.IntN(n)], 1+r.Int64N(1e12))
		}
	})
	b.Run("set+clear", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.expire(t, expConnect, 1+r.Int64N(1e12))
			m.clearExpire(t, expConnect)
		}
	})
	b.Run("pop", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			first := m.timers.first()
			m.timers.remove(first)
			m.timers.schedule(first, first.when+1e12)
		}
	})
	b.Run("Timeout", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Timeout()
		}
	})
	if m.timers.tree.Len() != n {
		b.Fatalf("%d nodes queued, want %d", m.timers.tree.Len(), n)
	}
}
