package http2

import (
	"errors"
	"strings"

	"golang.org/x/net/http2/hpack"
)

// Header blocks are decoded as their fragments arrive, so only a fragment
// that spans reads is ever buffered; hpack keeps at most one partial field
// (bounded by its maximum string length). The block's encoded size, decoded
// size and field count are capped, and every field is checked as it comes:
// the first fault is remembered and, at the end of the block, resets the
// stream. The HPACK state is kept even for blocks of closed streams.

// readHeaders handles HEADERS.
func (c *ClientConn) readHeaders(p []byte) error {
	fh := &c.fh
	if fh.stream == 0 {
		return c.connErr(CodeProtocol, ErrProtocol, "HEADERS on stream 0")
	}
	if c.idle(fh.stream) {
		return c.connErr(CodeProtocol, ErrProtocol, "HEADERS on an idle stream")
	}
	if fh.flags&flagPadded != 0 {
		if len(p) == 0 || int(p[0]) >= len(p) {
			return c.connErr(CodeProtocol, ErrProtocol, "HEADERS padding exceeds the payload")
		}
		p = p[1 : len(p)-int(p[0])]
	}
	if fh.flags&flagPriority != 0 {
		if len(p) < 5 {
			return c.connErr(CodeFrameSize, ErrFrameSize, "HEADERS too short for its priority")
		}
		p = p[5:]
	}
	s := c.lookup(fh.stream)
	c.hs, c.hid, c.hEnd = s, fh.stream, fh.flags&flagEndStream != 0
	c.hBytes, c.hList, c.hTooLarge = 0, 0, false
	c.hStatus, c.hSawField, c.hBad, c.hCL = 0, false, "", -1
	c.fields = c.fields[:0]
	c.hdec.SetEmitEnabled(s != nil)
	return c.headerFragment(p, fh.flags&flagEndHeaders != 0)
}

// readContinuation handles CONTINUATION.
func (c *ClientConn) readContinuation(p []byte) error {
	if c.contStream == 0 {
		return c.connErr(CodeProtocol, ErrProtocol, "CONTINUATION without HEADERS")
	}
	return c.headerFragment(p, c.fh.flags&flagEndHeaders != 0)
}

// headerFragment decodes one fragment of the header block.
func (c *ClientConn) headerFragment(p []byte, end bool) error {
	c.hBytes += len(p)
	if c.hBytes > MaxHeaderBlockBytes {
		return c.connErr(CodeEnhanceYourCalm, ErrHeaderTooLarge, "header block above its limit")
	}
	if len(p) == 0 && !end {
		if err := c.spendCredit(); err != nil {
			return err
		}
	}
	if _, err := c.hdec.Write(p); err != nil {
		return c.hpackErr(err)
	}
	if c.hTooLarge {
		return c.connErr(CodeEnhanceYourCalm, ErrHeaderTooLarge, "decoded header block above its limit")
	}
	if !end {
		c.contStream = c.fh.stream
		return nil
	}
	c.contStream = 0
	if err := c.hdec.Close(); err != nil {
		return c.hpackErr(err)
	}
	return c.endHeaderBlock()
}

// hpackErr turns an HPACK decoding error into a connection error.
func (c *ClientConn) hpackErr(err error) error {
	if errors.Is(err, hpack.ErrStringLength) {
		return c.connErr(CodeEnhanceYourCalm, ErrHeaderTooLarge, "HPACK string above its limit")
	}
	return c.connErr(CodeCompression, ErrCompression, err.Error())
}

// emitField receives each decoded field of a block whose stream is open.
func (c *ClientConn) emitField(f hpack.HeaderField) {
	c.hList += len(f.Name) + len(f.Value) + 32
	if c.hList > MaxHeaderListSize || len(c.fields) >= MaxHeaderFields {
		c.hTooLarge = true
		c.hdec.SetEmitEnabled(false)
		return
	}
	if c.hBad != "" {
		return
	}
	trailer := c.hs != nil && c.hs.gotFinal
	if len(f.Name) > 0 && f.Name[0] == ':' {
		switch {
		case trailer:
			c.hBad = "pseudo-header field in trailers"
		case c.hSawField:
			c.hBad = "pseudo-header field after a regular field"
		case f.Name != ":status":
			c.hBad = "pseudo-header field " + f.Name + " in a response"
		case c.hStatus != 0:
			c.hBad = "repeated :status"
		default:
			c.hStatus = parseStatus(f.Value)
			if c.hStatus == 0 {
				c.hBad = "invalid :status"
			}
		}
		return
	}
	c.hSawField = true
	if !validFieldName(f.Name) {
		c.hBad = "invalid field name"
		return
	}
	if !validFieldValue(f.Value) {
		c.hBad = "invalid value of field " + f.Name
		return
	}
	switch f.Name {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te":
		c.hBad = "connection-specific field " + f.Name
		return
	case "content-length":
		if trailer {
			break
		}
		n := parseContentLength(f.Value)
		if n < 0 || (c.hCL >= 0 && n != c.hCL) {
			c.hBad = "invalid content-length"
			return
		}
		c.hCL = n
	}
	c.fields = append(c.fields, Field{Name: f.Name, Value: f.Value})
}

