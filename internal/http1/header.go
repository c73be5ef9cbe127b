package http1

import (
	"fmt"
	"net/http"
	"net/textproto"
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

func trimOWSString(s string) string {
	for len(s) > 0 && isOWS(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isOWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// addField parses one field line (without its line ending, free of CR) and
// adds it to h. It returns the canonical key it stored the value under.
func addField(h http.Header, content []byte) (string, error) {
	colon := -1
	for i, c := range content {
		if c == ':' {
			colon = i
			break
		}
		if !isTokenChar(c) {
			if isOWS(c) {
				return "", fmt.Errorf("http1: whitespace in field name %q: %w", content[:i], ErrWeirdReply)
			}
			return "", fmt.Errorf("http1: invalid byte %#x in field name: %w", c, ErrWeirdReply)
		}
	}
	switch colon {
	case -1:
		return "", fmt.Errorf("http1: field line without colon: %w", ErrWeirdReply)
	case 0:
		return "", fmt.Errorf("http1: empty field name: %w", ErrWeirdReply)
	}
	value := trimOWS(content[colon+1:])
	if err := checkFieldValue(value); err != nil {
		return "", err
	}
	key := textproto.CanonicalMIMEHeaderKey(string(content[:colon]))
	h[key] = append(h[key], string(value))
	return key, nil
}

// foldField appends the continuation line content (obs-fold) to the last
// value stored under key, joined with a single SP.
func foldField(h http.Header, key string, content []byte) error {
	value := trimOWS(content)
	if err := checkFieldValue(value); err != nil {
		return err
	}
	if len(value) == 0 {
		return nil
	}
	vs := h[key]
	if last := vs[len(vs)-1]; last == "" {
		vs[len(vs)-1] = string(value)
	} else {
		vs[len(vs)-1] = last + " " + string(value)
	}
	return nil
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
// lists in values, trimmed of whitespace (RFC 9110 section 5.6.1), until f
// returns false.
func forEachElement(values []string, f func(string) bool) {
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v = v, ""
			for i := 0; i < len(elem); i++ {
				if elem[i] == ',' {
					elem, v = elem[:i], elem[i+1:]
					break
				}
			}
			if elem = trimOWSString(elem); elem != "" && !f(elem) {
				return
			}
		}
	}
}

// hasToken reports whether the comma-separated lists in values hold token,
// compared case-insensitively.
func hasToken(values []string, token string) bool {
	found := false
	forEachElement(values, func(e string) bool {
		found = equalFold(e, token)
		return !found
	})
	return found
}

// equalFold compares two ASCII strings case-insensitively.
func equalFold(a, b string) bool {
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
