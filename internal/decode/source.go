package decode

import "io"

// source is the innermost reader of a decoder stack: it hands the decoder
// libraries the coded bytes fed so far. It implements io.ByteReader, so that
// compress/flate reads exactly the bytes it needs, with no read-ahead buffer
// in between; bytes after the end of a stream thus stay here to be noticed.
//
// Read never blocks: when no byte is held it suspends the decoder's
// coroutine (yield) until the loop feeds more, reports the end of the body,
// or closes the Decoder.
//
// Invariant: b is either the caller's slice (owned == false), valid only
// until the caller's next Feed or Keep, or a suffix of own (owned == true).
type source struct {
	b     []byte
	own   []byte
	owned bool

	eof     bool // FeedEOF was called
	closed  bool // the coroutine is being stopped
	waiting bool // the coroutine is suspended in wait

	// yield suspends the coroutine until the Decoder resumes it; set only
	// while the coroutine runs. It returns false when the coroutine is being
	// stopped.
	yield func(struct{}) bool
}

// feed adds p to the unread bytes. p is kept by reference when nothing else
// is held, and copied otherwise.
func (s *source) feed(p []byte) {
	if len(p) == 0 {
		return
	}
	if len(s.b) == 0 {
		s.b, s.own, s.owned = p, nil, false
		return
	}
	s.keep()
	n := copy(s.own, s.b) // slide the unread bytes to the front
	s.own = append(s.own[:n], p...)
	s.b = s.own
}

// keep copies the unread bytes into memory the source owns.
func (s *source) keep() {
	if s.owned || len(s.b) == 0 {
		return
	}
	s.own = append(s.own[:0], s.b...)
	s.b, s.owned = s.own, true
}

// release drops the unread bytes and the memory that held them.
func (s *source) release() {
	s.b, s.own, s.owned = nil, nil, false
}

// wait returns once a byte is held, or with io.EOF at the end of the body,
// or errStopped when the coroutine is being stopped.
func (s *source) wait() error {
	for len(s.b) == 0 {
		switch {
		case s.closed:
			return errStopped
		case s.eof:
			return io.EOF
		case s.yield == nil:
			return errStopped // not inside the coroutine: cannot wait
		}
		s.waiting = true
		ok := s.yield(struct{}{})
		s.waiting = false
		if !ok {
			// Stopped: the coroutine must now run to its end without
			// yielding again.
			s.closed = true
			return errStopped
		}
	}
	return nil
}

func (s *source) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(s.b) == 0 {
		if err := s.wait(); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

func (s *source) ReadByte() (byte, error) {
	if len(s.b) == 0 {
		if err := s.wait(); err != nil {
			return 0, err
		}
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c, nil
}
