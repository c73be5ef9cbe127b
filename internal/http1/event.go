package http1

import "strconv"

// Event is what one call of [Parser.Next] reports.
type Event int

const (
	// EventNeedMore means all input was consumed and there is nothing to
	// report: feed more bytes, or call [Parser.EOF] if the peer closed.
	EventNeedMore Event = iota

	// EventHeaderLine means [Parser.Line] holds one raw header line with
	// its line ending: a status line, a field line (an obs-fold
	// continuation too), or the empty line that ends a block. It is
	// reported for every block, interim 1xx and final, and for each trailer
	// line and the empty line that ends a chunked body ([Parser.InTrailer]
	// then reports true).
	EventHeaderLine

	// EventResponse means the header section of the final (non-1xx)
	// response is complete: Status, Proto, ContentLength, Chunked and
	// [Parser.Fields] are set.
	EventResponse

	// EventBody means [Parser.Body] holds body bytes, a sub-slice of the
	// input, with any chunked framing removed.
	EventBody

	// EventDone means the response is complete. [Parser.KeepAlive] tells
	// whether the connection can carry another request.
	EventDone
)

var eventNames = [...]string{"NeedMore", "HeaderLine", "Response", "Body", "Done"}

// String returns the event's name, such as "Body".
func (e Event) String() string {
	if e >= 0 && int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "Event(" + strconv.Itoa(int(e)) + ")"
}
