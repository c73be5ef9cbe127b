package http2

// stream is the state of one stream this client opened. It lives in
// ClientConn.streams from OpenStream until both sides ended it or it was
// reset; then it returns to the free list.
//
// Invariant: 0 <= held <= the bytes the stream's receive window admitted;
// recvWin + held + unacked equals the stream's current window size win,
// give or take the padding credited at once.
type stream struct {
	id uint32

	localClosed  bool // END_STREAM sent
	remoteClosed bool // END_STREAM received
	closed       bool // removed from the map; set so a DATA frame being streamed notices
	head         bool // a HEAD request: its Content-Length announces no body
	gotFinal     bool // the final (non-1xx) response header arrived
	blocked      bool // a write was held back by the stream's send window
	noBodyCheck  bool // 204 or 304, or HEAD: no Content-Length check
	interim      int  // 1xx responses received

	sendWin int64 // what the server's window lets us send

	win     int64 // the current size of the receive window
	recvWin int64 // what the server may still send
	held    int64 // delivered, not yet consumed by the application
	unacked int64 // consumed, not yet returned with WINDOW_UPDATE

	contentLength int64 // from the response; -1 if none
	dataRecv      int64 // DATA payload bytes received
}

// lookup returns the open stream with id, or nil.
func (c *ClientConn) lookup(id uint32) *stream {
	if s := c.last; s != nil && s.id == id && !s.closed {
		return s
	}
	s := c.streams[id]
	if s != nil {
		c.last = s
	}
	return s
}

// idle reports whether id names a stream that cannot have been opened: a
// stream this client has not opened yet, or a server-initiated one (push is
// disabled, so none exists).
func (c *ClientConn) idle(id uint32) bool {
	return id%2 == 0 || id >= c.nextID
}

// newStream returns a stream for id from the free list, or a new one.
func (c *ClientConn) newStream(id uint32) *stream {
	var s *stream
	if n := len(c.free); n > 0 {
		s = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		s = new(stream)
	}
	*s = stream{
		id:            id,
		sendWin:       int64(c.peer.InitialWindowSize),
		win:           int64(c.cfg.StreamWindow),
		recvWin:       int64(c.cfg.StreamWindow),
		contentLength: -1,
	}
	c.streams[id] = s
	return s
}

// closeStream removes s: the bytes it still holds return to the connection
// window, and s goes back to the free list.
func (c *ClientConn) closeStream(s *stream) {
	if s.closed {
		return
	}
	s.closed = true
	delete(c.streams, s.id)
	if c.last == s {
		c.last = nil
	}
	c.creditConn(s.held)
	if c.dataStream != s && len(c.free) < 64 {
		c.free = append(c.free, s)
	}
}

// maybeClose closes s when both sides have ended it.
func (c *ClientConn) maybeClose(s *stream) {
	if s.localClosed && s.remoteClosed {
		c.closeStream(s)
	}
}
