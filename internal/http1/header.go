package http1

import (
	"bytes"
	"fmt"
)

// isTokenChar reports whether c may appear in a token (RFC 9110 section
// 5.6.2): field names, methods and transfer codings are tokens.
func isTokenChar(c byte) bool {
	return c < 0x80 && tokenTable[c]
}

var tokenTable = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// isToken reports whether s is a non-empty token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// isFieldValueChar reports whether c may appear in a received field value or
// reason phrase: anything but control bytes, HTAB excepted (RFC 9110 section
// 5.5).
func isFieldValueChar(c byte) bool {
	return c >= 0x20 && c != 0x7f || c == '\t'
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// trimOWS removes optional whitespace from both ends of b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// recordField checks one field line (without its line ending, free of CR)
// and appends it to buf in the encoding of Fields, its name made canonical.
// valueAt is the offset in buf of the value appended.
func recordField(buf, content []byte) (_ []byte, valueAt int, err error) {
	colon := -1
	for i, c := range content {
		if c == ':' {
			colon = i
			break
		}
		if !isTokenChar(c) {
			if isOWS(c) {
				return buf, 0, fmt.Errorf("http1: whitespace in field name %q: %w", content[:i], ErrWeirdReply)
			}
			return buf, 0, fmt.Errorf("http1: invalid byte %#x in field name: %w", c, ErrWeirdReply)
		}
	}
	switch colon {
	case -1:
		return buf, 0, fmt.Errorf("http1: field line without colon: %w", ErrWeirdReply)
	case 0:
		return buf, 0, fmt.Errorf("http1: empty field name: %w", ErrWeirdReply)
	}
	value := trimOWS(content[colon+1:])
	if err := checkFieldValue(value); err != nil {
		return buf, 0, err
	}
	start := len(buf)
	buf = append(buf, content[:colon]...)
	canonicalize(buf[start:])
	buf = append(buf, ':')
	valueAt = len(buf)
	buf = append(buf, value...)
	return append(buf, '\n'), valueAt, nil
}

// recordFold checks the continuation line content (obs-fold) and joins it
// with a single SP to the last field of buf, whose value starts at valueAt.
func recordFold(buf []byte, valueAt int, content []byte) ([]byte, error) {
	value := trimOWS(content)
	if err := checkFieldValue(value); err != nil {
		return buf, err
	}
	if len(value) == 0 {
		return buf, nil
	}
	buf = buf[:len(buf)-1] // the last field's LF
	if len(buf) > valueAt {
		buf = append(buf, ' ')
	}
	buf = append(buf, value...)
	return append(buf, '\n'), nil
}

// canonicalize rewrites the token name in place in canonical form, as
// net/textproto.CanonicalMIMEHeaderKey does for a token: upper case at the
// start and after each hyphen, lower case elsewhere.
func canonicalize(name []byte) {
	upper := true
	for i, c := range name {
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		name[i] = c
		upper = c == '-'
	}
}

func checkFieldValue(value []byte) error {
	for _, c := range value {
		if !isFieldValueChar(c) {
			return fmt.Errorf("http1: control byte %#x in field value: %w", c, ErrWeirdReply)
		}
	}
	return nil
}

// forEachElement calls f with each non-empty element of the comma-separated
// lists in the values of the fields named name (canonical) in buf, a field
// section in the encoding of Fields, trimmed of whitespace (RFC 9110 section
// 5.6.1), until f returns false.
func forEachElement(buf []byte, name string, f func([]byte) bool) {
	for rest := buf; len(rest) > 0; {
		var n, v []byte
		n, v, rest = cutField(rest)
		if string(n) != name {
			continue
		}
		for len(v) > 0 {
			elem := v
			v = nil
			if i := bytes.IndexByte(elem, ','); i >= 0 {
				elem, v = elem[:i], elem[i+1:]
			}
			if elem = trimOWS(elem); len(elem) > 0 && !f(elem) {
				return
			}
		}
	}
}

// hasToken reports whether the comma-separated lists in the values of the
// fields named name in buf hold token, compared case-insensitively.
func hasToken(buf []byte, name, token string) bool {
	found := false
	forEachElement(buf, name, func(e []byte) bool {
		found = equalFold(e, token)
		return !found
	})
	return found
}

// hasField reports whether buf holds a field named name.
func hasField(buf []byte, name string) bool {
	for rest := buf; len(rest) > 0; {
		var n []byte
		n, _, rest = cutField(rest)
		if string(n) == name {
			return true
		}
	}
	return false
}

// equalFold compares two ASCII strings case-insensitively.
func equalFold[T ~string | ~[]byte](a T, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
