package http1

import (
	"bytes"
	"fmt"
	"net/http"
)

// Limits the parser enforces.
const (
	// MaxHeaderBytes bounds each header block, status line and line
	// endings included.
	MaxHeaderBytes = 100 << 10

	// MaxTrailerBytes bounds the trailer section after a chunked body.
	MaxTrailerBytes = 100 << 10

	// MaxChunkLineBytes bounds a chunk-size line, extensions and CRLF
	// included.
	MaxChunkLineBytes = 4 << 10

	// MaxInterimResponses bounds the number of 1xx responses that may
	// precede the final response.
	MaxInterimResponses = 100

	// maxChunkExcess bounds the bytes of chunk-size lines and extensions
	// beyond an allowance of 16 bytes plus twice the data of each chunk.
	maxChunkExcess = 16 << 10
)

// state is where the parser is in the response. The states follow one
// another in the order listed, except that stStatus comes back after each
// interim response, and a body state is chosen by frame.
type state uint8

const (
	stStatus     state = iota // expecting a status line
	stField                   // expecting a field line or the end of the block
	stResponse                // header complete, EventResponse not yet reported
	stBodyLength              // Content-Length body, remaining bytes to go
	stBodyClose               // body delimited by the close of the connection
	stChunkSize               // expecting a chunk-size line
	stChunkData               // inside chunk data, remaining bytes to go
	stChunkEnd                // expecting the CRLF after chunk data
	stTrailer                 // expecting a trailer line or the final empty line
	stDoneBody                // response complete, EventDone not yet reported
	stDone                    // EventDone reported
)

// evContinue is reported by a step that consumed input without an event to
// report; Next then runs the next step.
const evContinue Event = -1

// A Parser reads one HTTP/1.x response at a time from bytes that the caller
// feeds it. The zero value, after [Parser.Reset], is ready to use; a Parser
// may be reset and reused for each response on a connection, and then keeps
// its line buffer. A Parser must not be copied while it reads a response.
//
// Invariant: body bytes are never copied; the line buffer holds at most one
// line, and only while that line spans two calls of Next; a recording
// buffer is held only while a field section is read.
type Parser struct {
	// Status is the status code of the block being read: of each interim
	// 1xx response while its lines are reported, then of the final
	// response.
	Status int

	// Proto is "HTTP/1.0" or "HTTP/1.1" (an HTTP/1.x response with a
	// minor version above 1 is read as HTTP/1.1). Set like Status.
	Proto string

	// ContentLength is set at EventResponse: the body length from
	// Content-Length; 0 for 204 and 304 responses; for a HEAD request the
	// advertised length; -1 when unknown (chunked, delimited by the close,
	// or not advertised).
	ContentLength int64

	// Chunked reports, at EventResponse, that the body is read as chunked.
	Chunked bool

	state     state
	next      state // the body state that follows stResponse
	head      bool  // the request was HEAD
	connect   bool  // the request was CONNECT
	started   bool
	keepAlive bool
	inTrailer bool
	interimAt int16 // the status of the interim response the last line ended; 0: none
	err       error // sticky

	buf []byte // a line that spans calls of Next
	out []byte // what Line or Body returns (outLine tells which)

	// Counters are int32: each is bounded by a limit far below 2^31.
	blockBytes int32 // bytes of the current header block or trailer section
	interim    int32 // interim responses skipped
	lastValue  int32 // offset in *rec of the last field's value, for obs-fold
	crlf       uint8 // bytes of the CRLF after chunk data seen so far
	bufLine    bool  // line is buf: empty buf before reading the next line
	outLine    bool  // out is a line, not body bytes

	rec     *[]byte // the field section being read, from fieldBufs; nil when none
	hdr     []byte  // the final response's fields, in the encoding of Fields
	trailer Fields

	remaining int64 // bytes left in a Content-Length body or a chunk
	excess    int64 // chunk overhead beyond the allowance
}

