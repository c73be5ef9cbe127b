package http2

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/http2"
)

type connCase struct {
	name    string
	streams int                 // GET streams opened after the handshake: 1, 3, 5...
	hold    bool                // DATA is not consumed
	server  func(s *fakeServer) // what the server sends after its SETTINGS
	want    []string            // events
	err     error               // connection error expected, matched with errors.Is
	code    ErrCode             // the code of that error, in the GOAWAY sent
	sent    func(*testing.T, []sentFrame)
}

// rstSent checks that RST_STREAM with code was sent on stream id.
func rstSent(id uint32, code ErrCode) func(*testing.T, []sentFrame) {
	return func(t *testing.T, frames []sentFrame) {
		t.Helper()
		for _, f := range frames {
			if rf, ok := f.Frame.(*http2.RSTStreamFrame); ok && f.Stream == id && ErrCode(rf.ErrCode) == code {
				return
			}
		}
		t.Errorf("no RST_STREAM %v on stream %d in %v", code, id, frames)
	}
}

var connCases = []connCase{
	{
		name: "simple GET", streams: 1,
		server: func(s *fakeServer) {
			s.headers(1, false, ":status", "200", "content-type", "text/plain", "content-length", "5").data(1, true, "hello")
		},
		want: []string{"headers 1 200 [{content-type text/plain} {content-length 5}]", `data 1 "hello"`, "end 1"},
	},
	{
		name: "103 then 200 and trailers", streams: 1,
		server: func(s *fakeServer) {
			s.headers(1, false, ":status", "103", "link", "</a.css>; rel=preload")
			s.headers(1, false, ":status", "200").data(1, false, "ab").data(1, false, "cd")
			s.headers(1, true, "grpc-status", "0")
		},
		want: []string{"headers 1 103 [{link </a.css>; rel=preload}]", "headers 1 200 []", `data 1 "abcd"`, "trailers 1 [{grpc-status 0}]", "end 1"},
	},
	{
		name: "headers only", streams: 1,
		server: func(s *fakeServer) { s.headers(1, true, ":status", "204") },
		want:   []string{"headers 1 204 []", "end 1"},
	},
	{
		name: "interleaved streams", streams: 2,
		server: func(s *fakeServer) {
			s.headers(3, false, ":status", "200").headers(1, false, ":status", "404")
			s.data(1, false, "one").data(3, false, "three").data(1, true, "!").data(3, true, "")
		},
		want: []string{"headers 3 200 []", "headers 1 404 []", `data 1 "one"`, `data 3 "three"`, `data 1 "!"`, "end 1", "end 3"},
	},
	{
		name: "padded DATA and HEADERS", streams: 1,
		server: func(s *fakeServer) {
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: s.block(":status", "200"), EndHeaders: true, PadLength: 7,
				Priority: http2.PriorityParam{StreamDep: 0, Weight: 3}})
			s.fr.WriteDataPadded(1, false, []byte("abc"), make([]byte, 20))
			s.fr.WriteDataPadded(1, true, nil, make([]byte, 3))
		},
		want: []string{"headers 1 200 []", `data 1 "abc"`, "end 1"},
	},
	{
		name: "CONTINUATION", streams: 1,
		server: func(s *fakeServer) {
			b := s.block(":status", "200", "x-long", strings.Repeat("v", 300))
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: b[:10], EndStream: true})
			s.fr.WriteContinuation(1, false, b[10:20])
			s.fr.WriteContinuation(1, true, b[20:])
		},
		want: []string{"headers 1 200 [{x-long " + strings.Repeat("v", 300) + "}]", "end 1"},
	},
	{
		name: "PING is answered", streams: 0,
		server: func(s *fakeServer) { s.fr.WritePing(false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}) },
		sent: func(t *testing.T, frames []sentFrame) {
			if len(frames) != 1 || frames[0].Type != http2.FramePing || frames[0].Flags != http2.FlagPingAck ||
				frames[0].Frame.(*http2.PingFrame).Data != [8]byte{1, 2, 3, 4, 5, 6, 7, 8} {
				t.Errorf("sent %v, want PING ACK with the same data", frames)
			}
		},
	},
	{
		name: "SETTINGS is acknowledged", streams: 0,
		server: func(s *fakeServer) { s.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 7}) },
		want:   []string{"Settings"},
		sent: func(t *testing.T, frames []sentFrame) {
			if len(frames) != 1 || frames[0].Type != http2.FrameSettings || frames[0].Flags != http2.FlagSettingsAck {
				t.Errorf("sent %v, want SETTINGS ACK", frames)
			}
		},
	},
	{
		name: "GOAWAY with streams in flight", streams: 3,
		server: func(s *fakeServer) {
			s.fr.WriteGoAway(1, http2.ErrCodeNo, []byte("bye"))
			s.headers(1, true, ":status", "200")
		},
		want: []string{"reset 3 NO_ERROR unprocessed", "reset 5 NO_ERROR unprocessed", `goaway 1 NO_ERROR "bye"`, "headers 1 200 []", "end 1"},
	},
	{
		name: "REFUSED_STREAM", streams: 2,
		server: func(s *fakeServer) {
			s.fr.WriteRSTStream(1, http2.ErrCodeRefusedStream)
			s.fr.WriteRSTStream(3, http2.ErrCodeHTTP11Required)
		},
		want: []string{"reset 1 REFUSED_STREAM remote", "reset 3 HTTP_1_1_REQUIRED remote"},
	},
	{
		name: "frames on a closed stream are dropped", streams: 1,
		server: func(s *fakeServer) {
			s.headers(1, true, ":status", "200")
			s.data(1, false, "late").headers(1, true, ":status", "200")
			s.fr.WriteRSTStream(1, http2.ErrCodeCancel)
			s.fr.WriteWindowUpdate(1, 5)
		},
		want: []string{"headers 1 200 []", "end 1"},
	},
	{
		name: "unknown frame types are ignored", streams: 1,
		server: func(s *fakeServer) {
			s.fr.WriteRawFrame(0xfa, 0, 1, []byte("whatever"))
			s.headers(1, true, ":status", "200")
		},
		want: []string{"headers 1 200 []", "end 1"},
	},

	// Malformed responses: stream errors.
	{
		name: "missing :status", streams: 2,
		server: func(s *fakeServer) {
			s.headers(1, true, "content-type", "text/plain").headers(3, true, ":status", "200")
		},
		want: []string{"reset 1 PROTOCOL_ERROR local", "headers 3 200 []", "end 3"},
		sent: rstSent(1, CodeProtocol),
	},
	{
		name: "uppercase field name", streams: 1,
		server: func(s *fakeServer) { s.headers(1, true, ":status", "200", "Content-Type", "x") },
		want:   []string{"reset 1 PROTOCOL_ERROR local"}, sent: rstSent(1, CodeProtocol),
	},
	{
		name: "connection-specific field", streams: 1,
		server: func(s *fakeServer) { s.headers(1, true, ":status", "200", "connection", "close") },
		want:   []string{"reset 1 PROTOCOL_ERROR local"}, sent: rstSent(1, CodeProtocol),
	},
	{
		name: "pseudo-header after a regular field", streams: 1,
		server: func(s *fakeServer) { s.headers(1, true, "a", "b", ":status", "200") },
		want:   []string{"reset 1 PROTOCOL_ERROR local"},
	},
	{
		name: "request pseudo-header in a response", streams: 1,
		server: func(s *fakeServer) { s.headers(1, true, ":status", "200", ":path", "/") },
		want:   []string{"reset 1 PROTOCOL_ERROR local"},
	},
	{
		name: "content-length longer than DATA", streams: 2,
		server: func(s *fakeServer) {
			s.headers(1, false, ":status", "200", "content-length", "10").data(1, true, "short")
			s.headers(3, true, ":status", "200")
		},
		want: []string{"headers 1 200 [{content-length 10}]", `data 1 "short"`, "reset 1 PROTOCOL_ERROR local", "headers 3 200 []", "end 3"},
	},
	{
		name: "content-length shorter than DATA", streams: 1,
		server: func(s *fakeServer) {
			s.headers(1, false, ":status", "200", "content-length", "2").data(1, false, "ab").data(1, true, "cd")
		},
		want: []string{"headers 1 200 [{content-length 2}]", `data 1 "ab"`, "reset 1 PROTOCOL_ERROR local"},
	},
	{
		name: "DATA before HEADERS", streams: 1,
		server: func(s *fakeServer) { s.data(1, true, "x") },
		want:   []string{"reset 1 PROTOCOL_ERROR local"},
	},
	{
		name: "trailers without END_STREAM", streams: 1,
		server: func(s *fakeServer) { s.headers(1, false, ":status", "200").headers(1, false, "x", "y") },
		want:   []string{"headers 1 200 []", "reset 1 PROTOCOL_ERROR local"},
	},
	{
		name: "101 response", streams: 1,
		server: func(s *fakeServer) { s.headers(1, false, ":status", "101") },
		want:   []string{"reset 1 PROTOCOL_ERROR local"},
	},

	// Connection errors.
	{
		name: "PUSH_PROMISE", streams: 1,
		server: func(s *fakeServer) {
			s.fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: s.block(":method", "GET"), EndHeaders: true})
		},
		err: ErrPushPromise, code: CodeProtocol,
	},
	{
		name: "oversized frame", streams: 1,
		server: func(s *fakeServer) {
			s.headers(1, false, ":status", "200")
			s.fr.WriteData(1, false, make([]byte, DefaultMaxFrameSize+1))
		},
		want: []string{"headers 1 200 []"}, err: ErrFrameSize, code: CodeFrameSize,
	},
	{
		name: "DATA beyond the stream window", streams: 1,
		server: func(s *fakeServer) {
			s.headers(1, false, ":status", "200")
			for range DefaultStreamWindow / 16384 {
				s.fr.WriteData(1, false, make([]byte, 16384))
			}
			s.fr.WriteData(1, false, []byte("x"))
		},
		hold: true,
		want: []string{"headers 1 200 []", fmt.Sprintf("data 1 #%d", DefaultStreamWindow)},
		err:  ErrFlowControl, code: CodeFlowControl,
	},
	{
		name: "DATA on an idle stream", streams: 1,
		server: func(s *fakeServer) { s.data(3, false, "x") },
		err:    ErrProtocol, code: CodeProtocol,
	},
	{
		name: "HEADERS on a server stream", streams: 1,
		server: func(s *fakeServer) { s.headers(2, false, ":status", "200") },
		err:    ErrProtocol, code: CodeProtocol,
	},
	{
		name: "SETTINGS of odd length", streams: 0,
		server: func(s *fakeServer) { s.fr.WriteRawFrame(http2.FrameSettings, 0, 0, make([]byte, 7)) },
		err:    ErrFrameSize, code: CodeFrameSize,
	},
	{
		name: "SETTINGS_INITIAL_WINDOW_SIZE too large", streams: 0,
		server: func(s *fakeServer) {
			s.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31})
		},
		err: ErrFlowControl, code: CodeFlowControl,
	},
	{
		name: "SETTINGS_MAX_FRAME_SIZE too small", streams: 0,
		server: func(s *fakeServer) { s.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 100}) },
		err:    ErrProtocol, code: CodeProtocol,
	},
	{
		name: "connection window overflow", streams: 0,
		server: func(s *fakeServer) { s.fr.WriteWindowUpdate(0, 1<<31-1) },
		err:    ErrFlowControl, code: CodeFlowControl,
	},
	{
		name: "stream window overflow resets the stream", streams: 1,
		server: func(s *fakeServer) { s.fr.WriteWindowUpdate(1, 1<<31-1) },
		want:   []string{"reset 1 FLOW_CONTROL_ERROR local"}, sent: rstSent(1, CodeFlowControl),
	},
	{
		name: "CONTINUATION flood", streams: 1,
		server: func(s *fakeServer) {
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: s.block(":status", "200")})
			for range MaxHeaderBlockBytes/16000 + 1 {
				s.fr.WriteContinuation(1, false, bytes.Repeat([]byte{0x40, 1, 'a', 1, 'b'}, 3200)) // literal a: b with indexing
			}
		},
		err: ErrHeaderTooLarge, code: CodeEnhanceYourCalm,
	},
	{
		name: "empty CONTINUATION flood", streams: 1,
		server: func(s *fakeServer) {
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: s.block(":status", "200")})
			for range MaxIdleFrames + 1 {
				s.fr.WriteContinuation(1, false, nil)
			}
		},
		err: ErrFlood, code: CodeEnhanceYourCalm,
	},
	{
		name: "PING flood", streams: 0,
		server: func(s *fakeServer) {
			for range MaxIdleFrames + 1 {
				s.fr.WritePing(false, [8]byte{})
			}
		},
		err: ErrFlood, code: CodeEnhanceYourCalm,
	},
	{
		name: "empty DATA flood", streams: 1,
		server: func(s *fakeServer) {
			s.headers(1, false, ":status", "200")
			for range MaxIdleFrames + 2 {
				s.data(1, false, "")
			}
		},
		want: []string{"headers 1 200 []"}, err: ErrFlood, code: CodeEnhanceYourCalm,
	},
	{
		name: "CONTINUATION without HEADERS", streams: 1,
		server: func(s *fakeServer) { s.fr.WriteContinuation(1, true, s.block(":status", "200")) },
		err:    ErrProtocol, code: CodeProtocol,
	},
	{
		name: "header block interrupted", streams: 1,
		server: func(s *fakeServer) {
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: s.block(":status", "200")})
			s.fr.WritePing(false, [8]byte{})
		},
		err: ErrProtocol, code: CodeProtocol,
	},
	{
		name: "bad HPACK", streams: 1,
		server: func(s *fakeServer) {
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EndHeaders: true})
		},
		err: ErrCompression, code: CodeCompression,
	},
	{
		name: "HPACK table size above the advertised", streams: 1,
		server: func(s *fakeServer) {
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x3f, 0xe1, 0x3f}, EndHeaders: true}) // size update 8192
		},
		err: ErrCompression, code: CodeCompression,
	},
	{
		name: "PING of bad length", streams: 0,
		server: func(s *fakeServer) { s.fr.WriteRawFrame(http2.FramePing, 0, 0, make([]byte, 7)) },
		err:    ErrFrameSize, code: CodeFrameSize,
	},
	{
		name: "RST_STREAM on an idle stream", streams: 0,
		server: func(s *fakeServer) { s.fr.WriteRSTStream(1, http2.ErrCodeCancel) },
		err:    ErrProtocol, code: CodeProtocol,
	},
}

