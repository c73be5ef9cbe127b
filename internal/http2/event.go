package http2

import "strconv"

// EventKind says what an [Event] reports.
type EventKind uint8

const (
	// EventNeedMore means all input was consumed and there is nothing to
	// report: feed more bytes.
	EventNeedMore EventKind = iota

	// EventHeaders means a response header block arrived on Stream: Status
	// and Fields are set. A Status from 100 to 199 is an interim response
	// (such as 103 Early Hints); more header blocks follow.
	EventHeaders

	// EventData means Data holds response body bytes of Stream. The caller
	// reports them with [ClientConn.DataConsumed] once the application took
	// them, which lets the server send more.
	EventData

	// EventTrailers means the trailer section of Stream arrived: Fields is
	// set. EventEndStream follows.
	EventTrailers

	// EventEndStream means the response on Stream is complete. The stream
	// stays open for sending if the request body was not ended yet.
	EventEndStream

	// EventReset means Stream ended abnormally: Code is the error code, Err
	// a [*StreamError] that says who reset it and why. No event for Stream
	// follows. After EventEndStream it means the server asks that the
	// request body stop (usually with CodeNo); the response stands.
	EventReset

	// EventGoAway means the server sent GOAWAY: LastStreamID, Code and, in
	// Data, the debug data. The connection takes no new streams. Streams
	// above LastStreamID were reported with EventReset just before.
	EventGoAway

	// EventSettings means the server's SETTINGS changed; read them with
	// [ClientConn.PeerSettings]. A stream may be able to open, or a body
	// to send more, than before.
	EventSettings

	// EventWindowUpdate means a send window grew after a write was held
	// back by it: the window of Stream, or of the connection when Stream
	// is 0 (every stream with body to send may then send more).
	EventWindowUpdate
)

var eventNames = [...]string{"NeedMore", "Headers", "Data", "Trailers", "EndStream", "Reset", "GoAway", "Settings", "WindowUpdate"}

// String returns the kind's name, such as "Data".
func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is what one call of [ClientConn.Next] reports. Only the fields that
// its Kind names are set.
//
// Fields is a slice that the ClientConn reuses: it stays valid until the
// next call of Next. Data of an EventData is a sub-slice of the input passed
// to that call of Next, never a copy: it stays valid for as long as the
// caller leaves those bytes of its buffer alone. Data of an EventGoAway
// stays valid until the next call of Next.
type Event struct {
	Kind         EventKind
	Stream       uint32
	Status       int     // EventHeaders: the :status
	Fields       []Field // EventHeaders, EventTrailers: regular fields in the order received
	Data         []byte  // EventData: body bytes; EventGoAway: debug data
	Code         ErrCode // EventReset, EventGoAway
	Err          error   // EventReset: a *StreamError
	LastStreamID uint32  // EventGoAway
}

// Field is one header field. Names are lowercase, as HTTP/2 requires.
type Field struct {
	Name, Value string
}

// AppendStatusLine appends "HTTP/2 " and the three digits of status and
// CRLF to dst, the status line that libcurl shows for an HTTP/2 response.
func AppendStatusLine(dst []byte, status int) []byte {
	dst = append(dst, "HTTP/2 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	return append(dst, "\r\n"...)
}

// AppendFieldLine appends "name: value" and CRLF to dst.
func AppendFieldLine(dst []byte, f Field) []byte {
	dst = append(dst, f.Name...)
	dst = append(dst, ": "...)
	dst = append(dst, f.Value...)
	return append(dst, "\r\n"...)
}
