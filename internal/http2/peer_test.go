package http2

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// fakeServer writes the frames of a server into memory with the Framer of
// golang.org/x/net/http2, so the tests of the core need no network.
type fakeServer struct {
	buf    bytes.Buffer
	fr     *http2.Framer
	encBuf bytes.Buffer
	enc    *hpack.Encoder
}

func newFakeServer() *fakeServer {
	s := &fakeServer{}
	s.fr = http2.NewFramer(&s.buf, nil)
	s.fr.AllowIllegalWrites = true
	s.enc = hpack.NewEncoder(&s.encBuf)
	return s
}

// preface writes the server's SETTINGS.
func (s *fakeServer) preface(settings ...http2.Setting) *fakeServer {
	s.fr.WriteSettings(settings...)
	return s
}

// block encodes name/value pairs into a header block.
func (s *fakeServer) block(kv ...string) []byte {
	s.encBuf.Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		s.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return s.encBuf.Bytes() // valid until the next call; the Framer copies it at once
}

// headers writes a HEADERS frame with END_HEADERS.
func (s *fakeServer) headers(id uint32, end bool, kv ...string) *fakeServer {
	s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: s.block(kv...), EndStream: end, EndHeaders: true})
	return s
}

// data writes a DATA frame.
func (s *fakeServer) data(id uint32, end bool, p string) *fakeServer {
	s.fr.WriteData(id, end, []byte(p))
	return s
}

// take returns what was written and forgets it.
func (s *fakeServer) take() []byte {
	b := bytes.Clone(s.buf.Bytes())
	s.buf.Reset()
	return b
}

// logEvents feeds in to c in the given pieces and returns the events as
// text, merging the EventData of one stream that follow one another
// ("data 1 \"hello\"", or "data 1 #70000" beyond 64 bytes), and the connection
// error if any. DATA is consumed as it arrives unless hold is set.
func logEvents(c *ClientConn, pieces [][]byte, hold ...bool) ([]string, error) {
	var log []string
	var data []byte // the data of the last entry, when it is data
	flush := func() {
		if data == nil {
			return
		}
		k := len(log) - 1
		if len(data) > 64 {
			log[k] += fmt.Sprintf("#%d", len(data))
		} else {
			log[k] += strconv.Quote(string(data))
		}
		data = nil
	}
	defer flush()
	for _, in := range pieces {
		for {
			n, ev, err := c.Next(in)
			in = in[n:]
			if err != nil {
				return log, err
			}
			if ev.Kind == EventNeedMore {
				if len(in) != 0 {
					return log, fmt.Errorf("NeedMore with %d bytes left", len(in))
				}
				break
			}
			if ev.Kind == EventData {
				if len(hold) == 0 || !hold[0] {
					c.DataConsumed(ev.Stream, len(ev.Data))
				}
				prefix := fmt.Sprintf("data %d ", ev.Stream)
				if k := len(log) - 1; data != nil && log[k] == prefix {
					data = append(data, ev.Data...)
					continue
				}
				flush()
				log = append(log, prefix)
				data = append([]byte{}, ev.Data...)
				continue
			}
			flush()
			log = append(log, formatEvent(ev))
		}
	}
	return log, nil
}

// formatEvent returns an event other than EventData as text.
func formatEvent(ev Event) string {
	switch ev.Kind {
	case EventHeaders:
		return fmt.Sprintf("headers %d %d %v", ev.Stream, ev.Status, ev.Fields)
	case EventTrailers:
		return fmt.Sprintf("trailers %d %v", ev.Stream, ev.Fields)
	case EventEndStream:
		return fmt.Sprintf("end %d", ev.Stream)
	case EventReset:
		var se *StreamError
		errors.As(ev.Err, &se)
		who := "local"
		if se.Remote {
			who = "remote"
		}
		if errors.Is(ev.Err, ErrNotProcessed) {
			who = "unprocessed"
		}
		return fmt.Sprintf("reset %d %v %s", ev.Stream, ev.Code, who)
	case EventGoAway:
		return fmt.Sprintf("goaway %d %v %q", ev.LastStreamID, ev.Code, ev.Data)
	case EventWindowUpdate:
		return fmt.Sprintf("window %d", ev.Stream)
	}
	return ev.Kind.String()
}

// sentFrame is a frame read back from a ClientConn's Outbound.
type sentFrame struct {
	Type   http2.FrameType
	Flags  http2.Flags
	Stream uint32
	Frame  http2.Frame
}

// sentFrames reads the frames in c's Outbound, after the client preface if
// withPreface, and consumes them.
func sentFrames(t testing.TB, c *ClientConn, withPreface bool) []sentFrame {
	t.Helper()
	out := c.Outbound()
	c.Consumed(len(out))
	if withPreface {
		if !bytes.HasPrefix(out, []byte(http2.ClientPreface)) {
			t.Fatalf("Outbound does not start with the client preface: %q", out)
		}
		out = out[len(http2.ClientPreface):]
	}
	fr := http2.NewFramer(nil, bytes.NewReader(out))
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	var frames []sentFrame
	for {
		f, err := fr.ReadFrame()
		if err == io.EOF {
			return frames
		}
		if err != nil {
			t.Fatalf("reading what the client sent: %v", err)
		}
		h := f.Header()
		frames = append(frames, sentFrame{h.Type, h.Flags, h.StreamID, f})
	}
}

// handshake returns a ClientConn that read the server's SETTINGS and has an
// empty Outbound.
func handshake(t testing.TB, cfg Config, settings ...http2.Setting) *ClientConn {
	t.Helper()
	c := NewClientConn(cfg)
	if _, err := logEvents(c, [][]byte{newFakeServer().preface(settings...).take()}); err != nil {
		t.Fatal(err)
	}
	c.Consumed(len(c.Outbound()))
	return c
}

// get opens a GET stream.
func get(t testing.TB, c *ClientConn, path string) uint32 {
	t.Helper()
	id, err := c.OpenStream(&Request{Method: "GET", Scheme: "https", Authority: "example.com", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// dataPrefix returns "data N " if entry is a data entry, or "".
func dataPrefix(entry string) string {
	var id uint32
	if _, err := fmt.Sscanf(entry, "data %d ", &id); err != nil || !strings.HasPrefix(entry, "data ") {
		return ""
	}
	return fmt.Sprintf("data %d ", id)
}

// joinData joins the data of two data entries as logEvents writes them.
func joinData(prefix, a, b string) string {
	n := func(s string) (int, string) {
		var k int
		if _, err := fmt.Sscanf(s, "#%d", &k); err == nil {
			return k, ""
		}
		u, _ := strconv.Unquote(s)
		return len(u), u
	}
	na, sa := n(a)
	nb, sb := n(b)
	if na+nb > 64 {
		return prefix + fmt.Sprintf("#%d", na+nb)
	}
	return prefix + strconv.Quote(sa+sb)
}
