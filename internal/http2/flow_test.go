package http2

import (
	"errors"
	"testing"

	"golang.org/x/net/http2"
)

// windowUpdates returns the WINDOW_UPDATE increments sent per stream.
func windowUpdates(t *testing.T, c *ClientConn) map[uint32]uint32 {
	t.Helper()
	m := map[uint32]uint32{}
	for _, f := range sentFrames(t, c, false) {
		if wu, ok := f.Frame.(*http2.WindowUpdateFrame); ok {
			m[f.Stream] += wu.Increment
		}
	}
	return m
}

func TestPausedStreamHoldsItsWindow(t *testing.T) {
	c := handshake(t, Config{})
	id := get(t, c, "/")
	c.Consumed(len(c.Outbound()))
	s := newFakeServer().headers(id, false, ":status", "200")
	for range DefaultStreamWindow / 16384 {
		s.fr.WriteData(id, false, make([]byte, 16384))
	}
	if _, err := logEvents(c, [][]byte{s.take()}, true); err != nil {
		t.Fatal(err)
	}
	if wu := windowUpdates(t, c); len(wu) != 0 {
		t.Fatalf("window updates %v while nothing was consumed", wu)
	}
	c.DataConsumed(id, DefaultStreamWindow)
	wu := windowUpdates(t, c)
	// Consumed while holding nothing: the window doubles.
	if wu[id] != 2*DefaultStreamWindow {
		t.Errorf("stream window update %d, want %d", wu[id], 2*DefaultStreamWindow)
	}
	if c.lookup(id).win != 2*DefaultStreamWindow {
		t.Errorf("window %d", c.lookup(id).win)
	}
}

func TestWindowGrowsToItsCeiling(t *testing.T) {
	c := handshake(t, Config{MaxStreamWindow: 1 << 20})
	id := get(t, c, "/")
	if _, err := logEvents(c, [][]byte{newFakeServer().headers(id, false, ":status", "200").take()}); err != nil {
		t.Fatal(err)
	}
	frames := dataFrames(id, 256, 16384) // 4 MiB
	if _, err := logEvents(c, [][]byte{frames}); err != nil {
		t.Fatal(err)
	}
	if w := c.lookup(id).win; w != 1<<20 {
		t.Errorf("window %d after 4 MiB consumed as it came, want 1 MiB", w)
	}
}

func TestWriteDataRespectsWindows(t *testing.T) {
	c := handshake(t, Config{}, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1000})
	id, err := c.OpenStream(&Request{Method: "PUT", Scheme: "http", Authority: "a", Path: "/", Body: true})
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 5000)
	if w := c.SendWindow(id); w != 1000 {
		t.Errorf("SendWindow %d", w)
	}
	n, err := c.WriteData(id, body, true)
	if n != 1000 || err != nil {
		t.Fatalf("WriteData took %d, %v", n, err)
	}
	if n, _ := c.WriteData(id, body[n:], true); n != 0 {
		t.Fatalf("WriteData took %d with the window shut", n)
	}
	s := newFakeServer()
	s.fr.WriteWindowUpdate(id, 1<<20)
	log, err := logEvents(c, [][]byte{s.take()})
	if err != nil || len(log) != 1 || log[0] != "window 1" {
		t.Fatalf("events %q %v", log, err)
	}
	// The connection window (65535) now limits.
	n, err = c.WriteData(id, body[1000:], true)
	if n != 4000 || err != nil {
		t.Fatalf("WriteData took %d, %v", n, err)
	}
	var data, ends int
	for _, f := range sentFrames(t, c, false) {
		if f.Type == http2.FrameData {
			data += int(f.Frame.Header().Length) // the payload itself is gone: the Framer reused it
			if f.Flags.Has(http2.FlagDataEndStream) {
				ends++
			}
		}
	}
	if data != 5000 || ends != 1 {
		t.Errorf("sent %d bytes of DATA, %d END_STREAM", data, ends)
	}
	if _, err := c.WriteData(id, nil, true); err != ErrStreamClosed {
		t.Errorf("WriteData after the end: %v", err)
	}
}

func TestMaxConcurrentStreams(t *testing.T) {
	c := handshake(t, Config{}, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 2})
	get(t, c, "/a")
	get(t, c, "/b")
	if c.CanOpenStream() {
		t.Fatal("CanOpenStream with 2 of 2 streams open")
	}
	if _, err := c.OpenStream(&Request{Method: "GET", Scheme: "http", Path: "/"}); err != ErrNoStream {
		t.Fatalf("OpenStream: %v", err)
	}
	c.Reset(1, CodeCancel)
	if !c.CanOpenStream() {
		t.Fatal("cannot open a stream after a reset")
	}
	if f := sentFrames(t, c, false); f[len(f)-1].Type != http2.FrameRSTStream || ErrCode(f[len(f)-1].Frame.(*http2.RSTStreamFrame).ErrCode) != CodeCancel {
		t.Errorf("last frame sent %v, want RST_STREAM CANCEL", f[len(f)-1])
	}
}

func TestBadPreface(t *testing.T) {
	c := NewClientConn(Config{})
	s := newFakeServer()
	s.fr.WritePing(false, [8]byte{})
	_, err := logEvents(c, [][]byte{s.take()})
	if !errors.Is(err, ErrBadPreface) {
		t.Fatalf("error %v", err)
	}
}
