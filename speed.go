package xfer

import (
	"fmt"
	"time"
)

// The speed controls: the low-speed limit, the rate limits and the Progress callback. Each
// is one named expiry of the transfer.

// speedState is what the low-speed check and the Progress calls remember.
type speedState struct {
	lsLast       int64    // the last low-speed check
	lsBytes      int64    // bytes moved at that check
	lsBelow      int64    // since when the speed is below LowSpeedLimit; 0: it is not
	lastProgress Progress // what Progress was last told
	called       bool     // Progress was called at least once
}

// armSpeed arms the once-a-second checks that t's options ask for.
func (m *Multi) armSpeed(t *transfer) {
	e := t.e
	if (e.LowSpeedLimit > 0 && e.LowSpeedTime > 0) || e.Progress != nil {
		t.speed = &speedState{lsLast: t.start}
	}
	if e.LowSpeedLimit > 0 && e.LowSpeedTime > 0 {
		m.expire(t, expLowSpeed, t.start+int64(time.Second))
	}
	if e.Progress != nil {
		m.expire(t, expProgress, t.start+int64(time.Second))
	}
}

// tooSlow runs the low-speed check: when the average speed over each second stayed below
// LowSpeedLimit for LowSpeedTime, t ends with ErrOperationTimedOut and tooSlow returns true.
// A paused transfer is exempt, and unpausing starts a new window.
func (m *Multi) tooSlow(t *transfer, now int64) bool {
	e := t.e
	s := t.speed
	moved := t.info.downloaded + t.info.uploaded
	dt := now - s.lsLast
	paused := e.pause != 0 && (e.pause == PauseAll || t.state != stSend && e.pause&PauseRecv != 0 || t.state == stSend && e.pause&PauseSend != 0)
	switch {
	case paused || !t.state.exchanging():
		s.lsBelow = 0
	case dt > 0 && float64(moved-s.lsBytes)*float64(time.Second)/float64(dt) < float64(e.LowSpeedLimit):
		if s.lsBelow == 0 {
			s.lsBelow = s.lsLast
		}
		if now-s.lsBelow >= int64(e.LowSpeedTime) {
			m.fail(t, ErrOperationTimedOut, fmt.Errorf("xfer: operation too slow: less than %d bytes/sec transferred the last %v", e.LowSpeedLimit, e.LowSpeedTime))
			return true
		}
	default:
		s.lsBelow = 0
	}
	s.lsLast, s.lsBytes = now, moved
	m.expire(t, expLowSpeed, now+int64(time.Second))
	return false
}

// overRate reports whether t moved more bytes than limit allows since it started; if so it
// stops t's interest until the average comes back down to the limit.
func (m *Multi) overRate(t *transfer, moved, limit int64) bool {
	if limit <= 0 {
		return false
	}
	now := m.now()
	elapsed := now - t.start
	due := int64(float64(moved) / float64(limit) * float64(time.Second)) // when moved bytes are allowed
	if due <= elapsed {
		return false
	}
	t.throttled = true
	m.expire(t, expRateLimit, t.start+due)
	return true
}

// progress calls Progress when the counters changed since the last call, or always when
// force is set (the once-a-second call). It returns false when the callback ended t.
func (m *Multi) progress(t *transfer, force bool) bool {
	f := t.e.Progress
	if f == nil || t.done {
		return !t.done
	}
	p := Progress{
		DownloadTotal: t.info.contentLength,
		Downloaded:    t.info.downloaded,
		UploadTotal:   t.uploadTotal(),
		Uploaded:      t.info.uploaded,
	}
	s := t.speed
	if force || !s.called {
		m.expireIn(t, expProgress, time.Second)
	} else if p == s.lastProgress {
		return true
	}
	s.lastProgress, s.called = p, true
	if err := m.callback(func() error { return f(p) }); err != nil {
		m.fail(t, ErrAbortedByCallback, err)
		return false
	}
	return true
}

// uploadTotal is the request body's size, or -1 when unknown.
func (t *transfer) uploadTotal() int64 {
	if t.body == nil {
		return 0
	}
	if t.body.chunked {
		return -1
	}
	return t.body.size
}
