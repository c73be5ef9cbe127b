package h2fault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Behavior is what the server does on one connection, after [Peer.Handshake]
// or instead of it. Its error is recorded; the connection is then closed.
type Behavior func(p *Peer) error

// FrameInfo describes one frame the server received.
type FrameInfo struct {
	Type   http2.FrameType
	Flags  http2.Flags
	Stream uint32
	Length uint32
}

// Record is what a Server received, over all its connections.
type Record struct {
	Frames      []FrameInfo
	Settings    []http2.Setting // the client's SETTINGS values, in order
	MaxInFlight int             // most client streams open at once on one connection
	RSTCodes    []http2.ErrCode // codes of the client's RST_STREAM frames
	Errors      []error         // what the behaviors returned, other than nil and EOF
}

// Server is a misbehaving HTTP/2 server on 127.0.0.1.
type Server struct {
	// Addr is the server's address, "127.0.0.1:port".
	Addr string

	l    net.Listener
	b    Behavior
	wg   sync.WaitGroup
	mu   sync.Mutex
	rec  Record
	conn map[net.Conn]struct{}
}

// New starts a server that runs b on each connection it accepts.
func New(b Behavior) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("h2fault: %w", err)
	}
	s := &Server{Addr: l.Addr().String(), l: l, b: b, conn: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.l.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conn[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	p := newPeer(s, c)
	err := s.b(p)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		s.mu.Lock()
		s.rec.Errors = append(s.rec.Errors, err)
		s.mu.Unlock()
	}
	c.Close()
	s.mu.Lock()
	delete(s.conn, c)
	s.mu.Unlock()
}

// Close stops the server, closes its connections and waits until every
// goroutine it started has returned.
func (s *Server) Close() error {
	err := s.l.Close()
	s.mu.Lock()
	for c := range s.conn {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// Record returns a copy of what the server received so far.
func (s *Server) Record() Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rec
	r.Frames = append([]FrameInfo(nil), r.Frames...)
	r.Settings = append([]http2.Setting(nil), r.Settings...)
	r.RSTCodes = append([]http2.ErrCode(nil), r.RSTCodes...)
	r.Errors = append([]error(nil), r.Errors...)
	return r
}

// Peer is the server's side of one connection.
type Peer struct {
	// Framer reads and writes the connection's frames. Reading through
	// Peer.ReadFrame records the frame; HEADERS arrive merged with their
	// CONTINUATION frames as *http2.MetaHeadersFrame.
	Framer *http2.Framer

	conn   net.Conn
	srv    *Server
	encBuf bytes.Buffer
	enc    *hpack.Encoder
	open   map[uint32]bool
}

func newPeer(s *Server, c net.Conn) *Peer {
	p := &Peer{conn: c, srv: s, open: map[uint32]bool{}}
	p.Framer = http2.NewFramer(c, c)
	p.Framer.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	p.Framer.MaxHeaderListSize = 1 << 20
	p.Framer.AllowIllegalWrites = true
	p.enc = hpack.NewEncoder(&p.encBuf)
	return p
}

// Handshake reads the client preface and writes the server's SETTINGS with
// settings.
func (p *Peer) Handshake(settings ...http2.Setting) error {
	buf := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(p.conn, buf); err != nil {
		return err
	}
	if string(buf) != http2.ClientPreface {
		return fmt.Errorf("h2fault: bad client preface %q", buf)
	}
	return p.Framer.WriteSettings(settings...)
}

// ReadFrame reads the next frame and records it. It acknowledges SETTINGS
// and answers PING, as any server does.
func (p *Peer) ReadFrame() (http2.Frame, error) {
	f, err := p.Framer.ReadFrame()
	if err != nil {
		return nil, err
	}
	h := f.Header()
	s := p.srv
	s.mu.Lock()
	s.rec.Frames = append(s.rec.Frames, FrameInfo{h.Type, h.Flags, h.StreamID, h.Length})
	switch f := f.(type) {
	case *http2.SettingsFrame:
		f.ForeachSetting(func(st http2.Setting) error {
			s.rec.Settings = append(s.rec.Settings, st)
			return nil
		})
	case *http2.MetaHeadersFrame:
		p.open[h.StreamID] = true
		s.rec.MaxInFlight = max(s.rec.MaxInFlight, len(p.open))
	case *http2.RSTStreamFrame:
		delete(p.open, h.StreamID)
		s.rec.RSTCodes = append(s.rec.RSTCodes, f.ErrCode)
	}
	s.mu.Unlock()
	switch f := f.(type) {
	case *http2.SettingsFrame:
		if !f.IsAck() {
			err = p.Framer.WriteSettingsAck()
		}
	case *http2.PingFrame:
		if !f.IsAck() {
			err = p.Framer.WritePing(true, f.Data)
		}
	}
	return f, err
}

// Request is a request the server read.
type Request struct {
	Stream    uint32
	Fields    []hpack.HeaderField
	EndStream bool // no body follows
}

// NextRequest reads frames until a request header arrives.
func (p *Peer) NextRequest() (Request, error) {
	for {
		f, err := p.ReadFrame()
		if err != nil {
			return Request{}, err
		}
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			return Request{h.StreamID, h.Fields, h.StreamEnded()}, nil
		}
	}
}

// Block encodes name/value pairs into a header block; it stays valid until
// the next call.
func (p *Peer) Block(kv ...string) []byte {
	p.encBuf.Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		p.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return p.encBuf.Bytes()
}

// Headers writes a whole header block of name/value pairs on stream id.
func (p *Peer) Headers(id uint32, end bool, kv ...string) error {
	if end {
		p.closeStream(id)
	}
	return p.Framer.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: p.Block(kv...), EndStream: end, EndHeaders: true})
}

// Data writes b as DATA frames of at most 16 KiB on stream id.
func (p *Peer) Data(id uint32, end bool, b []byte) error {
	for first := true; first || len(b) > 0; first = false {
		n := min(len(b), 16<<10)
		if err := p.Framer.WriteData(id, end && n == len(b), b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	if end {
		p.closeStream(id)
	}
	return nil
}

// Reset writes RST_STREAM with code.
func (p *Peer) Reset(id uint32, code http2.ErrCode) error {
	p.closeStream(id)
	return p.Framer.WriteRSTStream(id, code)
}

func (p *Peer) closeStream(id uint32) {
	p.srv.mu.Lock()
	delete(p.open, id)
	p.srv.mu.Unlock()
}

// Drain reads and records frames until the connection ends.
func (p *Peer) Drain() error {
	for {
		if _, err := p.ReadFrame(); err != nil {
			return err
		}
	}
}
