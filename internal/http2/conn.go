package http2

import (
	"bytes"
	"slices"

	"golang.org/x/net/http2/hpack"
)

// ClientConn is the client side of one HTTP/2 connection, without the
// connection: the caller moves bytes between it and the socket. Create it
// with [NewClientConn]; it must not be copied. A ClientConn is not safe for
// concurrent use.
//
// Invariant: every open stream is in streams; the receive buffer holds at
// most one frame header or one non-DATA frame (bounded by the advertised
// maximum frame size), never DATA payload.
type ClientConn struct {
	cfg  Config
	peer Settings

	// Connection state.
	gotPreface bool   // the server's first SETTINGS arrived
	goAway     bool   // the server sent GOAWAY
	goAwayLast uint32 // its last stream id
	goAwayCode ErrCode
	sentGoAway bool
	err        error // sticky connection error
	closedConn bool  // Close was called

	// Streams.
	streams map[uint32]*stream
	last    *stream   // the stream looked up last
	free    []*stream // closed streams for reuse
	nextID  uint32    // the id of the next stream to open

	// Flow control.
	sendWin     int64 // connection send window
	connBlocked bool  // a write was held back by sendWin
	recvWin     int64 // what the server may still send on the connection
	connUnacked int64 // consumed, not yet returned with WINDOW_UPDATE

	// Receiving.
	rstate     rstate
	fh         frameHeader // the frame being read
	hdrBuf     [frameHeaderLen]byte
	hdrN       int
	rbuf       []byte  // a non-DATA frame's payload spanning calls of Next
	dataStream *stream // the stream of the DATA frame being read; nil if ignored
	dataID     uint32
	dataLeft   uint32 // payload bytes of the DATA frame still to read
	padLeft    uint32 // padding bytes still to skip
	credit     int    // idle-frame credit, see MaxIdleFrames

	// Header block being read.
	contStream uint32 // nonzero: a CONTINUATION on this stream must follow
	hs         *stream
	hid        uint32
	hEnd       bool // the block's HEADERS had END_STREAM
	hBytes     int  // encoded bytes so far
	hList      int  // decoded size so far
	hTooLarge  bool
	hStatus    int
	hSawField  bool // a regular field was decoded
	hBad       string
	hCL        int64 // content-length; -1 if none
	hdec       *hpack.Decoder
	fields     []Field

	// Events waiting to be reported, in order.
	pend     []Event
	pendHead int
	resetIDs []uint32

	// Sending.
	out    []byte // frames to write; out[outOff:] is unsent
	outOff int
	henc   *hpack.Encoder
	hencB  bytes.Buffer
}

// NewClientConn returns a connection whose preface is already in
// [ClientConn.Outbound]: the magic string, SETTINGS (ENABLE_PUSH 0, the
// initial window size, the maximum frame size, the header table size, the
// maximum header list size) and a WINDOW_UPDATE that opens the connection
// window to Config.ConnWindow. Streams may be opened at once.
func NewClientConn(cfg Config) *ClientConn {
	c := &ClientConn{
		cfg:     cfg.norm(),
		peer:    defaultSettings,
		streams: make(map[uint32]*stream),
		nextID:  1,
		sendWin: 65535,
		credit:  MaxIdleFrames,
	}
	c.recvWin = int64(c.cfg.ConnWindow)
	c.hdec = hpack.NewDecoder(HeaderTableSize, c.emitField)
	c.hdec.SetMaxStringLength(MaxHeaderListSize)
	c.henc = hpack.NewEncoder(&c.hencB)

	c.out = append(c.out, clientPreface...)
	c.out = appendFrameHeader(c.out, 5*6, frameSettings, 0, 0)
	c.out = appendSetting(c.out, settingEnablePush, 0)
	c.out = appendSetting(c.out, settingInitialWindowSize, uint32(c.cfg.StreamWindow))
	c.out = appendSetting(c.out, settingMaxFrameSize, uint32(c.cfg.MaxFrameSize))
	c.out = appendSetting(c.out, settingHeaderTableSize, HeaderTableSize)
	c.out = appendSetting(c.out, settingMaxHeaderListSize, MaxHeaderListSize)
	if inc := c.cfg.ConnWindow - 65535; inc > 0 {
		c.out = appendFrameHeader(c.out, 4, frameWindowUpdate, 0, 0)
		c.out = appendUint32(c.out, uint32(inc))
	}
	return c
}

// Outbound returns the bytes waiting to be written to the socket, or nil.
// The slice stays valid until the next call of a method other than
// Outbound.
func (c *ClientConn) Outbound() []byte {
	if c.outOff == len(c.out) {
		return nil
	}
	return c.out[c.outOff:]
}

// Consumed reports that the first k bytes of Outbound were written to the
// socket.
func (c *ClientConn) Consumed(k int) {
	c.outOff += k
	if c.outOff >= len(c.out) {
		c.outOff = 0
		c.out = c.out[:0]
		if cap(c.out) > 4*MaxOutboundBytes {
			c.out = nil
		}
	}
}

// pendingOut returns the number of unsent bytes.
func (c *ClientConn) pendingOut() int { return len(c.out) - c.outOff }

// grow makes room to append n bytes to out, moving the unsent bytes to the
// front when more than half the buffer has been sent.
func (c *ClientConn) grow(n int) {
	if c.outOff > 0 && c.outOff >= len(c.out)/2 && len(c.out)+n > cap(c.out) {
		m := copy(c.out, c.out[c.outOff:])
		c.out = c.out[:m]
		c.outOff = 0
	}
	c.out = slices.Grow(c.out, n)
}