// Reset prepares p for the response to a request with the given method.
// Responses to HEAD have no body, nor do 2xx responses to CONNECT: the bytes
// after such a response's header belong to the tunnel, and KeepAlive then
// only says that the server did not ask to close. Reset keeps the memory of
// p's line buffer and of its header fields, so a reused Parser does not
// allocate for them. What [Parser.Fields] and [Parser.TrailerFields] returned
// stays valid.
func (p *Parser) Reset(method string) {
	buf, hdr := p.buf[:0], p.hdr[:0]
	if cap(buf) > 4<<10 {
		buf = nil // do not keep a large buffer on an idle connection
	}
	if cap(hdr) > 4<<10 {
		hdr = nil
	}
	p.release()
	*p = Parser{
		ContentLength: -1,
		head:          method == "HEAD",
		connect:       method == "CONNECT",
		buf:           buf,
		hdr:           hdr,
	}
}

// Next consumes a prefix of in and reports one event; n is the number of
// bytes consumed. The caller advances in by n and calls Next again with the
// rest, even when the rest is empty, until Next reports [EventNeedMore] (all
// of in is then consumed) or [EventDone]. After EventDone the bytes left in
// in are not part of this response.
//
// Line and Body stay valid until the next call of Next. After EventDone,
// Next keeps reporting EventDone and consumes nothing. After an error, every
// further call returns the same error (ev is then meaningless).
func (p *Parser) Next(in []byte) (n int, ev Event, err error) {
	if p.err != nil {
		return 0, EventNeedMore, p.err
	}
	p.out = nil
	for {
		m, ev, err := p.step(in[n:])
		n += m
		if n > 0 {
			p.started = true
		}
		if err != nil {
			p.err = err
			p.release()
			return n, EventNeedMore, err
		}
		if ev != evContinue {
			return n, ev, nil
		}
	}
}

// step runs one step of the state machine on in.
func (p *Parser) step(in []byte) (int, Event, error) {
	switch p.state {
	case stStatus, stField, stTrailer, stChunkSize:
		return p.stepLine(in)
	case stResponse:
		p.state = p.next
		return 0, EventResponse, nil
	case stBodyLength, stChunkData:
		if len(in) == 0 {
			return 0, EventNeedMore, nil
		}
		n := len(in)
		if int64(n) > p.remaining {
			n = int(p.remaining)
		}
		p.remaining -= int64(n)
		if p.remaining == 0 {
			if p.state == stChunkData {
				p.state = stChunkEnd
			} else {
				p.state = stDoneBody
			}
		}
		p.out, p.outLine = in[:n], false
		return n, EventBody, nil
	case stBodyClose:
		if len(in) == 0 {
			return 0, EventNeedMore, nil
		}
		p.out, p.outLine = in, false
		return len(in), EventBody, nil
	case stChunkEnd:
		return p.stepChunkEnd(in)
	case stDoneBody:
		p.state = stDone
		return 0, EventDone, nil
	}
	return 0, EventDone, nil // stDone
}

// stepLine reads one line, from in or completing the buffered part, and
// hands it to handleLine. A line without its LF yet is buffered.
func (p *Parser) stepLine(in []byte) (int, Event, error) {
	if p.bufLine {
		p.buf = p.buf[:0]
		p.bufLine = false
	}
	limit := p.lineLimit()
	i := bytes.IndexByte(in, '\n')
	if i < 0 {
		if len(p.buf)+len(in) > limit {
			return len(in), 0, p.tooLarge()
		}
		p.buf = append(p.buf, in...)
		if p.state == stStatus && !statusPrefixOK(p.buf) {
			return len(in), 0, fmt.Errorf("http1: response does not start with a status line: %w", ErrWeirdReply)
		}
		return len(in), EventNeedMore, nil
	}
	n := i + 1
	line := in[:n]
	if len(p.buf)+n > limit {
		return n, 0, p.tooLarge()
	}
	if len(p.buf) > 0 {
		p.buf = append(p.buf, line...)
		line = p.buf
		p.bufLine = true
	}
	ev, err := p.handleLine(line)
	return n, ev, err
}

