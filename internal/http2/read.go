package http2

import "encoding/binary"

// rstate is where the reader is in the frame stream.
type rstate uint8

const (
	rsHeader  rstate = iota // reading a 9-byte frame header
	rsPayload               // gathering a non-DATA frame's payload in rbuf
	rsDataPad               // reading the pad length of a padded DATA frame
	rsData                  // passing DATA payload through
	rsSkip                  // skipping padding, or the payload of an ignored DATA frame
)

// Next consumes a prefix of in and reports one event; n is the number of
// bytes consumed. The caller advances in by n and calls Next again with the
// rest until Next reports [EventNeedMore]: all of in is then consumed (a
// partial frame is kept inside), and the next bytes from the socket go to
// Next. Any chunking of the input gives the same events, except that the
// payload of a DATA frame may come in several EventData.
//
// After a connection error Next returns it for ever (a [*ConnError]; ev is
// then meaningless) and a GOAWAY waits in [ClientConn.Outbound]: write it,
// then close the socket.
//
// Frames that need an answer (SETTINGS, PING) are answered in Outbound.
func (c *ClientConn) Next(in []byte) (n int, ev Event, err error) {
	for {
		if c.pendHead < len(c.pend) {
			ev = c.pend[c.pendHead]
			c.pend[c.pendHead] = Event{}
			c.pendHead++
			if c.pendHead == len(c.pend) {
				c.pend = c.pend[:0]
				c.pendHead = 0
			}
			return n, ev, nil
		}
		if c.err != nil {
			return n, Event{}, c.err
		}
		if n == len(in) {
			return n, Event{}, nil
		}
		m, err := c.step(in[n:])
		n += m
		if err != nil {
			c.pend = c.pend[:0]
			c.pendHead = 0
			return n, Event{}, err
		}
	}
}

// step consumes a non-empty prefix of in (in is not empty), queuing the
// events it finds.
func (c *ClientConn) step(in []byte) (int, error) {
	switch c.rstate {
	case rsHeader:
		if c.hdrN == 0 && len(in) >= frameHeaderLen {
			c.fh = parseFrameHeader(in)
			k, err := c.beginFrame(in[frameHeaderLen:])
			return frameHeaderLen + k, err
		}
		m := copy(c.hdrBuf[c.hdrN:], in)
		c.hdrN += m
		if c.hdrN < frameHeaderLen {
			return m, nil
		}
		c.hdrN = 0
		c.fh = parseFrameHeader(c.hdrBuf[:])
		k, err := c.beginFrame(in[m:])
		return m + k, err
	case rsPayload:
		need := int(c.fh.length) - len(c.rbuf)
		m := min(need, len(in))
		c.rbuf = append(c.rbuf, in[:m]...)
		if m < need {
			return m, nil
		}
		c.rstate = rsHeader
		err := c.processFrame(c.rbuf)
		c.rbuf = c.rbuf[:0]
		return m, err
	case rsDataPad:
		pad := uint32(in[0])
		if pad >= c.fh.length {
			return 1, c.connErr(CodeProtocol, ErrProtocol, "DATA padding exceeds the payload")
		}
		c.dataLeft = c.fh.length - 1 - pad
		c.padLeft = pad
		c.creditPadding(pad + 1)
		c.checkDataLength()
		c.rstate = rsData
		if c.dataLeft == 0 {
			return 1, c.endData()
		}
		return 1, nil
	case rsData:
		m := min(int(c.dataLeft), len(in))
		c.dataLeft -= uint32(m)
		s := c.dataStream
		if s == nil || s.closed || s.id != c.dataID {
			c.creditConn(int64(m))
		} else if err := c.deliver(s, in[:m]); err != nil {
			return m, err
		}
		if c.dataLeft == 0 {
			return m, c.endData()
		}
		return m, nil
	case rsSkip:
		m := min(int(c.padLeft), len(in))
		c.padLeft -= uint32(m)
		if c.padLeft == 0 {
			return m, c.endFrame()
		}
		return m, nil
	}
	panic("http2: bad reader state")
}

// beginFrame starts reading the frame in c.fh; rest is the input that
// follows its header, possibly empty. A non-DATA frame that is wholly in rest
// is processed in place; k is then its length, the bytes of rest consumed.
func (c *ClientConn) beginFrame(rest []byte) (k int, err error) {
	fh := &c.fh
	if fh.length > uint32(c.cfg.MaxFrameSize) {
		return 0, c.connErr(CodeFrameSize, ErrFrameSize, "frame larger than SETTINGS_MAX_FRAME_SIZE")
	}
	if c.contStream != 0 && (fh.typ != frameContinuation || fh.stream != c.contStream) {
		return 0, c.connErr(CodeProtocol, ErrProtocol, "header block interrupted")
	}
	if !c.gotPreface && (fh.typ != frameSettings || fh.flags&flagAck != 0) {
		return 0, c.connErr(CodeProtocol, ErrBadPreface, "first frame is not SETTINGS")
	}
	if fh.typ == frameData {
		return 0, c.beginData()
	}
	if uint32(len(rest)) >= fh.length {
		return int(fh.length), c.processFrame(rest[:fh.length])
	}
	c.rstate = rsPayload
	c.rbuf = c.rbuf[:0]
	return 0, nil
}

