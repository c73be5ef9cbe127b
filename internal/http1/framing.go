package http1

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// parseContentLength validates the values of the Content-Length fields in
// buf, a field section in the encoding of Fields. Every value must be a
// comma-separated list of decimal lengths, and all lengths must be equal
// (RFC 9112 section 6.3, rule 5). count is the number of lengths; n is -1
// when there is none.
func parseContentLength(buf []byte) (n int64, count int, err error) {
	n = -1
	for rest := buf; len(rest) > 0; {
		var name, value []byte
		name, value, rest = cutField(rest)
		if string(name) != "Content-Length" {
			continue
		}
		for v := value; ; {
			elem, more := v, false
			if i := bytes.IndexByte(v, ','); i >= 0 {
				elem, v, more = v[:i], v[i+1:], true
			}
			m, perr := parseDecimal(trimOWS(elem))
			if perr != nil {
				return -1, 0, fmt.Errorf("http1: Content-Length %q: %w", value, perr)
			}
			if n >= 0 && m != n {
				return -1, 0, fmt.Errorf("http1: conflicting Content-Length values %d and %d: %w", n, m, ErrBadContentLength)
			}
			n = m
			count++
			if !more {
				break
			}
		}
	}
	return n, count, nil
}

// parseDecimal parses a non-empty run of ASCII digits that fits in an int64.
func parseDecimal(s []byte) (int64, error) {
	if len(s) == 0 {
		return 0, fmt.Errorf("empty value: %w", ErrBadContentLength)
	}
	var n int64
	for _, c := range s {
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

// rewriteContentLength rewrites buf, a field section in the encoding of
// Fields, in place: its Content-Length fields are removed, or, with keep,
// replaced by one field holding n where the first one was. The result is
// never longer than buf, as every Content-Length value holds n in digits.
func rewriteContentLength(buf []byte, n int64, keep bool) []byte {
	out := buf[:0] // out never grows past the start of the line being read
	for rest := buf; len(rest) > 0; {
		line := rest[:bytes.IndexByte(rest, '\n')+1]
		rest = rest[len(line):]
		name, _, _ := cutField(line)
		switch {
		case string(name) != "Content-Length":
			out = append(out, line...)
		case keep:
			out = append(out, "Content-Length:"...)
			out = strconv.AppendInt(out, n, 10)
			out = append(out, '\n')
			keep = false
		}
	}
	return out
}

// transferCoding summarises Transfer-Encoding field values.
type transferCoding int

const (
	codingNone       transferCoding = iota // no Transfer-Encoding field
	codingChunked                          // chunked is the final coding
	codingNotChunked                       // a final coding other than chunked: body until close
)

// parseTransferEncoding classifies the values of the Transfer-Encoding
// fields in buf. The coding names themselves are not validated beyond
// chunked: codings other than chunked are left in place for the caller
// (RFC 9112 section 6.1).
func parseTransferEncoding(buf []byte) (transferCoding, error) {
	if !hasField(buf, "Transfer-Encoding") {
		return codingNone, nil
	}
	var count, chunked int
	lastChunked := false
	forEachElement(buf, "Transfer-Encoding", func(e []byte) bool {
		name := e
		if i := bytes.IndexByte(e, ';'); i >= 0 {
			name = e[:i]
		}
		count++
		lastChunked = equalFold(trimOWS(name), "chunked")
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
// delimited and whether the connection stays usable, from the fields
// recorded in buf. It sets ContentLength, Chunked, keepAlive, the state that
// follows EventResponse, and the fields handed out, which it takes from buf
// after rewriting its Content-Length fields in place as net/http presents
// them.
func (p *Parser) frame(buf []byte) error {
	p.keepAlive = !hasToken(buf, "Connection", "close")
	if p.Proto == "HTTP/1.0" && !hasToken(buf, "Connection", "keep-alive") {
		p.keepAlive = false
	}

	cl, clCount, err := parseContentLength(buf)
	if err != nil {
		return err
	}
	hasCL := clCount > 0
	te := codingNone
	if p.Proto == "HTTP/1.0" {
		if hasField(buf, "Transfer-Encoding") {
			// RFC 9112 section 6.1: faulty framing; use what else there
			// is, then close.
			p.keepAlive = false
		}
	} else if te, err = parseTransferEncoding(buf); err != nil {
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

	// A body read as chunked has no Content-Length; repeated equal values
	// stand for one (RFC 9112 section 6.3).
	if p.Chunked && hasCL || clCount > 1 {
		buf = rewriteContentLength(buf, cl, !p.Chunked)
	}
	p.hdr = append(p.hdr[:0], buf...) // reuses the last response's capacity
	return nil
}