// endHeaderBlock acts on a complete header block.
func (c *ClientConn) endHeaderBlock() error {
	s := c.hs
	c.hs = nil
	if s == nil || s.closed || s.id != c.hid {
		return c.spendCredit()
	}
	c.credit = min(c.credit+1, MaxIdleFrames)
	if s.remoteClosed {
		c.streamErr(s, CodeStreamClosed, ErrStreamClosed, "HEADERS after END_STREAM")
		return nil
	}
	if c.hBad == "" {
		switch {
		case s.gotFinal && !c.hEnd:
			c.hBad = "trailers without END_STREAM"
		case s.gotFinal:
		case c.hStatus == 0:
			c.hBad = "missing :status"
		case c.hStatus == 101:
			c.hBad = "101 response in HTTP/2"
		case c.hStatus < 200 && c.hEnd:
			c.hBad = "interim response with END_STREAM"
		case c.hStatus < 200 && s.interim >= MaxInterimResponses:
			c.hBad = "too many interim responses"
		}
	}
	if c.hBad != "" {
		c.streamErr(s, CodeProtocol, ErrMalformedResponse, c.hBad)
		return nil
	}
	if s.gotFinal {
		c.emit(Event{Kind: EventTrailers, Stream: s.id, Fields: c.fields})
		c.remoteEnd(s)
		return nil
	}
	if c.hStatus < 200 {
		s.interim++
		c.emit(Event{Kind: EventHeaders, Stream: s.id, Status: c.hStatus, Fields: c.fields})
		return nil
	}
	s.gotFinal = true
	s.contentLength = c.hCL
	s.noBodyCheck = s.head || c.hStatus == 204 || c.hStatus == 304
	c.emit(Event{Kind: EventHeaders, Stream: s.id, Status: c.hStatus, Fields: c.fields})
	if c.hEnd {
		c.remoteEnd(s)
	}
	return nil
}

// parseStatus returns the value of a :status of three digits, or 0.
func parseStatus(v string) int {
	if len(v) != 3 {
		return 0
	}
	n := 0
	for i := range 3 {
		if v[i] < '0' || v[i] > '9' {
			return 0
		}
		n = n*10 + int(v[i]-'0')
	}
	if n < 100 {
		return 0
	}
	return n
}

// parseContentLength returns the value of a content-length of 1 to 18
// digits, or -1.
func parseContentLength(v string) int64 {
	if len(v) == 0 || len(v) > 18 {
		return -1
	}
	var n int64
	for i := range len(v) {
		if v[i] < '0' || v[i] > '9' {
			return -1
		}
		n = n*10 + int64(v[i]-'0')
	}
	return n
}

// validFieldName reports whether name is a token without uppercase
// letters, as RFC 9113 section 8.2.1 requires.
func validFieldName(name string) bool {
	if name == "" {
		return false
	}
	for i := range len(name) {
		if !isLowerTchar(name[i]) {
			return false
		}
	}
	return true
}

// isLowerTchar reports whether b is a tchar of RFC 9110 other than an
// uppercase letter.
func isLowerTchar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', '0' <= b && b <= '9':
		return true
	}
	return b < 0x80 && strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// validFieldValue reports whether v may be a field value in HTTP/2 (RFC
// 9113 section 8.2.1): no NUL, CR or LF, no other control byte but HTAB,
// no leading or trailing SP or HTAB.
func validFieldValue(v string) bool {
	if v == "" {
		return true
	}
	if v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t' {
		return false
	}
	for i := range len(v) {
		if b := v[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}