// beginData starts a DATA frame: it checks the stream and the windows.
func (c *ClientConn) beginData() error {
	fh := &c.fh
	if fh.stream == 0 {
		return c.connErr(CodeProtocol, ErrProtocol, "DATA on stream 0")
	}
	if c.idle(fh.stream) {
		return c.connErr(CodeProtocol, ErrProtocol, "DATA on an idle stream")
	}
	if int64(fh.length) > c.recvWin {
		return c.connErr(CodeFlowControl, ErrFlowControl, "DATA beyond the connection window")
	}
	c.recvWin -= int64(fh.length)
	s := c.lookup(fh.stream)
	c.dataStream, c.dataID = s, fh.stream
	if s != nil {
		if int64(fh.length) > s.recvWin {
			return c.connErr(CodeFlowControl, ErrFlowControl, "DATA beyond the stream window")
		}
		s.recvWin -= int64(fh.length)
		switch {
		case s.remoteClosed:
			c.streamErr(s, CodeStreamClosed, ErrStreamClosed, "DATA after END_STREAM")
		case !s.gotFinal:
			c.streamErr(s, CodeProtocol, ErrMalformedResponse, "DATA before the response header")
		}
		if s.closed {
			c.dataStream = nil
		}
	}
	// DATA with payload on a stream that closed is neither idle nor
	// useful: after a reset, a server may have a whole window in flight.
	if fh.length == 0 && fh.flags&flagEndStream == 0 {
		if err := c.spendCredit(); err != nil {
			return err
		}
	} else if fh.length > 0 && c.dataStream != nil {
		c.credit = min(c.credit+1, MaxIdleFrames)
	}
	if fh.flags&flagPadded != 0 {
		if fh.length == 0 {
			return c.connErr(CodeFrameSize, ErrFrameSize, "padded DATA without pad length")
		}
		c.rstate = rsDataPad
		return nil
	}
	c.dataLeft, c.padLeft = fh.length, 0
	c.checkDataLength()
	c.rstate = rsData
	if fh.length == 0 {
		return c.endData()
	}
	return nil
}

// endData is called when a DATA frame's payload was read; its padding may
// follow.
func (c *ClientConn) endData() error {
	if c.padLeft > 0 {
		c.rstate = rsSkip
		return nil
	}
	return c.endFrame()
}

// endFrame finishes a DATA frame.
func (c *ClientConn) endFrame() error {
	c.rstate = rsHeader
	s := c.dataStream
	c.dataStream = nil
	if c.fh.flags&flagEndStream != 0 && s != nil && !s.closed && s.id == c.dataID {
		c.remoteEnd(s)
	}
	return nil
}

// checkDataLength resets the stream of the DATA frame being read if its
// payload would take the body beyond the response's Content-Length. It is
// checked for the whole frame before any of it is delivered, so that the
// events do not depend on how the frame was cut.
func (c *ClientConn) checkDataLength() {
	s := c.dataStream
	if s == nil || s.closed || s.id != c.dataID || s.contentLength < 0 || s.noBodyCheck {
		return
	}
	if s.dataRecv+int64(c.dataLeft) > s.contentLength {
		c.streamErr(s, CodeProtocol, ErrMalformedResponse, "more DATA than Content-Length")
	}
}

// deliver reports DATA payload bytes of s.
func (c *ClientConn) deliver(s *stream, p []byte) error {
	s.dataRecv += int64(len(p))
	if s.contentLength >= 0 && s.dataRecv > s.contentLength && !s.noBodyCheck {
		c.creditConn(int64(len(p)))
		c.streamErr(s, CodeProtocol, ErrMalformedResponse, "more DATA than Content-Length")
		return nil
	}
	s.held += int64(len(p))
	c.emit(Event{Kind: EventData, Stream: s.id, Data: p})
	return nil
}

// remoteEnd handles END_STREAM from the server on s.
func (c *ClientConn) remoteEnd(s *stream) {
	if s.contentLength >= 0 && s.dataRecv != s.contentLength && !s.noBodyCheck {
		c.streamErr(s, CodeProtocol, ErrMalformedResponse, "DATA shorter than Content-Length")
		return
	}
	s.remoteClosed = true
	c.emit(Event{Kind: EventEndStream, Stream: s.id})
	c.maybeClose(s)
}

