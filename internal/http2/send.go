package http2

import (
	"strings"

	"golang.org/x/net/http2/hpack"
)

// Request is the header of a request to send with [ClientConn.OpenStream].
type Request struct {
	Method    string // required
	Scheme    string // "http" or "https"; required
	Authority string // host[:port]; "" takes the value of a Host field
	Path      string // required: "/" at least, or "*" for OPTIONS

	// Header holds the regular fields. Names are sent in lowercase;
	// Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade
	// and Host are left out (Host becomes :authority if Authority is
	// empty), TE is sent only as "trailers".
	Header []Field

	// Body says that a request body follows with [ClientConn.WriteData];
	// without it the HEADERS frame ends the stream.
	Body bool
}

// OpenStream sends the header of r on a new stream and returns the stream's
// id. It fails with [ErrNoStream] when [ClientConn.CanOpenStream] reports
// false, and with [ErrInvalidRequest] when r cannot be sent. The header
// block is written to Outbound whole, whatever its size.
func (c *ClientConn) OpenStream(r *Request) (uint32, error) {
	if !c.CanOpenStream() {
		if c.err != nil && c.closedConn {
			return 0, c.err
		}
		return 0, ErrNoStream
	}
	if r.Method == "" || r.Scheme == "" || (r.Path == "" && r.Method != "CONNECT") {
		return 0, errInvalid("missing :method, :scheme or :path")
	}
	authority := r.Authority
	if authority == "" {
		for _, f := range r.Header {
			if strings.EqualFold(f.Name, "host") {
				authority = f.Value
			}
		}
	}
	c.hencB.Reset()
	size := 0
	write := func(name, value string) error {
		if !validFieldValue(value) {
			return errInvalid("invalid value of field " + name)
		}
		size += len(name) + len(value) + 32
		return c.henc.WriteField(hpack.HeaderField{Name: name, Value: value})
	}
	if err := write(":method", r.Method); err != nil {
		return 0, err
	}
	if err := write(":scheme", r.Scheme); err != nil {
		return 0, err
	}
	if err := write(":authority", authority); err != nil {
		return 0, err
	}
	if err := write(":path", r.Path); err != nil {
		return 0, err
	}
	for _, f := range r.Header {
		name := lower(f.Name)
		if !validFieldName(name) {
			return 0, errInvalid("invalid field name " + f.Name)
		}
		switch name {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host":
			continue
		case "te":
			if !strings.EqualFold(f.Value, "trailers") {
				continue
			}
		}
		if err := write(name, f.Value); err != nil {
			return 0, err
		}
	}
	if uint64(size) > uint64(c.peer.MaxHeaderListSize) {
		return 0, errInvalid("header block beyond the server's SETTINGS_MAX_HEADER_LIST_SIZE")
	}

	id := c.nextID
	c.nextID += 2
	s := c.newStream(id)
	s.head = r.Method == "HEAD"
	s.localClosed = !r.Body

	block := c.hencB.Bytes()
	maxFrame := int(c.peer.MaxFrameSize)
	c.grow(len(block) + (len(block)/maxFrame+1)*frameHeaderLen)
	typ := uint8(frameHeaders)
	for first := true; first || len(block) > 0; first = false {
		n := min(len(block), maxFrame)
		var flags uint8
		if n == len(block) {
			flags |= flagEndHeaders
		}
		if first && !r.Body {
			flags |= flagEndStream
		}
		c.out = appendFrameHeader(c.out, n, typ, flags, id)
		c.out = append(c.out, block[:n]...)
		block = block[n:]
		typ = frameContinuation
	}
	return id, nil
}

// errInvalid returns ErrInvalidRequest with detail.
func errInvalid(detail string) error {
	return &detailError{ErrInvalidRequest, detail}
}

// detailError is a sentinel error with detail.
type detailError struct {
	err    error
	detail string
}

func (e *detailError) Error() string { return e.err.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.err }

