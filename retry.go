package xfer

import (
	"bytes"
	"errors"
	"io"
)

// retryable reports whether t, which failed on a reused connection before any byte of the
// reply arrived, may be sent again on a new connection: once, and only when its body (if
// any) can be replayed.
func (t *transfer) retryable() bool {
	if !t.reused || t.retried || t.responseStarted() {
		return false
	}
	return t.retryableBody()
}

// responseStarted reports whether any byte of the reply arrived.
func (t *transfer) responseStarted() bool {
	if s := t.h2; s != nil && s.used {
		return s.started
	}
	return t.h1ready && t.parser.Started()
}

// retryableBody reports whether the request, body included, can be sent again.
func (t *transfer) retryableBody() bool {
	return t.e.Body == nil || t.dropBody || t.canRewind()
}

// retry closes t's dead connection and starts the request again on a new one.
func (m *Multi) retry(t *transfer) {
	t.conn.reusable = false
	m.handBack(t)
	t.retried, t.forceFresh = true, true
	m.newHop(t) // the new connection has its own connect timeout
}

// fresh reports whether t must open a new connection.
func (t *transfer) fresh() bool { return t.e.FreshConnect || t.forceFresh }

// bodyReplay is where the body starts, to send it again.
type bodyReplay struct {
	size  int64  // the body's size at the start; -1: unknown
	start int64  // where a seekable body started; -1: it cannot seek
	snap  []byte // a *bytes.Buffer body's bytes
}

// snapshotBody remembers where the body starts, so it can be sent again.
func (t *transfer) snapshotBody() {
	r := &bodyReplay{size: bodySize(t.e), start: -1}
	switch b := t.e.Body.(type) {
	case *bytes.Buffer:
		r.snap = b.Bytes()
	case io.Seeker:
		if off, err := b.Seek(0, io.SeekCurrent); err == nil {
			r.start = off
		}
	}
	t.replay = r
}

// canRewind reports whether the body can be read again from its start.
func (t *transfer) canRewind() bool {
	switch t.e.Body.(type) {
	case *bytes.Buffer:
		return true
	case io.Seeker:
		return t.replay.start >= 0
	}
	return false
}

var errNoReplay = errors.New("xfer: the request body cannot be sent again (not a *bytes.Reader, *bytes.Buffer, *strings.Reader or io.Seeker)")

// bodyReader returns the body to send for this request: as given the first time, from its
// start again afterwards. A body not read yet (it waited for 100 Continue) is sent as it is.
func (t *transfer) bodyReader() (io.Reader, error) {
	if t.attempt == 0 {
		return t.e.Body, nil
	}
	if b := t.body; b != nil && !b.started {
		return b.r, nil
	}
	switch b := t.e.Body.(type) {
	case *bytes.Buffer:
		return bytes.NewReader(t.replay.snap), nil
	case io.Seeker:
		if t.replay.start >= 0 {
			if _, err := b.Seek(t.replay.start, io.SeekStart); err == nil {
				return t.e.Body, nil
			}
		}
	}
	return nil, errNoReplay
}

// sendFailed handles a failed write of t's request: on a reused connection, before any byte
// of the reply, with a body that can be sent again, the request is sent again on a new
// connection (the server closed the idle connection as it was reused); otherwise t ends
// with ErrSendError. It returns true when t goes on.
func (m *Multi) sendFailed(t *transfer, err error) bool {
	if t.retryable() {
		m.retry(t)
		return true
	}
	m.fail(t, ErrSendError, err)
	return false
}
