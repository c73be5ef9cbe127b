package http1

import (
	"fmt"
	"math"
	"strconv"
)

// parseContentLength validates the Content-Length field values. Every value
// must be a comma-separated list of decimal lengths, and all lengths must be
// equal (RFC 9112 section 6.3, rule 5). ok is false when there is no value.
func parseContentLength(values []string) (n int64, ok bool, err error) {
	n = -1
	for _, v := range values {
		for {
			elem, rest, more := cutByte(v, ',')
			elem = trimOWSString(elem)
			m, perr := parseDecimal(elem)
			if perr != nil {
				return -1, false, fmt.Errorf("http1: Content-Length %q: %w", v, perr)
			}
			if n >= 0 && m != n {
				return -1, false, fmt.Errorf("http1: conflicting Content-Length values %d and %d: %w", n, m, ErrBadContentLength)
			}
			n = m
			if !more {
				break
			}
			v = rest
		}
	}
	return n, n >= 0, nil
}

// parseDecimal parses a non-empty run of ASCII digits that fits in an int64.
func parseDecimal(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty value: %w", ErrBadContentLength)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("non-digit %q: %w", c, ErrBadContentLength)
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, fmt.Errorf("value overflows: %w", ErrBadContentLength)
		}
		n = n*10 + d
	}
	return n, nil
}

func cutByte(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// transferCoding summarises Transfer-Encoding field values.
type transferCoding int

const (
	codingNone       transferCoding = iota // no Transfer-Encoding field
	codingChunked                          // chunked is the final coding
	codingNotChunked                       // a final coding other than chunked: body until close
)

// parseTransferEncoding classifies the Transfer-Encoding field values. The
// coding names themselves are not validated beyond chunked: codings other
// than chunked are left in place for the caller (RFC 9112 section 6.1).
func parseTransferEncoding(values []string) (transferCoding, error) {
	if len(values) == 0 {
		return codingNone, nil
	}
	var count, chunked int
	lastChunked := false
	forEachElement(values, func(e string) bool {
		name, _, _ := cutByte(e, ';')
		count++
		lastChunked = equalFold(trimOWSString(name), "chunked")
		if lastChunked {
			chunked++
		}
		return true
	})
	switch {
	case count == 0:
		return 0, fmt.Errorf("http1: Transfer-Encoding without a coding: %w", ErrWeirdReply)
	case chunked > 1:
		return 0, fmt.Errorf("http1: chunked applied more than once: %w", ErrWeirdReply)
	case lastChunked:
		return codingChunked, nil
	}
	return codingNotChunked, nil
}

// frame decides, at the end of the final header block, how the body is
// delimited and whether the connection stays usable. It sets ContentLength,
// Chunked, keepAlive and the state that follows EventResponse.
func (p *Parser) frame() error {
	h := p.hdr
	conn := h["Connection"]
	p.keepAlive = !hasToken(conn, "close")
	if p.Proto == "HTTP/1.0" && !hasToken(conn, "keep-alive") {
		p.keepAlive = false
	}

	cl, hasCL, err := parseContentLength(h["Content-Length"])
	if err != nil {
		return err
	}
	if vs := h["Content-Length"]; hasCL && (len(vs) > 1 || containsByte(vs[0], ',')) {
		// Repeated equal values stand for one (RFC 9112 section 6.3).
		h["Content-Length"] = []string{strconv.FormatInt(cl, 10)}
	}
	te := codingNone
	if p.Proto == "HTTP/1.0" {
		if len(h["Transfer-Encoding"]) > 0 {
			// RFC 9112 section 6.1: faulty framing; use what else there
			// is, then close.
			p.keepAlive = false
		}
	} else if te, err = parseTransferEncoding(h["Transfer-Encoding"]); err != nil {
		return err
	}
	if te != codingNone && hasCL {
		// RFC 9112 section 6.3, rule 3: Transfer-Encoding overrides, and
		// the connection must not be reused.
		p.keepAlive = false
	}

	p.ContentLength = -1
	switch {
	case p.Status == 204 || p.Status == 304:
		p.ContentLength = 0
		p.next = stDoneBody
	case p.head:
		if hasCL {
			p.ContentLength = cl
		}
		p.next = stDoneBody
	case p.connect && p.Status/100 == 2:
		// The connection becomes a tunnel; the caller takes over.
		p.next = stDoneBody
	case te == codingChunked:
		p.Chunked = true
		delete(h, "Content-Length")
		p.next = stChunkSize
	case te == codingNotChunked:
		p.keepAlive = false
		p.next = stBodyClose
	case hasCL:
		p.ContentLength = cl
		p.remaining = cl
		p.next = stBodyLength
		if cl == 0 {
			p.next = stDoneBody
		}
	default:
		p.keepAlive = false
		p.next = stBodyClose
	}
	return nil
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}
