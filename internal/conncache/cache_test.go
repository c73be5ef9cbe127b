package conncache

import "testing"

func TestTakeMostRecentPerKey(t *testing.T) {
	var c Cache[int]
	es := make([]Entry[int], 5)
	keys := []string{"a", "b", "a", "b", "a"}
	for i := range es {
		es[i].Value = i
		c.Put(&es[i], keys[i])
	}
	if c.Len() != 5 {
		t.Fatalf("Len = %d, want 5", c.Len())
	}
	if got := c.Oldest().Value; got != 0 {
		t.Fatalf("Oldest = %d, want 0", got)
	}
	for _, want := range []int{4, 2, 0} {
		e := c.Take("a")
		if e == nil || e.Value != want || e.Cached() {
			t.Fatalf("Take(a) = %+v, want %d", e, want)
		}
	}
	if c.Take("a") != nil {
		t.Fatal("Take(a) on an empty key returned an entry")
	}
	if got := c.Oldest().Value; got != 1 {
		t.Fatalf("Oldest = %d, want 1", got)
	}
	c.Remove(&es[1])
	c.Remove(&es[1]) // not cached any more: no effect
	if c.Len() != 1 || c.Peek("b").Value != 3 || c.Oldest().Value != 3 {
		t.Fatalf("after Remove: Len %d", c.Len())
	}
	c.Remove(&es[3])
	if c.Len() != 0 || c.Oldest() != nil || c.Peek("b") != nil {
		t.Fatal("cache not empty after removing everything")
	}
}

func TestPutTakeAllocatesNothing(t *testing.T) {
	var c Cache[int]
	var e Entry[int]
	c.Put(&e, "k")
	c.Take("k")
	if n := testing.AllocsPerRun(100, func() {
		c.Put(&e, "k")
		c.Take("k")
	}); n != 0 {
		t.Fatalf("Put+Take allocates %v times", n)
	}
}
