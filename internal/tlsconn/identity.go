package tlsconn

import (
	"runtime"
	"sync"
	"weak"
)

// identities numbers objects (root pools, configs) for SessionKey. A number
// is never reused: a new object allocated at the address of a collected one
// gets a new number, because weak pointers to distinct objects never compare
// equal. Entries are removed when their object is collected.
var identities struct {
	sync.Mutex
	ids  map[any]uint64 // weak.Pointer[T] -> number
	last uint64
}

// identity returns the number of the object p points to (p != nil).
func identity[T any](p *T) uint64 {
	w := weak.Make(p)
	identities.Lock()
	defer identities.Unlock()
	if id, ok := identities.ids[w]; ok {
		return id
	}
	if identities.ids == nil {
		identities.ids = make(map[any]uint64)
	}
	identities.last++
	id := identities.last
	identities.ids[w] = id
	runtime.AddCleanup(p, forget[T], w)
	return id
}

// forget removes the entry of a collected object.
func forget[T any](w weak.Pointer[T]) {
	identities.Lock()
	delete(identities.ids, w)
	identities.Unlock()
}