// lineLimit is how many more bytes the line being read may take.
func (p *Parser) lineLimit() int {
	switch p.state {
	case stChunkSize:
		return MaxChunkLineBytes
	case stTrailer:
		return MaxTrailerBytes - int(p.blockBytes)
	}
	return MaxHeaderBytes - int(p.blockBytes)
}

func (p *Parser) tooLarge() error {
	switch p.state {
	case stChunkSize:
		return fmt.Errorf("http1: chunk-size line longer than %d bytes: %w", MaxChunkLineBytes, ErrBadChunk)
	case stTrailer:
		return fmt.Errorf("http1: trailer section larger than %d bytes: %w", MaxTrailerBytes, ErrHeaderTooLarge)
	}
	return fmt.Errorf("http1: header section larger than %d bytes: %w", MaxHeaderBytes, ErrHeaderTooLarge)
}

// handleLine processes one complete line, LF included.
func (p *Parser) handleLine(line []byte) (Event, error) {
	content := line[:len(line)-1]
	crlf := len(content) > 0 && content[len(content)-1] == '\r'
	if crlf {
		content = content[:len(content)-1]
	}
	if p.state == stChunkSize {
		return p.chunkSizeLine(line, content, crlf)
	}
	if bytes.IndexByte(content, '\r') >= 0 {
		return 0, fmt.Errorf("http1: CR not followed by LF in header line: %w", ErrWeirdReply)
	}
	p.blockBytes += int32(len(line))
	p.out, p.outLine = line, true
	p.inTrailer = p.state == stTrailer
	p.interimAt = 0
	switch p.state {
	case stStatus:
		return p.statusLine(content)
	case stField:
		if len(content) == 0 {
			return p.endBlock()
		}
		return EventHeaderLine, p.fieldLine(content)
	}
	// stTrailer
	if len(content) == 0 {
		p.trailer = Fields{raw: string(p.recorded())}
		p.release()
		p.state = stDoneBody
		return EventHeaderLine, nil
	}
	return EventHeaderLine, p.fieldLine(content)
}

// statusLine starts a header block.
func (p *Parser) statusLine(content []byte) (Event, error) {
	status, proto, err := parseStatusLine(content)
	if err != nil {
		return 0, err
	}
	if status == http.StatusSwitchingProtocols {
		return 0, fmt.Errorf("http1: unrequested 101 Switching Protocols: %w", ErrWeirdReply)
	}
	p.Status, p.Proto = status, proto
	p.state = stField
	return EventHeaderLine, nil
}

// fieldLine records a field line, or an obs-fold continuation, in the
// field section being read.
func (p *Parser) fieldLine(content []byte) error {
	if isOWS(content[0]) {
		if len(p.recorded()) == 0 {
			return fmt.Errorf("http1: whitespace before the first field line: %w", ErrWeirdReply)
		}
		buf, err := recordFold(*p.rec, int(p.lastValue), content)
		*p.rec = buf
		return err
	}
	rec := p.recording()
	buf, valueAt, err := recordField(*rec, content)
	*rec, p.lastValue = buf, int32(valueAt)
	return err
}

// endBlock handles the empty line that ends a header block.
func (p *Parser) endBlock() (Event, error) {
	if p.Status < 200 {
		p.interim++
		if p.interim > MaxInterimResponses {
			return 0, fmt.Errorf("http1: more than %d interim responses: %w", MaxInterimResponses, ErrHeaderTooLarge)
		}
		if p.rec != nil {
			*p.rec = (*p.rec)[:0] // the fields of interim responses are not kept
		}
		p.blockBytes = 0
		p.state = stStatus
		p.interimAt = int16(p.Status)
		return EventHeaderLine, nil
	}
	if err := p.frame(p.recorded()); err != nil {
		return 0, err
	}
	p.release()
	p.state = stResponse
	return EventHeaderLine, nil
}

