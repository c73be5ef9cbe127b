package h2fault

import (
	"bytes"
	"strconv"
	"time"

	"golang.org/x/net/http2"
)

// Respond answers every request with 200 and body.
func Respond(body []byte) Behavior {
	return func(p *Peer) error {
		if err := p.Handshake(); err != nil {
			return err
		}
		for {
			r, err := p.NextRequest()
			if err != nil {
				return err
			}
			if err := p.Headers(r.Stream, false, ":status", "200", "content-length", strconv.Itoa(len(body))); err != nil {
				return err
			}
			if err := p.Data(r.Stream, true, body); err != nil {
				return err
			}
		}
	}
}

// EarlyHintsAndTrailers answers every request with 103, then 200, body,
// and a trailer "x-trailer: yes".
func EarlyHintsAndTrailers(body []byte) Behavior {
	return func(p *Peer) error {
		if err := p.Handshake(); err != nil {
			return err
		}
		for {
			r, err := p.NextRequest()
			if err != nil {
				return err
			}
			p.Headers(r.Stream, false, ":status", "103", "link", "</style.css>; rel=preload")
			p.Headers(r.Stream, false, ":status", "200")
			p.Data(r.Stream, false, body)
			if err := p.Headers(r.Stream, true, "x-trailer", "yes"); err != nil {
				return err
			}
		}
	}
}

// firstRequest shakes hands and reads the first request.
func firstRequest(p *Peer) (Request, error) {
	if err := p.Handshake(); err != nil {
		return Request{}, err
	}
	return p.NextRequest()
}

// ContinuationFlood answers the first request with HEADERS followed by
// CONTINUATION frames of 16 KiB without END_HEADERS, frames of them.
func ContinuationFlood(frames int) Behavior {
	return func(p *Peer) error {
		r, err := firstRequest(p)
		if err != nil {
			return err
		}
		p.Framer.WriteHeaders(http2.HeadersFrameParam{StreamID: r.Stream, BlockFragment: p.Block(":status", "200")})
		junk := bytes.Repeat([]byte{0x40, 1, 'a', 1, 'b'}, 16000/5)
		for range frames {
			if err := p.Framer.WriteContinuation(r.Stream, false, junk); err != nil {
				return p.Drain()
			}
		}
		return p.Drain()
	}
}

// PushPromise answers the first request with PUSH_PROMISE.
func PushPromise() Behavior {
	return func(p *Peer) error {
		r, err := firstRequest(p)
		if err != nil {
			return err
		}
		p.Framer.WritePushPromise(http2.PushPromiseParam{StreamID: r.Stream, PromiseID: 2,
			BlockFragment: p.Block(":method", "GET", ":scheme", "http", ":path", "/pushed", ":authority", "a"), EndHeaders: true})
		return p.Drain()
	}
}

// OversizedFrame answers the first request with a DATA frame of size
// bytes, beyond the client's SETTINGS_MAX_FRAME_SIZE when size > 16384.
func OversizedFrame(size int) Behavior {
	return func(p *Peer) error {
		r, err := firstRequest(p)
		if err != nil {
			return err
		}
		p.Headers(r.Stream, false, ":status", "200")
		p.Framer.WriteData(r.Stream, false, make([]byte, size))
		return p.Drain()
	}
}

// DataBeyondWindow answers the first request with window+1 bytes of DATA,
// ignoring every WINDOW_UPDATE.
func DataBeyondWindow(window int) Behavior {
	return func(p *Peer) error {
		r, err := firstRequest(p)
		if err != nil {
			return err
		}
		p.Headers(r.Stream, false, ":status", "200")
		p.Data(r.Stream, false, make([]byte, window+1))
		return p.Drain()
	}
}

// GoAwayInFlight waits for n requests, sends GOAWAY (NO_ERROR) whose last
// stream id is the first request's, answers that one with body and closes.
func GoAwayInFlight(n int, body []byte) Behavior {
	return func(p *Peer) error {
		if err := p.Handshake(); err != nil {
			return err
		}
		var first uint32
		for i := range n {
			r, err := p.NextRequest()
			if err != nil {
				return err
			}
			if i == 0 {
				first = r.Stream
			}
		}
		p.Framer.WriteGoAway(first, http2.ErrCodeNo, []byte("h2fault"))
		p.Headers(first, false, ":status", "200")
		p.Data(first, true, body)
		time.Sleep(50 * time.Millisecond) // let the client read before the close
		return nil
	}
}

// ResetAll answers every request with RST_STREAM and code, such as
// REFUSED_STREAM or HTTP_1_1_REQUIRED.
func ResetAll(code http2.ErrCode) Behavior {
	return func(p *Peer) error {
		if err := p.Handshake(); err != nil {
			return err
		}
		for {
			r, err := p.NextRequest()
			if err != nil {
				return err
			}
			if err := p.Reset(r.Stream, code); err != nil {
				return err
			}
		}
	}
}

// PingFlood sends n PINGs after the handshake, then reads what comes.
func PingFlood(n int) Behavior {
	return func(p *Peer) error {
		if err := p.Handshake(); err != nil {
			return err
		}
		for i := range n {
			if err := p.Framer.WritePing(false, [8]byte{byte(i >> 8), byte(i)}); err != nil {
				return p.Drain()
			}
		}
		return p.Drain()
	}
}

// SlowUploadReader advertises a stream window of window bytes and a
// connection window no larger, then reads uploads slowly: after each DATA
// frame it waits delay before it opens the windows again by the frame's
// length. At the end of a body it answers 200 with the count of bytes
// received.
func SlowUploadReader(window uint32, delay time.Duration) Behavior {
	return func(p *Peer) error {
		if err := p.Handshake(http2.Setting{ID: http2.SettingInitialWindowSize, Val: window}); err != nil {
			return err
		}
		got := map[uint32]int{}
		for {
			f, err := p.ReadFrame()
			if err != nil {
				return err
			}
			d, ok := f.(*http2.DataFrame)
			if !ok {
				continue
			}
			id := d.StreamID
			got[id] += len(d.Data())
			if n := d.Header().Length; n > 0 {
				time.Sleep(delay)
				p.Framer.WriteWindowUpdate(0, n)
				if !d.StreamEnded() {
					p.Framer.WriteWindowUpdate(id, n)
				}
			}
			if d.StreamEnded() {
				body := []byte(strconv.Itoa(got[id]))
				p.Headers(id, false, ":status", "200")
				if err := p.Data(id, true, body); err != nil {
					return err
				}
			}
		}
	}
}
