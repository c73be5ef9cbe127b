package http2

// Receive flow control. The server's DATA is charged to the connection and
// stream windows when its frame header arrives; the windows are opened again
// only as the application consumes the bytes (DataConsumed), so a stream
// that is not read holds at most its window. Padding, and the DATA of
// streams that are closed or reset, is returned at once.

// DataConsumed reports that the application took n bytes of the DATA that
// [ClientConn.Next] delivered on stream id. The windows are opened again by
// WINDOW_UPDATE frames in Outbound once half a window was consumed. A stream
// whose application keeps up (it holds less than a quarter of its window
// when it consumes) has its window doubled, up to Config.MaxStreamWindow.
// DataConsumed on a closed stream does nothing: its bytes were returned
// when it closed.
func (c *ClientConn) DataConsumed(id uint32, n int) {
	if c.err != nil || n <= 0 {
		return
	}
	s := c.lookup(id)
	if s == nil {
		return
	}
	k := min(int64(n), s.held)
	s.held -= k
	c.creditConn(k)
	c.creditStream(s, k)
}

// creditStream returns n bytes to s's receive window.
func (c *ClientConn) creditStream(s *stream, n int64) {
	if s.remoteClosed {
		return
	}
	s.unacked += n
	if s.unacked < s.win/2 {
		return
	}
	inc := s.unacked
	if s.held < s.win/4 && s.win < int64(c.cfg.MaxStreamWindow) {
		grown := min(2*s.win, int64(c.cfg.MaxStreamWindow))
		inc += grown - s.win
		s.win = grown
	}
	s.unacked = 0
	s.recvWin += inc
	c.writeWindowUpdate(s.id, inc)
}

// creditConn returns n bytes to the connection's receive window.
func (c *ClientConn) creditConn(n int64) {
	if n <= 0 || c.err != nil {
		return
	}
	c.connUnacked += n
	if c.connUnacked < int64(c.cfg.ConnWindow)/4 {
		return
	}
	c.recvWin += c.connUnacked
	c.writeWindowUpdate(0, c.connUnacked)
	c.connUnacked = 0
}

// creditPadding returns the padding (with its length byte) of the current
// DATA frame to the windows it was charged to.
func (c *ClientConn) creditPadding(n uint32) {
	c.creditConn(int64(n))
	if s := c.dataStream; s != nil && !s.closed && s.id == c.dataID {
		c.creditStream(s, int64(n))
	}
}

// writeWindowUpdate queues WINDOW_UPDATE.
func (c *ClientConn) writeWindowUpdate(id uint32, inc int64) {
	c.grow(frameHeaderLen + 4)
	c.out = appendFrameHeader(c.out, 4, frameWindowUpdate, 0, id)
	c.out = appendUint32(c.out, uint32(inc))
}
