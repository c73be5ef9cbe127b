package http1

import (
	"net/http"
	"strings"
	"sync"
)

// Fields is a field section of a response, its header or its trailer, as
// the parser recorded it: a compact encoding of the field lines, not a map.
// The zero value holds no field. A Fields is immutable and shares nothing
// with the Parser that made it, so it stays valid for as long as the caller
// keeps it, whatever becomes of the Parser.
type Fields struct {
	// Invariant: raw is a sequence of field lines "Name:value\n" in the
	// order received, where Name is a token in canonical form (as
	// net/textproto.CanonicalMIMEHeaderKey gives it) and value has no
	// leading or trailing whitespace and holds no control byte but HTAB.
	// Obs-fold continuations are already joined to their value with one SP.
	raw string
}

// Get returns the first value of the field named name, compared without
// regard to case, or "" if there is none. It does not allocate.
func (f Fields) Get(name string) string { return getField(f.raw, name) }

// getField returns the first value of the field named name in raw, a field
// section in the encoding of Fields, compared without regard to case; empty
// if there is none.
func getField[T ~string | ~[]byte](raw T, name string) T {
	for rest := raw; len(rest) > 0; {
		var n, v T
		n, v, rest = cutField(rest)
		if equalFold(n, name) {
			return v
		}
	}
	return raw[:0]
}

// Header returns the fields as a new [http.Header], as net/http would give
// them: canonical keys, and the values of each field in the order received.
// The map is never nil, and the caller may modify it.
func (f Fields) Header() http.Header {
	n := strings.Count(f.raw, "\n")
	h := make(http.Header, n)
	// One array for the first value of every key, as net/textproto does;
	// keys and values are substrings of raw.
	firsts := make([]string, n)
	for rest := f.raw; rest != ""; {
		var name, value string
		name, value, rest = cutField(rest)
		vs := h[name]
		if vs == nil {
			vs, firsts = firsts[:1:1], firsts[1:]
			vs[0] = value
		} else {
			vs = append(vs, value)
		}
		h[name] = vs
	}
	return h
}

// Len returns the number of bytes f holds.
func (f Fields) Len() int { return len(f.raw) }

// cutField splits the first field line off raw, a field section in the
// encoding of Fields.
func cutField[T ~string | ~[]byte](raw T) (name, value, rest T) {
	colon := 0
	for raw[colon] != ':' {
		colon++
	}
	end := colon + 1
	for raw[end] != '\n' {
		end++
	}
	return raw[:colon], raw[colon+1 : end], raw[end+1:]
}

// fieldBufs holds the buffers in which field sections are recorded while
// they arrive. A Parser holds one only while it reads a field section, so a
// Parser that waits for the body or for a response holds none.
var fieldBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, 512)
	return &b
}}

// maxPooledFieldBuf bounds the capacity of a buffer kept in fieldBufs.
const maxPooledFieldBuf = 8 << 10

// recording returns the buffer the field section being read is recorded in,
// taking one from fieldBufs at the first field line.
func (p *Parser) recording() *[]byte {
	if p.rec == nil {
		p.rec = fieldBufs.Get().(*[]byte)
	}
	return p.rec
}

// recorded returns the field section recorded so far; nil when none.
func (p *Parser) recorded() []byte {
	if p.rec == nil {
		return nil
	}
	return *p.rec
}

// release gives the recording buffer back to fieldBufs, if p holds one.
// What recorded returned must no longer be used.
func (p *Parser) release() {
	if p.rec == nil {
		return
	}
	if cap(*p.rec) <= maxPooledFieldBuf {
		*p.rec = (*p.rec)[:0]
		fieldBufs.Put(p.rec)
	}
	p.rec = nil
}
