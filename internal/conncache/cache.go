// Package conncache keeps idle connections for reuse: found by key (scheme, host, port and
// TLS identity), most recently used first, and evicted oldest first. Entries are intrusive —
// embedded in the connection — so putting and taking allocate nothing.
package conncache

// Entry is the cache's bookkeeping, embedded in the value it holds.
type Entry[T any] struct {
	Value T

	key              string
	prevAll, nextAll *Entry[T] // over the whole cache, oldest first
	prevKey, nextKey *Entry[T] // among entries of the same key, oldest first
	cached           bool
}

// Cached reports whether e is in a cache now.
func (e *Entry[T]) Cached() bool { return e.cached }

type list[T any] struct{ head, tail *Entry[T] }

// Cache holds idle entries. The zero value is ready to use.
//
// Invariant: an entry is in the all-list and in its key's list exactly when cached is true,
// and n counts those entries.
type Cache[T any] struct {
	byKey map[string]list[T]
	all   list[T]
	n     int
}

// Len returns the number of idle entries.
func (c *Cache[T]) Len() int { return c.n }

// Put adds e, idle since now, under key. e must not be cached.
func (c *Cache[T]) Put(e *Entry[T], key string) {
	if c.byKey == nil {
		c.byKey = make(map[string]list[T])
	}
	e.key, e.cached = key, true
	e.prevAll, e.nextAll = c.all.tail, nil
	if c.all.tail != nil {
		c.all.tail.nextAll = e
	} else {
		c.all.head = e
	}
	c.all.tail = e
	l := c.byKey[key]
	e.prevKey, e.nextKey = l.tail, nil
	if l.tail != nil {
		l.tail.nextKey = e
	} else {
		l.head = e
	}
	l.tail = e
	c.byKey[key] = l
	c.n++
}

// Take removes and returns the most recently idled entry for key, or nil.
func (c *Cache[T]) Take(key string) *Entry[T] {
	l, ok := c.byKey[key]
	if !ok {
		return nil
	}
	e := l.tail
	c.Remove(e)
	return e
}

// Peek returns the most recently idled entry for key without removing it, or nil.
func (c *Cache[T]) Peek(key string) *Entry[T] {
	return c.byKey[key].tail
}

// Oldest returns the entry idle the longest, or nil.
func (c *Cache[T]) Oldest() *Entry[T] { return c.all.head }

// Remove takes e out of the cache; it does nothing if e is not cached.
func (c *Cache[T]) Remove(e *Entry[T]) {
	if !e.cached {
		return
	}
	if e.prevAll != nil {
		e.prevAll.nextAll = e.nextAll
	} else {
		c.all.head = e.nextAll
	}
	if e.nextAll != nil {
		e.nextAll.prevAll = e.prevAll
	} else {
		c.all.tail = e.prevAll
	}
	l := c.byKey[e.key]
	if e.prevKey != nil {
		e.prevKey.nextKey = e.nextKey
	} else {
		l.head = e.nextKey
	}
	if e.nextKey != nil {
		e.nextKey.prevKey = e.prevKey
	} else {
		l.tail = e.prevKey
	}
	if l.head == nil {
		delete(c.byKey, e.key)
	} else {
		c.byKey[e.key] = l
	}
	e.prevAll, e.nextAll, e.prevKey, e.nextKey = nil, nil, nil, nil
	e.cached = false
	c.n--
}