// EOF tells p that the peer closed the connection. It reports EventDone if
// the response is complete or its body is delimited by the close (the
// connection is then not reusable). Otherwise it returns ErrNoResponse if not
// a byte of the response arrived, ErrTruncatedHeader if the header section
// was incomplete, or ErrUnexpectedEOF if the body was cut short.
// Call EOF after Next reported EventNeedMore.
func (p *Parser) EOF() (Event, error) {
	if p.err != nil {
		return EventNeedMore, p.err
	}
	st := p.state
	if st == stResponse {
		st = p.next
	}
	var err error
	switch st {
	case stBodyClose, stDoneBody, stDone:
		p.state = stDone
		p.keepAlive = false
		return EventDone, nil
	case stStatus:
		if !p.started {
			err = ErrNoResponse
		} else {
			err = fmt.Errorf("http1: closed before the end of the status line: %w", ErrTruncatedHeader)
		}
	case stField:
		err = fmt.Errorf("http1: closed inside the header section: %w", ErrTruncatedHeader)
	case stBodyLength:
		err = fmt.Errorf("http1: closed with %d body bytes missing: %w", p.remaining, ErrUnexpectedEOF)
	case stTrailer:
		err = fmt.Errorf("http1: closed inside the trailer section: %w", ErrUnexpectedEOF)
	default:
		err = fmt.Errorf("http1: closed inside the chunked body: %w", ErrUnexpectedEOF)
	}
	p.err = err
	p.release()
	return EventNeedMore, err
}

// Fields returns the header fields of the final response, set at
// EventResponse; the zero Fields before. When the body is read as chunked,
// Content-Length fields are left out, and repeated equal Content-Length
// values are given as one, as net/http does. The result is a copy, made by
// this call (the Parser keeps the fields in memory it reuses), so it stays
// valid after Reset; [Parser.Get] reads one field without the copy.
func (p *Parser) Fields() Fields { return Fields{raw: string(p.hdr)} }

// Get returns the first value of the final response's field named name,
// compared without regard to case, or "" if there is none (or before
// EventResponse). Only the value returned is allocated.
func (p *Parser) Get(name string) string { return string(getField(p.hdr, name)) }

// Values returns the values of the final response's fields named name,
// compared without regard to case, in the order received; nil if there are
// none (or before EventResponse). The values are copies.
func (p *Parser) Values(name string) []string {
	var vs []string
	for rest := p.hdr; len(rest) > 0; {
		var n, v []byte
		n, v, rest = cutField(rest)
		if equalFold(n, name) {
			vs = append(vs, string(v))
		}
	}
	return vs
}

// TrailerFields returns the trailer fields after a chunked body, complete at
// EventDone; the zero Fields when there were none. Like [Parser.Fields] it
// stays valid after Reset.
func (p *Parser) TrailerFields() Fields { return p.trailer }

// Line returns the raw line reported by the last EventHeaderLine, line
// ending included. It is valid until the next call of Next.
func (p *Parser) Line() []byte {
	if !p.outLine {
		return nil
	}
	return p.out
}

// Body returns the body bytes reported by the last EventBody, a sub-slice of
// the input given to Next. It is valid until the next call of Next.
func (p *Parser) Body() []byte {
	if p.outLine {
		return nil
	}
	return p.out
}

// InTrailer reports whether the last EventHeaderLine was a trailer line, or
// the empty line that ends a chunked body.
func (p *Parser) InTrailer() bool { return p.inTrailer }

// Interim returns the status of the interim 1xx response that the last
// EventHeaderLine ended (that line was its empty line), or 0: a caller
// waiting for 100 Continue knows at that line that it came whole.
func (p *Parser) Interim() int { return int(p.interimAt) }

// KeepAlive reports, after EventDone, whether the connection can carry
// another request. It is false before EventDone.
func (p *Parser) KeepAlive() bool { return p.state == stDone && p.keepAlive }

// Started reports whether at least one byte of the response was consumed.
func (p *Parser) Started() bool { return p.started }
