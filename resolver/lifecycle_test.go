package resolver

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/net/dns/dnsmessage"
)

func TestCacheHitSendsNoQuery(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60, "www.example. 300 IN A 127.0.0.1", "www.example. 300 IN AAAA ::1"))
	lp := newLoop(t, cfgFor(s))
	first := lp.resolve("www.example.")
	calls := lp.calls
	// Known at once: done is called before Lookup returns.
	o := new(outcome)
	lp.r.Lookup("WWW.Example.", o.done)
	if o.calls != 1 || o.err != nil || !slices.Equal(o.addrs, first.addrs) {
		t.Fatalf("cached lookup: %d calls, %v, %v", o.calls, o.addrs, o.err)
	}
	if n := s.count(""); n != 2 {
		t.Errorf("%d queries, want 2", n)
	}
	if lp.calls != calls {
		t.Error("a cached answer opened a socket")
	}
	// The caller owns its slice.
	o.addrs[0] = netip.Addr{}
	o2 := new(outcome)
	lp.r.Lookup("www.example.", o2.done)
	if !slices.Equal(o2.addrs, first.addrs) {
		t.Errorf("cache changed through a returned slice: %v", o2.addrs)
	}
}

func TestTTLExpiry(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60, "www.example. 1 IN A 127.0.0.1", "www.example. 1 IN AAAA ::1"))
	lp := newLoop(t, cfgFor(s))
	lp.resolve("www.example.")
	lp.resolve("www.example.")
	if n := s.count(""); n != 2 {
		t.Fatalf("%d queries within the TTL, want 2", n)
	}
	time.Sleep(1100 * time.Millisecond)
	if o := lp.resolve("www.example."); o.err != nil {
		t.Fatal(o.err)
	}
	if n := s.count(""); n != 4 {
		t.Errorf("%d queries after the TTL, want 4", n)
	}
}

func TestTTLLimits(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60,
		"top.example. 2147483648 IN A 127.0.0.1", // top bit set: 0 (RFC 2181 §8)
		"max.example. 4294967295 IN A 127.0.0.1",
		"long.example. 2147483647 IN A 127.0.0.1", // capped at an hour
	))
	lp := newLoop(t, cfgFor(s))
	for _, name := range []string{"top.example.", "max.example.", "top.example.", "max.example."} {
		if o := lp.resolve(name); o.err != nil {
			t.Fatal(o.err)
		}
	}
	if a, b := s.count("udp top.example. A"), s.count("udp max.example. A"); a != 2 || b != 2 {
		t.Errorf("A queries: %d, %d; want 2 each (TTL read as 0: not cached)", a, b)
	}
	lp.resolve("long.example.")
	e, ok := lp.r.cache.m[cacheKey{"long.example.", dnsmessage.TypeA}]
	if left := time.Until(e.expires); !ok || left > time.Hour || left < time.Hour-time.Minute {
		t.Errorf("cached for %v, want an hour", left)
	}
}

func TestNegativeCache(t *testing.T) {
	testutil.CheckLeaks(t)
	for _, tc := range []struct {
		negTTL  uint32
		queries int
	}{{60, 2}, {0, 4}} {
		t.Run(fmt.Sprint("soa minimum ", tc.negTTL), func(t *testing.T) {
			s := startServer(t, zone(tc.negTTL, "txt.example. 60 IN TXT \"x\""))
			lp := newLoop(t, cfgFor(s))
			for range 2 {
				if o := lp.resolve("nothing.example."); !errors.Is(o.err, ErrNotFound) {
					t.Fatalf("err %v", o.err)
				}
			}
			if n := s.count(""); n != tc.queries {
				t.Errorf("%d queries, want %d", n, tc.queries)
			}
			for range 2 {
				if o := lp.resolve("txt.example."); !errors.Is(o.err, ErrNoData) {
					t.Fatalf("err %v", o.err)
				}
			}
			if n := s.count(""); n != 2*tc.queries {
				t.Errorf("%d queries, want %d", n, 2*tc.queries)
			}
			if tc.negTTL > 0 {
				e := lp.r.cache.m[cacheKey{"nothing.example.", dnsmessage.TypeA}]
				if left := time.Until(e.expires); left > 60*time.Second {
					t.Errorf("negative answer cached for %v", left)
				}
			}
		})
	}
}