// autoReply checks that a frame sent on the server's behalf may be queued.
func (c *ClientConn) autoReply() error {
	if c.pendingOut() > MaxOutboundBytes {
		return c.connErr(CodeEnhanceYourCalm, ErrFlood, "server does not read what it asks for")
	}
	return nil
}

// PeerSettings returns the server's settings: the defaults of RFC 9113
// until its SETTINGS arrived.
func (c *ClientConn) PeerSettings() Settings { return c.peer }

// GotPreface reports whether the server's preface (its first SETTINGS)
// arrived.
func (c *ClientConn) GotPreface() bool { return c.gotPreface }

// MaxStreams returns the number of streams that may be open at once: the
// lower of Config.MaxConcurrentStreams and the server's
// SETTINGS_MAX_CONCURRENT_STREAMS, once that arrived.
func (c *ClientConn) MaxStreams() int { return c.maxStreams() }

// maxStreams returns the number of streams that may be open at once.
func (c *ClientConn) maxStreams() int {
	n := c.cfg.MaxConcurrentStreams
	if c.gotPreface && int64(c.peer.MaxConcurrentStreams) < int64(n) {
		n = int(c.peer.MaxConcurrentStreams)
	}
	return n
}

// CanOpenStream reports whether [ClientConn.OpenStream] would open a stream
// now: the connection is usable, no GOAWAY arrived, stream ids remain, and
// fewer streams are open than both the server's
// SETTINGS_MAX_CONCURRENT_STREAMS and Config.MaxConcurrentStreams allow.
func (c *ClientConn) CanOpenStream() bool {
	return c.err == nil && !c.closedConn && !c.goAway && !c.sentGoAway &&
		c.nextID < 1<<31 && len(c.streams) < c.maxStreams()
}

// ActiveStreams returns the number of open streams.
func (c *ClientConn) ActiveStreams() int { return len(c.streams) }

// Err returns the connection error that ended the connection, or nil.
func (c *ClientConn) Err() error { return c.err }

// GoAway queues a GOAWAY with code: the connection takes no new streams,
// and the server learns that this client is leaving. Open streams go on;
// with a code other than CodeNo the caller should write Outbound and close.
func (c *ClientConn) GoAway(code ErrCode) {
	if c.sentGoAway || c.closedConn {
		return
	}
	c.sentGoAway = true
	c.grow(frameHeaderLen + 8)
	c.out = appendFrameHeader(c.out, 8, frameGoAway, 0, 0)
	c.out = appendUint32(c.out, 0) // no server-initiated stream was processed
	c.out = appendUint32(c.out, uint32(code))
}

// EOF tells the connection that the server closed the socket. It returns
// nil when that ended nothing: no stream was open and no frame was cut
// short. Otherwise it returns a [*ConnError], with the cause [ErrGoAway]
// (and Remote set) after a GOAWAY, [ErrClosed] without one; the open
// streams all failed with it, except those [ClientConn.Next] reported
// with EventReset. Next reports the error from then on.
func (c *ClientConn) EOF() error {
	if c.err != nil {
		return c.err
	}
	midFrame := c.rstate != rsHeader || c.hdrN > 0 || c.contStream != 0
	if len(c.streams) == 0 && !midFrame {
		c.err = &ConnError{Code: CodeNo, Remote: true, Err: ErrClosed, Reason: "connection closed"}
		return nil
	}
	if c.goAway {
		c.err = &ConnError{Code: c.goAwayCode, Remote: true, Err: ErrGoAway, Reason: "connection closed after GOAWAY"}
	} else {
		c.err = &ConnError{Code: CodeNo, Remote: true, Err: ErrClosed, Reason: "connection closed by server"}
	}
	return c.err
}

// Close releases everything the connection holds. Outbound is then empty and
// every other method reports [ErrClosed] or does nothing. Close is
// idempotent.
func (c *ClientConn) Close() {
	if c.closedConn {
		return
	}
	c.closedConn = true
	if c.err == nil {
		c.err = &ConnError{Code: CodeNo, Err: ErrClosed, Reason: "connection closed"}
	}
	c.streams = nil
	c.last, c.free, c.dataStream, c.hs = nil, nil, nil, nil
	c.rbuf, c.fields, c.pend, c.resetIDs = nil, nil, nil, nil
	c.out, c.outOff = nil, 0
	c.hencB = bytes.Buffer{}
	c.hdec, c.henc = nil, nil
}

// connErr makes the connection error that ends c: it records it, queues a
// GOAWAY with code, and returns it.
func (c *ClientConn) connErr(code ErrCode, cause error, reason string) error {
	if c.err != nil {
		return c.err
	}
	e := &ConnError{Code: code, Err: cause, Reason: reason}
	c.err = e
	if !c.sentGoAway && !c.closedConn {
		c.sentGoAway = true
		c.grow(frameHeaderLen + 8)
		c.out = appendFrameHeader(c.out, 8, frameGoAway, 0, 0)
		c.out = appendUint32(c.out, 0)
		c.out = appendUint32(c.out, uint32(code))
	}
	return e
}

// emit queues an event to report.
func (c *ClientConn) emit(ev Event) {
	c.pend = append(c.pend, ev)
}

// sortedStreamIDs returns the ids of open streams above after, in order,
// in a reused slice.
func (c *ClientConn) sortedStreamIDs(after uint32) []uint32 {
	ids := c.resetIDs[:0]
	for id := range c.streams {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	c.resetIDs = ids
	return ids
}
