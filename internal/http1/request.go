package http1

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// Request describes the head of one request.
type Request struct {
	// Method is the request method, any token such as "GET" or "POST".
	Method string

	// Target is the request-target as sent, in origin-form: "/path?q".
	Target string

	// Host is the Host field value, host[:port]. A "Host" entry in Header
	// overrides it.
	Host string

	// Header holds extra fields. Content-Length and Transfer-Encoding
	// entries are ignored: framing comes from ContentLength. An entry whose
	// only value is empty suppresses a default field (User-Agent, Accept,
	// Expect) and is not sent.
	Header http.Header

	// ContentLength is the body size: >0 that many bytes, 0 no body,
	// -1 unknown, sent chunked. With 0, POST, PUT and PATCH requests carry
	// "Content-Length: 0", as curl and net/http send.
	ContentLength int64

	// Close asks the server to close the connection after its reply
	// ("Connection: close"), unless Header has a Connection entry.
	Close bool

	// Expect adds "Expect: 100-continue", unless Header has an Expect
	// entry.
	Expect bool
}

// Default fields added by AppendRequestHead unless the caller set them.
const (
	DefaultUserAgent = "xfer/1" // sent unless a request sets User-Agent
	defaultAccept    = "*/*"
)

// AppendRequestHead appends the request line and header section of r,
// ending with the empty line, to dst. The Host field comes first, then the
// fields of r.Header in sorted key order (values of one key in their order),
// then "Connection: close" when r.Close asks for it, then the framing field.
// "User-Agent: xfer/1" and "Accept: */*" are added unless r.Header sets them,
// and "Expect: 100-continue" when r.Expect asks for it; a User-Agent, Accept
// or Expect entry whose only value is empty means the field is not sent.
//
// It returns ErrInvalidRequest, wrapped with detail, and dst unchanged, for a
// method or field name that is not a token, a target that is empty or holds
// whitespace or control bytes, a Host holding whitespace or control bytes, a
// field value holding CR, LF, NUL or another control byte except HTAB, or a
// ContentLength below -1.
func AppendRequestHead(dst []byte, r *Request) ([]byte, error) {
	host := r.Host
	for k, vs := range r.Header {
		if equalFold(k, "Host") && len(vs) > 0 {
			host = vs[0]
		}
	}
	if err := validateRequest(r, host); err != nil {
		return dst, err
	}

	var keyBuf [16]string
	keys := keyBuf[:0]
	hasUA, hasAccept, hasConn, hasExpect := false, false, false, false
	for k := range r.Header {
		if !skipField(k) {
			keys = append(keys, k)
		}
		hasUA = hasUA || equalFold(k, "User-Agent")
		hasAccept = hasAccept || equalFold(k, "Accept")
		hasConn = hasConn || equalFold(k, "Connection")
		hasExpect = hasExpect || equalFold(k, "Expect")
	}
	if !hasUA {
		keys = append(keys, "User-Agent")
	}
	if !hasAccept {
		keys = append(keys, "Accept")
	}
	if r.Expect && !hasExpect {
		keys = append(keys, "Expect")
	}
	slices.Sort(keys)

	dst = append(dst, r.Method...)
	dst = append(dst, ' ')
	dst = append(dst, r.Target...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, host...)
	dst = append(dst, "\r\n"...)
	for _, k := range keys {
		vs, ok := r.Header[k]
		switch {
		case !ok && k == "User-Agent":
			dst = appendField(dst, k, DefaultUserAgent)
			continue
		case !ok && k == "Accept":
			dst = appendField(dst, k, defaultAccept)
			continue
		case !ok && k == "Expect":
			dst = appendField(dst, k, "100-continue")
			continue
		case defaultField(k) && len(vs) == 1 && vs[0] == "":
			continue
		}
		for _, v := range vs {
			dst = appendField(dst, k, v)
		}
	}
	if r.Close && !hasConn {
		dst = append(dst, "Connection: close\r\n"...)
	}
	switch {
	case r.ContentLength > 0 || r.ContentLength == 0 && MethodHasBody(r.Method):
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, r.ContentLength, 10)
		dst = append(dst, "\r\n"...)
	case r.ContentLength < 0:
		dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
	}
	return append(dst, "\r\n"...), nil
}

func appendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// defaultField reports whether k names a field AppendRequestHead may add
// itself, which an entry with an empty value suppresses.
func defaultField(k string) bool {
	return equalFold(k, "User-Agent") || equalFold(k, "Accept") || equalFold(k, "Expect")
}

// skipField reports whether a Header entry is not written as a field:
// Host is written first, and framing comes from ContentLength.
func skipField(k string) bool {
	return equalFold(k, "Host") || equalFold(k, "Content-Length") || equalFold(k, "Transfer-Encoding")
}

// MethodHasBody reports whether a request with this method is expected to
// carry a body, so that an empty one is announced with Content-Length: 0.
func MethodHasBody(method string) bool {
	return method == "POST" || method == "PUT" || method == "PATCH"
}

// validateRequest checks every part of r that AppendRequestHead writes.
func validateRequest(r *Request, host string) error {
	if !isToken(r.Method) {
		return fmt.Errorf("http1: method %q is not a token: %w", r.Method, ErrInvalidRequest)
	}
	if r.Target == "" {
		return fmt.Errorf("http1: empty request target: %w", ErrInvalidRequest)
	}
	if i := indexNotVisible(r.Target); i >= 0 {
		return fmt.Errorf("http1: byte %#x in request target: %w", r.Target[i], ErrInvalidRequest)
	}
	if i := indexNotVisible(host); i >= 0 {
		return fmt.Errorf("http1: byte %#x in Host: %w", host[i], ErrInvalidRequest)
	}
	if r.ContentLength < -1 {
		return fmt.Errorf("http1: ContentLength %d: %w", r.ContentLength, ErrInvalidRequest)
	}
	for k, vs := range r.Header {
		if !isToken(k) {
			return fmt.Errorf("http1: field name %q is not a token: %w", k, ErrInvalidRequest)
		}
		if skipField(k) && !equalFold(k, "Host") {
			continue
		}
		for _, v := range vs {
			for i := 0; i < len(v); i++ {
				if !isFieldValueChar(v[i]) {
					return fmt.Errorf("http1: byte %#x in value of field %q: %w", v[i], k, ErrInvalidRequest)
				}
			}
		}
	}
	return nil
}

// indexNotVisible returns the index of the first byte of s that is
// whitespace or a control byte, or -1.
func indexNotVisible(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return i
		}
	}
	return -1
}