func TestConcurrentLookupsShareQueries(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60, "www.example. 60 IN A 127.0.0.1", "www.example. 60 IN AAAA ::1"))
	lp := newLoop(t, cfgFor(s))
	var os []*outcome
	for _, name := range []string{"www.example.", "WWW.EXAMPLE.", "www.example."} {
		o := new(outcome)
		lp.r.Lookup(name, o.done)
		os = append(os, o)
	}
	if len(lp.r.lookups) != 1 || len(lp.r.socks) != 2 {
		t.Fatalf("%d lookups, %d sockets; want 1, 2", len(lp.r.lookups), len(lp.r.socks))
	}
	lp.run(5*time.Second, func() bool { return os[0].calls+os[1].calls+os[2].calls == 3 })
	for i, o := range os {
		if o.calls != 1 || o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.1", "::1")) {
			t.Errorf("lookup %d: %d calls, %v, %v", i, o.calls, o.addrs, o.err)
		}
	}
	if &os[0].addrs[0] == &os[1].addrs[0] {
		t.Error("two callers share one slice")
	}
	if a, aaaa := s.count("udp www.example. A"), s.count("udp www.example. AAAA"); a != 1 || aaaa != 1 {
		t.Errorf("queries: A %d, AAAA %d; want 1 each", a, aaaa)
	}
}

func TestManyLookupsFewNames(t *testing.T) {
	testutil.CheckLeaks(t)
	var records []string
	for i := range 50 {
		records = append(records, fmt.Sprintf("h%d.example. 60 IN A 127.0.0.%d", i, i+1))
	}
	s := startServer(t, zone(60, records...))
	lp := newLoop(t, cfgFor(s))
	done := 0
	for i := range 1000 {
		lp.r.Lookup(fmt.Sprintf("h%d.example.", i%50), func(addrs []netip.Addr, err error) {
			if err != nil || len(addrs) != 1 {
				t.Errorf("lookup %d: %v, %v", i, addrs, err)
			}
			done++
		})
	}
	lp.run(10*time.Second, func() bool { return done == 1000 })
	if n := s.count(""); n != 100 {
		t.Errorf("%d queries for 1000 lookups of 50 names, want 100", n)
	}
}

func TestCancel(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, nil)
	cfg := cfgFor(s)
	cfg.Timeout = 5 * time.Second
	lp := newLoop(t, cfg)
	o := new(outcome)
	q := lp.r.Lookup("www.example.", o.done)
	lp.run(time.Second, func() bool { return s.count("") == 2 })
	if len(lp.watched) != 2 {
		t.Fatalf("%d fds watched, want 2", len(lp.watched))
	}
	lp.r.Cancel(q)
	// loop.watch checked that each removal came while its fd was open.
	if len(lp.watched) != 0 || lp.removes != 2 || len(lp.r.socks) != 0 {
		t.Errorf("after Cancel: %d watched, %d removed, %d open", len(lp.watched), lp.removes, len(lp.r.socks))
	}
	if _, ok := lp.r.NextTimeout(); ok {
		t.Error("a deadline is left after Cancel")
	}
	lp.r.ProcessTimeouts(time.Now().Add(time.Hour))
	lp.r.Cancel(q) // again: nothing happens
	if o.calls != 0 {
		t.Errorf("done called %d times after Cancel", o.calls)
	}
	if len(lp.r.lookups) != 0 {
		t.Error("the lookup is still registered")
	}
}

func TestCancelOneOfTwo(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60, "www.example. 60 IN A 127.0.0.1"))
	lp := newLoop(t, cfgFor(s))
	a, b := new(outcome), new(outcome)
	qa := lp.r.Lookup("www.example.", a.done)
	lp.r.Lookup("www.example.", b.done)
	lp.r.Cancel(qa)
	lp.run(5*time.Second, func() bool { return b.calls > 0 })
	if a.calls != 0 || b.calls != 1 || b.err != nil {
		t.Errorf("cancelled: %d calls; other: %d calls, %v", a.calls, b.calls, b.err)
	}
	if s.count("") != 2 {
		t.Errorf("%d queries, want 2", s.count(""))
	}
}

