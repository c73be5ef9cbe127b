package http1

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// AppendChunk appends data to dst as one chunk of a chunked body:
// the size in hex, CRLF, data, CRLF. Empty data appends nothing, since an
// empty chunk would end the body; use [AppendLastChunk] for that.
func AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = strconv.AppendUint(dst, uint64(len(data)), 16)
	dst = append(dst, "\r\n"...)
	dst = append(dst, data...)
	return append(dst, "\r\n"...)
}

// AppendLastChunk appends the last chunk and the empty trailer section,
// "0\r\n\r\n", that end a chunked body.
func AppendLastChunk(dst []byte) []byte {
	return append(dst, "0\r\n\r\n"...)
}

// chunkSizeLine parses a chunk-size line: 1 to 16 hex digits, optional
// whitespace, then either the end or ";" and extensions, which are ignored.
// The line must end in CRLF (RFC 9112 section 7.1; errata 7633).
func (p *Parser) chunkSizeLine(line, content []byte, crlf bool) (Event, error) {
	if !crlf {
		return 0, fmt.Errorf("http1: chunk-size line ends with bare LF: %w", ErrBadChunk)
	}
	if bytes.IndexByte(content, '\r') >= 0 {
		return 0, fmt.Errorf("http1: CR inside chunk-size line: %w", ErrBadChunk)
	}
	var size uint64
	i := 0
	for ; i < len(content); i++ {
		d, ok := unhex(content[i])
		if !ok {
			break
		}
		if i == 16 {
			return 0, fmt.Errorf("http1: chunk size of more than 16 hex digits: %w", ErrBadChunk)
		}
		size = size<<4 | uint64(d)
	}
	if i == 0 {
		return 0, fmt.Errorf("http1: chunk-size line %q without a size: %w", truncate(content), ErrBadChunk)
	}
	j := i
	for j < len(content) && isOWS(content[j]) {
		j++
	}
	if j < len(content) && content[j] != ';' {
		return 0, fmt.Errorf("http1: invalid chunk-size line %q: %w", truncate(content), ErrBadChunk)
	}
	if size > math.MaxInt64 {
		return 0, fmt.Errorf("http1: chunk size %#x too large: %w", size, ErrBadChunk)
	}
	// Bound the bytes spent on framing rather than data (as net/http does).
	p.excess += int64(len(line)) + 2 - 16 - 2*int64(min(size, 1<<32))
	p.excess = max(p.excess, 0)
	if p.excess > maxChunkExcess {
		return 0, fmt.Errorf("http1: chunked body holds too much non-data: %w", ErrBadChunk)
	}
	if size == 0 {
		p.state = stTrailer
		p.blockBytes = 0
		return evContinue, nil
	}
	p.remaining = int64(size)
	p.state = stChunkData
	return evContinue, nil
}

// stepChunkEnd consumes the CRLF that must follow chunk data.
func (p *Parser) stepChunkEnd(in []byte) (int, Event, error) {
	n := 0
	for p.crlf < 2 {
		if n == len(in) {
			return n, EventNeedMore, nil
		}
		if in[n] != "\r\n"[p.crlf] {
			return n, 0, fmt.Errorf("http1: chunk data not followed by CRLF: %w", ErrBadChunk)
		}
		n++
		p.crlf++
	}
	p.crlf = 0
	p.state = stChunkSize
	return n, evContinue, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