// lower returns name in lowercase, without allocating when it already is.
func lower(name string) string {
	for i := range len(name) {
		if 'A' <= name[i] && name[i] <= 'Z' {
			if l, ok := commonLower[name]; ok {
				return l
			}
			return strings.ToLower(name)
		}
	}
	return name
}

// commonLower holds the lowercase forms of common field names as http.Header writes
// them, so that sending them allocates nothing.
var commonLower = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Authorization",
		"Cache-Control", "Content-Encoding", "Content-Language", "Content-Length",
		"Content-Type", "Cookie", "Expect", "From", "If-Match", "If-Modified-Since",
		"If-None-Match", "If-Range", "If-Unmodified-Since", "Origin", "Pragma", "Range",
		"Referer", "Te", "User-Agent", "X-Forwarded-For", "X-Requested-With",
	} {
		m[n] = strings.ToLower(n)
	}
	return m
}()

// SendWindow returns the number of body bytes stream id may send now: the
// least of the stream's and the connection's send windows, and of the room
// in Outbound (see [MaxOutboundBytes]); 0 for a stream that is closed or
// whose body has ended.
func (c *ClientConn) SendWindow(id uint32) int {
	s := c.lookup(id)
	if s == nil || s.localClosed || c.err != nil {
		return 0
	}
	return int(max(0, min(s.sendWin, c.sendWin, int64(MaxOutboundBytes/4-c.pendingOut()))))
}

// WriteData writes as much of p as the windows allow as DATA frames on
// stream id, and returns how much it took. With end set and all of p taken,
// the last frame carries END_STREAM (an empty one if p is empty): the
// request body is complete.
//
// When a window held back part of p, an [EventWindowUpdate] reports that it
// grew again; when the room in Outbound did, the caller tries again after
// writing Outbound to the socket. WriteData fails with [ErrStreamClosed]
// when the stream is closed or its body already ended, and with the
// connection error after one.
func (c *ClientConn) WriteData(id uint32, p []byte, end bool) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	s := c.lookup(id)
	if s == nil || s.localClosed {
		return 0, ErrStreamClosed
	}
	n := len(p)
	if n > 0 {
		room := int64(MaxOutboundBytes/4 - c.pendingOut())
		n = int(max(0, min(int64(n), s.sendWin, c.sendWin, room)))
		if n < len(p) {
			if s.sendWin < int64(len(p)) && s.sendWin <= room {
				s.blocked = true
			}
			if c.sendWin < int64(len(p)) && c.sendWin <= room {
				c.connBlocked = true
			}
		}
	}
	endNow := end && n == len(p)
	if n == 0 && !endNow {
		return 0, nil
	}
	maxFrame := int(c.peer.MaxFrameSize)
	c.grow(n + (n/maxFrame+1)*frameHeaderLen)
	rest := p[:n]
	for first := true; first || len(rest) > 0; first = false {
		k := min(len(rest), maxFrame)
		var flags uint8
		if k == len(rest) && endNow {
			flags = flagEndStream
		}
		c.out = appendFrameHeader(c.out, k, frameData, flags, id)
		c.out = append(c.out, rest[:k]...)
		rest = rest[k:]
	}
	s.sendWin -= int64(n)
	c.sendWin -= int64(n)
	if endNow {
		s.localClosed = true
		c.maybeClose(s)
	}
	return n, nil
}

// EndStream ends the request body of stream id with an empty DATA frame
// carrying END_STREAM.
func (c *ClientConn) EndStream(id uint32) error {
	_, err := c.WriteData(id, nil, true)
	return err
}

// Reset ends stream id with RST_STREAM and code (CodeCancel when the
// transfer was abandoned). The stream's held bytes return to the connection
// window, and frames that still arrive for it are dropped. Resetting a
// closed stream does nothing.
func (c *ClientConn) Reset(id uint32, code ErrCode) {
	if c.err != nil {
		return
	}
	s := c.lookup(id)
	if s == nil {
		return
	}
	c.writeRST(id, code)
	c.closeStream(s)
}
