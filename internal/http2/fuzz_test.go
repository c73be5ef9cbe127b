package http2

import (
	"slices"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/net/http2"
)

// fuzzConn returns a connection after the server's SETTINGS with three
// streams open: two GETs and a POST whose body is not ended.
func fuzzConn(t testing.TB) *ClientConn {
	c := handshake(t, Config{})
	get(t, c, "/1")
	get(t, c, "/3")
	if _, err := c.OpenStream(&Request{Method: "POST", Scheme: "http", Authority: "a", Path: "/5", Body: true}); err != nil {
		t.Fatal(err)
	}
	c.Consumed(len(c.Outbound()))
	return c
}

// checkCaps fails t if c holds more than its limits allow.
func checkCaps(t *testing.T, c *ClientConn) {
	if len(c.rbuf) > c.cfg.MaxFrameSize {
		t.Fatalf("receive buffer of %d bytes", len(c.rbuf))
	}
	if c.hBytes > MaxHeaderBlockBytes || c.hList > MaxHeaderListSize+MaxHeaderListSize+32 || len(c.fields) > MaxHeaderFields {
		t.Fatalf("header block of %d bytes, %d decoded, %d fields", c.hBytes, c.hList, len(c.fields))
	}
	if c.pendingOut() > MaxOutboundBytes+2*c.cfg.MaxFrameSize {
		t.Fatalf("%d bytes waiting in Outbound", c.pendingOut())
	}
	for _, s := range c.streams {
		if s.held > s.win || s.recvWin > s.win {
			t.Fatalf("stream %d holds %d bytes, window %d, %d still open", s.id, s.held, s.win, s.recvWin)
		}
	}
}

// FuzzClientConn feeds arbitrary frames after a valid server preface, once
// whole and once cut into random pieces (the cuts drawn from seed), with
// three streams open. It checks that the connection never panics, stays
// within its limits, and reports the same events and error either way.
func FuzzClientConn(f *testing.F) {
	seeds := []func(s *fakeServer){
		func(s *fakeServer) {
			s.headers(1, false, ":status", "200", "content-length", "3").data(1, true, "abc")
		},
		func(s *fakeServer) {
			s.headers(3, false, ":status", "103").headers(3, false, ":status", "200").data(3, false, "x").headers(3, true, "t", "v")
		},
		func(s *fakeServer) {
			s.fr.WriteDataPadded(1, false, []byte("p"), make([]byte, 4))
			s.fr.WritePing(false, [8]byte{1})
			s.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20})
		},
		func(s *fakeServer) {
			b := s.block(":status", "200", "x", "y")
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: b[:2]})
			s.fr.WriteContinuation(5, true, b[2:])
			s.fr.WriteWindowUpdate(5, 100)
			s.fr.WriteWindowUpdate(0, 100)
		},
		func(s *fakeServer) {
			s.fr.WriteGoAway(1, http2.ErrCodeNo, []byte("debug"))
			s.fr.WriteRSTStream(1, http2.ErrCodeRefusedStream)
		},
		func(s *fakeServer) {
			s.fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: s.block(":path", "/"), EndHeaders: true})
		},
		func(s *fakeServer) {
			s.headers(1, false, ":status", "200").fr.WriteRawFrame(0xfa, 0xff, 1, []byte("unknown"))
			s.fr.WritePriority(1, http2.PriorityParam{Weight: 1})
			s.data(1, false, "").data(1, true, "")
		},
	}
	for i, seed := range seeds {
		s := newFakeServer()
		seed(s)
		f.Add(uint64(i), s.take())
	}
	f.Fuzz(func(t *testing.T, seed uint64, in []byte) {
		c1 := fuzzConn(t)
		log1, err1 := logEvents(c1, [][]byte{in})
		checkCaps(t, c1)

		c2 := fuzzConn(t)
		var log2 []string
		var err2 error
		pieces := testutil.RandomSplit(in, seed)
		// Feed piece by piece, checking the caps between pieces.
		for i := range pieces {
			l, err := logEvents(c2, pieces[i:i+1])
			log2 = mergeLogs(log2, l)
			checkCaps(t, c2)
			if err != nil {
				err2 = err
				break
			}
		}
		if !slices.Equal(log1, log2) || !sameErr(err1, err2) {
			t.Fatalf("whole:\n%q %v\nin pieces:\n%q %v", log1, err1, log2, err2)
		}
		c1.Close()
		c2.Close()
		if c1.Outbound() != nil {
			t.Fatal("Outbound not empty after Close")
		}
	})
}

// mergeLogs appends b to a, joining a data entry of a with one of the same
// stream that starts b. Entries longer than 64 bytes of data are compared
// by length.
func mergeLogs(a, b []string) []string {
	if len(a) > 0 && len(b) > 0 {
		last, first := a[len(a)-1], b[0]
		if p := dataPrefix(last); p != "" && p == dataPrefix(first) {
			a[len(a)-1] = joinData(p, last[len(p):], first[len(p):])
			b = b[1:]
		}
	}
	return append(a, b...)
}