// spendCredit charges one idle frame.
func (c *ClientConn) spendCredit() error {
	c.credit--
	if c.credit < 0 {
		return c.connErr(CodeEnhanceYourCalm, ErrFlood, "too many frames without response data")
	}
	return nil
}

// streamErr resets s with code after a stream error and reports it.
func (c *ClientConn) streamErr(s *stream, code ErrCode, cause error, reason string) {
	c.writeRST(s.id, code)
	c.closeStream(s)
	c.emit(Event{Kind: EventReset, Stream: s.id, Code: code,
		Err: &StreamError{Stream: s.id, Code: code, Err: cause, Reason: reason}})
}

// writeRST queues RST_STREAM.
func (c *ClientConn) writeRST(id uint32, code ErrCode) {
	c.grow(frameHeaderLen + 4)
	c.out = appendFrameHeader(c.out, 4, frameRSTStream, 0, id)
	c.out = appendUint32(c.out, uint32(code))
}

// processFrame handles a whole non-DATA frame with payload p.
func (c *ClientConn) processFrame(p []byte) error {
	fh := &c.fh
	switch fh.typ {
	case frameHeaders:
		return c.readHeaders(p)
	case frameContinuation:
		return c.readContinuation(p)
	case frameSettings:
		return c.readSettings(p)
	case framePing:
		return c.readPing(p)
	case frameGoAway:
		return c.readGoAway(p)
	case frameWindowUpdate:
		return c.readWindowUpdate(p)
	case frameRSTStream:
		return c.readRSTStream(p)
	case framePriority:
		if fh.stream == 0 {
			return c.connErr(CodeProtocol, ErrProtocol, "PRIORITY on stream 0")
		}
		if len(p) != 5 {
			if s := c.lookup(fh.stream); s != nil {
				c.streamErr(s, CodeFrameSize, ErrFrameSize, "PRIORITY of bad length")
			}
		}
		return c.spendCredit()
	case framePushPromise:
		return c.connErr(CodeProtocol, ErrPushPromise, "PUSH_PROMISE with push disabled")
	}
	return c.spendCredit() // unknown frame types are ignored
}