func TestClose(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, nil)
	lp := newLoop(t, cfgFor(s))
	o1, o2 := new(outcome), new(outcome)
	lp.r.Lookup("a.example.", o1.done)
	lp.r.Lookup("b.example.", o2.done)
	if len(lp.watched) != 4 {
		t.Fatalf("%d fds watched, want 4", len(lp.watched))
	}
	if err := lp.r.Close(); err != nil {
		t.Fatal(err)
	}
	if len(lp.watched) != 0 || lp.removes != 4 {
		t.Errorf("after Close: %d watched, %d removed", len(lp.watched), lp.removes)
	}
	if err := lp.r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	o3 := new(outcome)
	lp.r.Lookup("c.example.", o3.done)
	if o1.calls+o2.calls != 0 || o3.calls != 1 || !errors.Is(o3.err, ErrClosed) {
		t.Errorf("calls %d %d %d, err %v", o1.calls, o2.calls, o3.calls, o3.err)
	}
	if _, ok := lp.r.NextTimeout(); ok {
		t.Error("a deadline is left after Close")
	}
}

func TestCallbacksMayCallBack(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60, "www.example. 60 IN A 127.0.0.1", "other.example. 60 IN A 127.0.0.2"))
	lp := newLoop(t, cfgFor(s))
	var order []string
	var second *Query
	var nested outcome
	lp.r.Lookup("www.example.", func(addrs []netip.Addr, err error) {
		order = append(order, "first")
		lp.r.Cancel(second)                      // same lookup, not yet delivered
		lp.r.Lookup("www.example.", nested.done) // cached now: answered at once
		lp.r.Lookup("other.example.", func([]netip.Addr, error) { order = append(order, "other") })
	})
	second = lp.r.Lookup("www.example.", func([]netip.Addr, error) { order = append(order, "second") })
	lp.run(5*time.Second, func() bool { return slices.Contains(order, "other") })
	if !slices.Equal(order, []string{"first", "other"}) || nested.calls != 1 || nested.err != nil {
		t.Errorf("order %v, nested %d calls %v", order, nested.calls, nested.err)
	}

	// Close from inside done: the other waiters of the batch are not called.
	calls := 0
	for _, name := range []string{"x.example.", "x.example."} {
		lp.r.Lookup(name, func([]netip.Addr, error) { calls++; lp.r.Close() })
	}
	lp.run(5*time.Second, func() bool { return calls > 0 })
	if calls != 1 {
		t.Errorf("%d calls after Close from done", calls)
	}
}

func TestRotate(t *testing.T) {
	testutil.CheckLeaks(t)
	s1 := startServer(t, zone(60, "www.example. 60 IN A 127.0.0.1"))
	s2 := startServer(t, zone(60, "www.example. 60 IN A 127.0.0.1"))
	cfg := cfgFor(s1, s2)
	cfg.Rotate = true
	lp := newLoop(t, cfg)
	lp.resolve("a.example.")
	lp.resolve("b.example.")
	if s1.count("") != 2 || s2.count("") != 2 {
		t.Errorf("queries %d, %d; want 2, 2", s1.count(""), s2.count(""))
	}
}

func TestPortsAndIDs(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60))
	lp := newLoop(t, cfgFor(s))
	done := 0
	for i := range 50 {
		lp.r.Lookup(fmt.Sprintf("n%d.example.", i), func([]netip.Addr, error) { done++ })
	}
	if len(lp.r.socks) != 100 {
		t.Errorf("%d sockets for 100 outstanding queries", len(lp.r.socks))
	}
	lp.run(5*time.Second, func() bool { return done == 50 })
	s.mu.Lock()
	ports, ids := len(s.ports), len(s.ids)
	s.mu.Unlock()
	// Every outstanding query had a socket, so a port, of its own; IDs are
	// random over 16 bits, so a few may collide.
	if ports != 100 || ids < 90 {
		t.Errorf("100 queries: %d source ports, %d IDs", ports, ids)
	}
}
