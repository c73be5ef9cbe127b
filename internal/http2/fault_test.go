//go:build linux

package http2

import (
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/http2/h2fault"
	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/net/http2"
)

// faultResult is what a run against an h2fault server gave.
type faultResult struct {
	events []string // formatEvent, with EventData as "data N #bytes"
	bodies map[uint32]int
	err    error // the connection error, from Next or EOF
	rec    h2fault.Record
}

// runFault opens streams GETs (or one POST of upload when upload is not
// nil) against a server running b, and drives the connection until every
// stream ended, or the connection did. With hold, DATA is not consumed.
func runFault(t *testing.T, b h2fault.Behavior, streams int, upload []byte, hold bool) faultResult {
	t.Helper()
	srv, err := h2fault.New(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	conn, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := NewClientConn(Config{})
	res := faultResult{bodies: map[uint32]int{}}
	open := map[uint32]bool{}
	var postID uint32
	sent := 0
	if upload != nil {
		postID, err = c.OpenStream(&Request{Method: "POST", Scheme: "http", Authority: "h2fault", Path: "/up", Body: true})
		if err != nil {
			t.Fatal(err)
		}
		open[postID] = true
	}
	for range streams {
		open[get(t, c, "/")] = true
	}
	buf := make([]byte, 32<<10)
	for len(open) > 0 && res.err == nil {
		if postID != 0 && sent <= len(upload) && open[postID] {
			n, err := c.WriteData(postID, upload[sent:], true)
			if err == nil && sent+n == len(upload) {
				n++ // END_STREAM sent
			}
			sent += n
		}
		for out := c.Outbound(); len(out) > 0; out = c.Outbound() {
			n, err := conn.Write(out)
			if err != nil {
				break
			}
			c.Consumed(n)
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := conn.Read(buf)
		if err == io.EOF {
			res.err = c.EOF()
			break
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		for in := buf[:n]; ; {
			k, ev, err := c.Next(in)
			in = in[k:]
			if err != nil {
				res.err = err
				break
			}
			if ev.Kind == EventNeedMore {
				break
			}
			switch ev.Kind {
			case EventData:
				res.bodies[ev.Stream] += len(ev.Data)
				if !hold {
					c.DataConsumed(ev.Stream, len(ev.Data))
				}
				continue
			case EventEndStream, EventReset:
				delete(open, ev.Stream)
			}
			if ev.Kind != EventSettings && ev.Kind != EventWindowUpdate {
				res.events = append(res.events, formatEvent(ev))
			}
		}
	}
	// Write what is left (a GOAWAY after an error) and close.
	if out := c.Outbound(); len(out) > 0 {
		conn.Write(out)
	}
	c.Close()
	conn.Close()
	srv.Close()
	res.rec = srv.Record()
	return res
}

func TestFaultServer(t *testing.T) {
	body := pattern(100 << 10)
	tests := []struct {
		name    string
		b       h2fault.Behavior
		streams int
		upload  []byte
		hold    bool
		check   func(*testing.T, faultResult)
	}{
		{"respond", h2fault.Respond(body), 3, nil, false, func(t *testing.T, r faultResult) {
			if r.err != nil || len(r.bodies) != 3 || r.bodies[1] != len(body) || r.rec.MaxInFlight < 1 {
				t.Errorf("%v %v %+v", r.err, r.bodies, r.rec.MaxInFlight)
			}
			if !slices.Contains(r.rec.Settings, http2.Setting{ID: http2.SettingEnablePush, Val: 0}) {
				t.Errorf("client SETTINGS %v lack ENABLE_PUSH 0", r.rec.Settings)
			}
		}},
		{"103 and trailers", h2fault.EarlyHintsAndTrailers(body[:10]), 1, nil, false, func(t *testing.T, r faultResult) {
			want := []string{"headers 1 103 [{link </style.css>; rel=preload}]", "headers 1 200 []", "trailers 1 [{x-trailer yes}]", "end 1"}
			if !slices.Equal(r.events, want) || r.bodies[1] != 10 {
				t.Errorf("events %q, body %d", r.events, r.bodies[1])
			}
		}},
		{"CONTINUATION flood", h2fault.ContinuationFlood(1000), 1, nil, false, func(t *testing.T, r faultResult) {
			if !errors.Is(r.err, ErrHeaderTooLarge) {
				t.Errorf("error %v", r.err)
			}
		}},
		{"PUSH_PROMISE", h2fault.PushPromise(), 1, nil, false, func(t *testing.T, r faultResult) {
			if !errors.Is(r.err, ErrPushPromise) {
				t.Errorf("error %v", r.err)
			}
		}},
		{"oversized frame", h2fault.OversizedFrame(20000), 1, nil, false, func(t *testing.T, r faultResult) {
			if !errors.Is(r.err, ErrFrameSize) {
				t.Errorf("error %v", r.err)
			}
		}},
		{"DATA beyond window", h2fault.DataBeyondWindow(DefaultStreamWindow), 1, nil, true, func(t *testing.T, r faultResult) {
			// The application takes nothing, so the window stays shut.
			if !errors.Is(r.err, ErrFlowControl) || r.bodies[1] != DefaultStreamWindow {
				t.Errorf("error %v after %d bytes", r.err, r.bodies[1])
			}
		}},
		{"GOAWAY in flight", h2fault.GoAwayInFlight(3, body), 3, nil, false, func(t *testing.T, r faultResult) {
			want := []string{"reset 3 NO_ERROR unprocessed", "reset 5 NO_ERROR unprocessed", `goaway 1 NO_ERROR "h2fault"`, "headers 1 200 []", "end 1"}
			if !slices.Equal(r.events, want) || r.bodies[1] != len(body) {
				t.Errorf("events %q", r.events)
			}
		}},
		{"REFUSED_STREAM", h2fault.ResetAll(http2.ErrCodeRefusedStream), 2, nil, false, func(t *testing.T, r faultResult) {
			want := []string{"reset 1 REFUSED_STREAM remote", "reset 3 REFUSED_STREAM remote"}
			if !slices.Equal(r.events, want) {
				t.Errorf("events %q", r.events)
			}
		}},
		{"PING flood", h2fault.PingFlood(5000), 1, nil, false, func(t *testing.T, r faultResult) {
			if !errors.Is(r.err, ErrFlood) {
				t.Errorf("error %v", r.err)
			}
		}},
		{"slow upload reader", h2fault.SlowUploadReader(16<<10, time.Millisecond), 0, pattern(1 << 20), false, func(t *testing.T, r faultResult) {
			if r.err != nil || len(r.events) != 2 || r.bodies[1] != len(strconv.Itoa(1<<20)) {
				t.Errorf("%v %q %v", r.err, r.events, r.bodies)
			}
			got := 0
			for _, f := range r.rec.Frames {
				if f.Type == http2.FrameData {
					got += int(f.Length)
				}
			}
			if got != 1<<20 {
				t.Errorf("server received %d bytes of DATA", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			tc.check(t, runFault(t, tc.b, tc.streams, tc.upload, tc.hold))
		})
	}
}