// readSettings handles SETTINGS.
func (c *ClientConn) readSettings(p []byte) error {
	fh := &c.fh
	if fh.stream != 0 {
		return c.connErr(CodeProtocol, ErrProtocol, "SETTINGS on a stream")
	}
	if fh.flags&flagAck != 0 {
		if len(p) != 0 {
			return c.connErr(CodeFrameSize, ErrFrameSize, "SETTINGS ACK with payload")
		}
		return c.spendCredit()
	}
	if len(p)%6 != 0 {
		return c.connErr(CodeFrameSize, ErrFrameSize, "SETTINGS length not a multiple of 6")
	}
	if c.gotPreface {
		if err := c.spendCredit(); err != nil {
			return err
		}
	}
	c.gotPreface = true
	for ; len(p) > 0; p = p[6:] {
		id, v := binary.BigEndian.Uint16(p), binary.BigEndian.Uint32(p[2:])
		switch id {
		case settingHeaderTableSize:
			c.peer.HeaderTableSize = v
			c.henc.SetMaxDynamicTableSize(min(v, HeaderTableSize))
		case settingEnablePush:
			if v > 1 {
				return c.connErr(CodeProtocol, ErrProtocol, "SETTINGS_ENABLE_PUSH not 0 or 1")
			}
		case settingMaxConcurrentStreams:
			c.peer.MaxConcurrentStreams = v
		case settingInitialWindowSize:
			if v > maxWindow {
				return c.connErr(CodeFlowControl, ErrFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1")
			}
			delta := int64(v) - int64(c.peer.InitialWindowSize)
			for _, s := range c.streams {
				s.sendWin += delta
				if s.sendWin > maxWindow {
					return c.connErr(CodeFlowControl, ErrFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE overflows a window")
				}
			}
			c.peer.InitialWindowSize = v
		case settingMaxFrameSize:
			if v < DefaultMaxFrameSize || v > maxFrameSizeHi {
				return c.connErr(CodeProtocol, ErrProtocol, "SETTINGS_MAX_FRAME_SIZE out of range")
			}
			c.peer.MaxFrameSize = v
		case settingMaxHeaderListSize:
			c.peer.MaxHeaderListSize = v
		}
	}
	if err := c.autoReply(); err != nil {
		return err
	}
	c.grow(frameHeaderLen)
	c.out = appendFrameHeader(c.out, 0, frameSettings, flagAck, 0)
	c.emit(Event{Kind: EventSettings})
	return nil
}

// readPing answers PING.
func (c *ClientConn) readPing(p []byte) error {
	if c.fh.stream != 0 {
		return c.connErr(CodeProtocol, ErrProtocol, "PING on a stream")
	}
	if len(p) != 8 {
		return c.connErr(CodeFrameSize, ErrFrameSize, "PING length not 8")
	}
	if err := c.spendCredit(); err != nil {
		return err
	}
	if c.fh.flags&flagAck != 0 {
		return nil
	}
	if err := c.autoReply(); err != nil {
		return err
	}
	c.grow(frameHeaderLen + 8)
	c.out = appendFrameHeader(c.out, 8, framePing, flagAck, 0)
	c.out = append(c.out, p...)
	return nil
}

// readGoAway handles GOAWAY: streams above the last stream id are reported
// as not processed, then the GOAWAY itself.
func (c *ClientConn) readGoAway(p []byte) error {
	if c.fh.stream != 0 {
		return c.connErr(CodeProtocol, ErrProtocol, "GOAWAY on a stream")
	}
	if len(p) < 8 {
		return c.connErr(CodeFrameSize, ErrFrameSize, "GOAWAY shorter than 8 bytes")
	}
	last := binary.BigEndian.Uint32(p) & (1<<31 - 1)
	code := ErrCode(binary.BigEndian.Uint32(p[4:]))
	if c.goAway {
		if err := c.spendCredit(); err != nil {
			return err
		}
		last = min(last, c.goAwayLast)
	}
	c.goAway, c.goAwayLast, c.goAwayCode = true, last, code
	for _, id := range c.sortedStreamIDs(last) {
		c.closeStream(c.streams[id])
		c.emit(Event{Kind: EventReset, Stream: id, Code: code,
			Err: &StreamError{Stream: id, Code: code, Remote: true, Err: ErrNotProcessed}})
	}
	c.emit(Event{Kind: EventGoAway, LastStreamID: last, Code: code, Data: p[8:]})
	return nil
}

// readWindowUpdate handles WINDOW_UPDATE.
func (c *ClientConn) readWindowUpdate(p []byte) error {
	fh := &c.fh
	if len(p) != 4 {
		return c.connErr(CodeFrameSize, ErrFrameSize, "WINDOW_UPDATE length not 4")
	}
	inc := int64(binary.BigEndian.Uint32(p) & (1<<31 - 1))
	if fh.stream == 0 {
		if inc == 0 {
			return c.connErr(CodeProtocol, ErrProtocol, "WINDOW_UPDATE of 0 on the connection")
		}
		c.sendWin += inc
		if c.sendWin > maxWindow {
			return c.connErr(CodeFlowControl, ErrFlowControl, "connection send window above 2^31-1")
		}
		if c.connBlocked && c.sendWin > 0 {
			c.connBlocked = false
			c.emit(Event{Kind: EventWindowUpdate})
		}
		return nil
	}
	if c.idle(fh.stream) {
		return c.connErr(CodeProtocol, ErrProtocol, "WINDOW_UPDATE on an idle stream")
	}
	s := c.lookup(fh.stream)
	if s == nil {
		return c.spendCredit()
	}
	if inc == 0 {
		c.streamErr(s, CodeProtocol, ErrProtocol, "WINDOW_UPDATE of 0")
		return nil
	}
	s.sendWin += inc
	if s.sendWin > maxWindow {
		c.streamErr(s, CodeFlowControl, ErrFlowControl, "stream send window above 2^31-1")
		return nil
	}
	if s.blocked && s.sendWin > 0 {
		s.blocked = false
		c.emit(Event{Kind: EventWindowUpdate, Stream: s.id})
	}
	return nil
}

// readRSTStream handles RST_STREAM.
func (c *ClientConn) readRSTStream(p []byte) error {
	fh := &c.fh
	if len(p) != 4 {
		return c.connErr(CodeFrameSize, ErrFrameSize, "RST_STREAM length not 4")
	}
	if fh.stream == 0 {
		return c.connErr(CodeProtocol, ErrProtocol, "RST_STREAM on stream 0")
	}
	if c.idle(fh.stream) {
		return c.connErr(CodeProtocol, ErrProtocol, "RST_STREAM on an idle stream")
	}
	s := c.lookup(fh.stream)
	if s == nil {
		return c.spendCredit()
	}
	code := ErrCode(binary.BigEndian.Uint32(p))
	c.closeStream(s)
	c.emit(Event{Kind: EventReset, Stream: s.id, Code: code,
		Err: &StreamError{Stream: s.id, Code: code, Remote: true, Err: ErrStreamReset}})
	return nil
}
