package ilist

import (
	"slices"
	"testing"
)

type item struct {
	id   int
	a, b Links[item]
}

type byA struct{}

func (byA) Links(x *item) *Links[item] { return &x.a }

type byB struct{}

func (byB) Links(x *item) *Links[item] { return &x.b }

// ids lists l's elements front to back, and checks the links agree back to front.
func ids[L Linker[item]](t *testing.T, l *List[item, L]) []int {
	t.Helper()
	var fwd []int
	for x := l.Front(); x != nil; x = l.Next(x) {
		fwd = append(fwd, x.id)
	}
	var back []int
	for x := l.Back(); x != nil; x = links[item, L](x).prev {
		back = append(back, x.id)
	}
	slices.Reverse(back)
	if !slices.Equal(fwd, back) || len(fwd) != l.Len() {
		t.Fatalf("forward %v, backward %v, Len %d", fwd, back, l.Len())
	}
	return fwd
}

func TestList(t *testing.T) {
	items := make([]*item, 6)
	for i := range items {
		items[i] = &item{id: i}
	}
	var a List[item, byA]
	var b List[item, byB]
	if a.Front() != nil || a.Back() != nil || a.Len() != 0 {
		t.Fatal("the zero List is not empty")
	}
	for _, x := range items {
		a.PushBack(x)
	}
	b.PushFront(items[0])
	b.PushFront(items[3])
	b.PushBack(items[5])
	if got := ids(t, &a); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5}) {
		t.Fatalf("a: %v", got)
	}
	if got := ids(t, &b); !slices.Equal(got, []int{3, 0, 5}) {
		t.Fatalf("b: %v", got)
	}
	steps := []struct {
		remove int
		wantA  []int
	}{
		{0, []int{1, 2, 3, 4, 5}}, // head
		{5, []int{1, 2, 3, 4}},    // tail
		{3, []int{1, 2, 4}},       // middle
		{3, []int{1, 2, 4}},       // not in: nothing
		{1, []int{2, 4}},
		{4, []int{2}},
		{2, nil},
	}
	for _, s := range steps {
		a.Remove(items[s.remove])
		if items[s.remove].a.In() {
			t.Fatalf("item %d still in a", s.remove)
		}
		if got := ids(t, &a); !slices.Equal(got, s.wantA) {
			t.Fatalf("after removing %d: %v, want %v", s.remove, got, s.wantA)
		}
	}
	// Removing from a left b alone.
	if got := ids(t, &b); !slices.Equal(got, []int{3, 0, 5}) || !items[0].b.In() {
		t.Fatalf("b after a emptied: %v", got)
	}
	b.Remove(items[0])
	a.PushFront(items[0])
	if got := ids(t, &b); !slices.Equal(got, []int{3, 5}) {
		t.Fatalf("b: %v", got)
	}
	if got := ids(t, &a); !slices.Equal(got, []int{0}) {
		t.Fatalf("a: %v", got)
	}
}

func BenchmarkPushRemove(b *testing.B) {
	var l List[item, byA]
	xs := make([]item, 64)
	for i := range xs {
		l.PushBack(&xs[i])
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		x := &xs[i%len(xs)]
		l.Remove(x)
		l.PushBack(x)
	}
}
