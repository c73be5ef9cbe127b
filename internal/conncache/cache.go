// Package conncache keeps idle connections for reuse: found by key (scheme, host, port and
// TLS identity), most recently used first, and evicted oldest first. Entries are intrusive —
// embedded in the connection — so putting and taking allocate nothing.
package conncache

import "github.com/xfer-go/xfer/internal/ilist"

// Entry is the cache's bookkeeping, embedded in the value it holds.
type Entry[T any] struct {
	Value T

	key      string
	all, own ilist.Links[Entry[T]] // over the whole cache, and among entries of the same key; oldest first
}

// Cached reports whether e is in a cache now.
func (e *Entry[T]) Cached() bool { return e.all.In() }

type byAll[T any] struct{}

func (byAll[T]) Links(e *Entry[T]) *ilist.Links[Entry[T]] { return &e.all }

type byKey[T any] struct{}

func (byKey[T]) Links(e *Entry[T]) *ilist.Links[Entry[T]] { return &e.own }

// Cache holds idle entries. The zero value is ready to use.
//
// Invariant: an entry is in the all-list and in its key's list exactly when it is cached.
type Cache[T any] struct {
	byKey map[string]ilist.List[Entry[T], byKey[T]] // values: a list's ends, copied in and out
	all   ilist.List[Entry[T], byAll[T]]
}

// Len returns the number of idle entries.
func (c *Cache[T]) Len() int { return c.all.Len() }

// Put adds e, idle since now, under key. e must not be cached.
func (c *Cache[T]) Put(e *Entry[T], key string) {
	if c.byKey == nil {
		c.byKey = make(map[string]ilist.List[Entry[T], byKey[T]])
	}
	e.key = key
	c.all.PushBack(e)
	l := c.byKey[key]
	l.PushBack(e)
	c.byKey[key] = l
}

// Take removes and returns the most recently idled entry for key, or nil.
func (c *Cache[T]) Take(key string) *Entry[T] {
	e := c.Peek(key)
	if e != nil {
		c.Remove(e)
	}
	return e
}

// Peek returns the most recently idled entry for key without removing it, or nil.
func (c *Cache[T]) Peek(key string) *Entry[T] {
	l := c.byKey[key]
	return l.Back()
}

// Oldest returns the entry idle the longest, or nil.
func (c *Cache[T]) Oldest() *Entry[T] { return c.all.Front() }

// Remove takes e out of the cache; it does nothing if e is not cached.
func (c *Cache[T]) Remove(e *Entry[T]) {
	if !e.Cached() {
		return
	}
	c.all.Remove(e)
	l := c.byKey[e.key]
	l.Remove(e)
	if l.Len() == 0 {
		delete(c.byKey, e.key)
	} else {
		c.byKey[e.key] = l
	}
}
