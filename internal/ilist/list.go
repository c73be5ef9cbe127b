// Package ilist is an intrusive doubly linked list: an element carries its own links, one
// set per list it can be in, so putting it in a list and taking it out allocate nothing,
// and taking it out needs no search. The engine's queue of transfers waiting for a
// connection slot and the idle-connection cache are built on it.
package ilist

// Links are an element's links in one list. An element has one Links field for each list
// it can be in; a [Linker] tells a [List] which one is its own.
type Links[T any] struct {
	prev, next *T
	in         bool
}

// In reports whether the element is in the list these links belong to.
func (k *Links[T]) In() bool { return k.in }

// Linker finds an element's Links for one list. It is a type without fields, so that
// choosing the list costs nothing at run time:
//
//	type byAge struct{}
//	func (byAge) Links(c *Conn) *ilist.Links[Conn] { return &c.ageLinks }
type Linker[T any] interface {
	Links(*T) *Links[T]
}

// List is a doubly linked list of *T whose links are found by L. The zero value is an
// empty list.
//
// Invariant: head and tail are nil exactly when n is 0; an element is in the list exactly
// when its Links (by L) have in set, and then its prev and next lead to head and tail.
type List[T any, L Linker[T]] struct {
	head, tail *T
	n          int
}

func links[T any, L Linker[T]](x *T) *Links[T] {
	var l L
	return l.Links(x)
}

// Len returns the number of elements.
func (l *List[T, L]) Len() int { return l.n }

// Front returns the first element, or nil.
func (l *List[T, L]) Front() *T { return l.head }

// Back returns the last element, or nil.
func (l *List[T, L]) Back() *T { return l.tail }

// Next returns the element after x, or nil; x must be in l.
func (l *List[T, L]) Next(x *T) *T { return links[T, L](x).next }

// PushBack adds x at the end. x must not be in a list of this kind.
func (l *List[T, L]) PushBack(x *T) {
	k := links[T, L](x)
	k.prev, k.next, k.in = l.tail, nil, true
	if l.tail != nil {
		links[T, L](l.tail).next = x
	} else {
		l.head = x
	}
	l.tail = x
	l.n++
}

// PushFront adds x at the start. x must not be in a list of this kind.
func (l *List[T, L]) PushFront(x *T) {
	k := links[T, L](x)
	k.prev, k.next, k.in = nil, l.head, true
	if l.head != nil {
		links[T, L](l.head).prev = x
	} else {
		l.tail = x
	}
	l.head = x
	l.n++
}

// Remove takes x out of l; it does nothing when x is not in a list of this kind. x must
// not be in another list of this kind.
func (l *List[T, L]) Remove(x *T) {
	k := links[T, L](x)
	if !k.in {
		return
	}
	if k.prev != nil {
		links[T, L](k.prev).next = k.next
	} else {
		l.head = k.next
	}
	if k.next != nil {
		links[T, L](k.next).prev = k.prev
	} else {
		l.tail = k.prev
	}
	*k = Links[T]{}
	l.n--
}