// runCase runs a case with the server's bytes cut into pieces by split.
func runCase(t *testing.T, tc connCase, split func([]byte) [][]byte) ([]string, []sentFrame, error) {
	t.Helper()
	c := handshake(t, Config{})
	for i := range tc.streams {
		get(t, c, "/"+string(rune('a'+i)))
	}
	c.Consumed(len(c.Outbound()))
	s := newFakeServer()
	tc.server(s)
	log, err := logEvents(c, split(s.take()), tc.hold)
	return log, sentFrames(t, c, false), err
}

func TestConnCases(t *testing.T) {
	for _, tc := range connCases {
		t.Run(tc.name, func(t *testing.T) {
			whole := func(b []byte) [][]byte { return [][]byte{b} }
			bytewise := func(b []byte) [][]byte {
				var p [][]byte
				for i := range b {
					p = append(p, b[i:i+1])
				}
				return p
			}
			log, sent, err := runCase(t, tc, whole)
			if !slices.Equal(log, tc.want) {
				t.Errorf("events\n%q\nwant\n%q", log, tc.want)
			}
			if tc.err == nil && err != nil {
				t.Errorf("error %v", err)
			}
			if tc.err != nil {
				var ce *ConnError
				if !errors.Is(err, tc.err) || !errors.Is(err, ErrConnection) || !errors.As(err, &ce) || ce.Code != tc.code {
					t.Errorf("error %v, want %v with %v", err, tc.err, tc.code)
				}
				if n := len(sent); n == 0 || sent[n-1].Type != http2.FrameGoAway || ErrCode(sent[n-1].Frame.(*http2.GoAwayFrame).ErrCode) != tc.code {
					t.Errorf("last frame sent is not GOAWAY %v: %v", tc.code, sent)
				}
			}
			if tc.sent != nil {
				tc.sent(t, sent)
			}
			log2, _, err2 := runCase(t, tc, bytewise)
			if !slices.Equal(log2, log) || !sameErr(err, err2) {
				t.Errorf("fed a byte at a time:\n%q %v\nwhole:\n%q %v", log2, err2, log, err)
			}
		})
	}
}

func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}
