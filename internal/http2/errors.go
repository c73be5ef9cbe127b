package http2

import (
	"errors"
	"strconv"
)

// ErrCode is an HTTP/2 error code (RFC 9113 section 7), as carried by
// RST_STREAM and GOAWAY frames.
type ErrCode uint32

// The error codes of RFC 9113 section 7.
const (
	CodeNo                 ErrCode = 0x0
	CodeProtocol           ErrCode = 0x1
	CodeInternal           ErrCode = 0x2
	CodeFlowControl        ErrCode = 0x3
	CodeSettingsTimeout    ErrCode = 0x4
	CodeStreamClosed       ErrCode = 0x5
	CodeFrameSize          ErrCode = 0x6
	CodeRefusedStream      ErrCode = 0x7
	CodeCancel             ErrCode = 0x8
	CodeCompression        ErrCode = 0x9
	CodeConnect            ErrCode = 0xa
	CodeEnhanceYourCalm    ErrCode = 0xb
	CodeInadequateSecurity ErrCode = 0xc
	CodeHTTP11Required     ErrCode = 0xd
)

var codeNames = [...]string{
	"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
	"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM",
	"CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
	"INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
}

// String returns the code's name as RFC 9113 spells it, such as
// "REFUSED_STREAM", or "unknown error code 0x1f".
func (c ErrCode) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "unknown error code 0x" + strconv.FormatUint(uint64(c), 16)
}

// Errors of this package. Returned errors wrap one of these values, or are a
// [*ConnError] or [*StreamError] whose cause is one of them; match them with
// [errors.Is].
var (
	// ErrConnection matches every [*ConnError]: the connection cannot be
	// used any more.
	ErrConnection = errors.New("http2: connection error")

	// ErrStream matches every [*StreamError]: one stream ended abnormally,
	// the connection goes on.
	ErrStream = errors.New("http2: stream error")

	// ErrBadPreface means the server's first frame was not SETTINGS.
	ErrBadPreface = errors.New("http2: server preface is not a SETTINGS frame")

	// ErrProtocol means the server broke a rule of RFC 9113 that ends the
	// connection: a frame on a stream it may not use, a malformed control
	// frame, a CONTINUATION out of place.
	ErrProtocol = errors.New("http2: protocol violation")

	// ErrFrameSize means a frame was longer than the SETTINGS_MAX_FRAME_SIZE
	// this client advertised, or a frame had a length its type forbids.
	ErrFrameSize = errors.New("http2: bad frame size")

	// ErrFlowControl means the server sent more DATA than a window allowed,
	// or made a window exceed 2^31-1.
	ErrFlowControl = errors.New("http2: flow-control violation")

	// ErrHeaderTooLarge means a header block exceeded [MaxHeaderBlockBytes]
	// of encoded bytes, [MaxHeaderListSize] of decoded size or
	// [MaxHeaderFields] fields.
	ErrHeaderTooLarge = errors.New("http2: response header block too large")

	// ErrCompression means a header block could not be decoded with HPACK.
	ErrCompression = errors.New("http2: HPACK decoding failed")

	// ErrPushPromise means the server sent PUSH_PROMISE although this client
	// disabled push.
	ErrPushPromise = errors.New("http2: PUSH_PROMISE received with push disabled")

	// ErrFlood means the server sent too many frames that carry no response
	// data (PING, SETTINGS, empty DATA, frames on closed streams...), or
	// kept sending while not reading the replies they required.
	ErrFlood = errors.New("http2: too many control frames")

	// ErrGoAway means the server sent GOAWAY: the connection takes no new
	// streams. As the cause of a [*ConnError] it means the connection
	// closed after a GOAWAY with streams still open.
	ErrGoAway = errors.New("http2: connection going away")

	// ErrClosed means the connection was closed: by [ClientConn.Close], or
	// by the peer while streams were open or a frame was incomplete.
	ErrClosed = errors.New("http2: connection closed")

	// ErrMalformedResponse means a response broke RFC 9113 section 8.1.1:
	// missing or invalid :status, an invalid or uppercase field name,
	// connection-specific fields, pseudo-header fields out of place, a
	// Content-Length that disagrees with the DATA received, DATA before
	// the response header.
	ErrMalformedResponse = errors.New("http2: malformed response")

	// ErrStreamReset means the server reset the stream with RST_STREAM.
	ErrStreamReset = errors.New("http2: stream reset by server")

	// ErrStreamClosed means a frame arrived on a stream after the server
	// had ended it, or the caller used a stream that is closed.
	ErrStreamClosed = errors.New("http2: stream closed")

	// ErrNotProcessed means the stream was above the last stream id of the
	// server's GOAWAY: the server did not process it, and the request may
	// be sent again on another connection.
	ErrNotProcessed = errors.New("http2: stream not processed by the server")

	// ErrNoStream means [ClientConn.OpenStream] found the connection unable
	// to take another stream now; [ClientConn.CanOpenStream] tells ahead.
	ErrNoStream = errors.New("http2: connection cannot open another stream")

	// ErrInvalidRequest means a request could not be written: a field name
	// or value that HTTP/2 cannot carry, a missing pseudo-header value, or
	// a header block beyond the server's SETTINGS_MAX_HEADER_LIST_SIZE.
	ErrInvalidRequest = errors.New("http2: invalid request")
)

// ConnError is a connection error: the connection is unusable. When this
// client detected it, a GOAWAY with Code is waiting in
// [ClientConn.Outbound]; when Remote is set, it reports the server's GOAWAY
// followed by the close of the connection.
type ConnError struct {
	Code   ErrCode
	Remote bool   // the server ended the connection
	Reason string // detail for people
	Err    error  // the cause: ErrProtocol, ErrFlowControl, ...
}

// Error returns "http2: connection error: CODE: reason".
func (e *ConnError) Error() string {
	s := "http2: connection error: " + e.Code.String()
	if e.Remote {
		s += " from server"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap returns ErrConnection and the cause.
func (e *ConnError) Unwrap() []error { return []error{ErrConnection, e.Err} }

// StreamError is a stream error: one stream ended abnormally and the
// connection goes on. It is carried by [EventReset].
type StreamError struct {
	Stream uint32
	Code   ErrCode
	// Remote means the server reset the stream (RST_STREAM), or left it
	// unprocessed (GOAWAY); otherwise this client reset it after Err.
	Remote bool
	Err    error // the cause: ErrStreamReset, ErrNotProcessed, ErrMalformedResponse, ...
	Reason string
}

// Error returns "http2: stream N: CODE: reason".
func (e *StreamError) Error() string {
	s := "http2: stream " + strconv.FormatUint(uint64(e.Stream), 10) + ": "
	if e.Err == ErrNotProcessed {
		s += "not processed"
	} else {
		s += e.Code.String()
		if e.Remote {
			s += " from server"
		}
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap returns ErrStream and the cause.
func (e *StreamError) Unwrap() []error { return []error{ErrStream, e.Err} }

// Retryable reports whether the server certainly did not process the
// request, so that it may be sent again on another connection: the stream
// was above a GOAWAY's last stream id, or reset with REFUSED_STREAM.
// HTTP_1_1_REQUIRED is not included: such a request is sent again over
// HTTP/1.1, which the caller checks with Code.
func (e *StreamError) Retryable() bool {
	return e.Remote && (e.Err == ErrNotProcessed || e.Code == CodeRefusedStream)
}
