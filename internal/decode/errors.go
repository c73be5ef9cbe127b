package decode

import (
	"errors"
	"fmt"
)

// ErrUnknownCoding is matched by the error [Parse] returns for a content
// coding it does not know.
var ErrUnknownCoding = errors.New("decode: unknown content coding")

// ErrTooManyCodings is returned by [Parse] when a body carries more than
// [MaxCodings] codings.
var ErrTooManyCodings = fmt.Errorf("decode: more than %d content codings", MaxCodings)

// ErrCorrupt is matched by every error that says the coded body is not a
// valid stream of its codings: bad data, a failed checksum, a stream that ends
// early ([ErrTruncated]), bytes after its end ([ErrTrailingData]), or a zstd
// frame that needs a window larger than 8 MiB. The error also wraps the
// decoder library's own error when there is one.
var ErrCorrupt = errors.New("decode: corrupt content")

// ErrTruncated is matched by the error of a coded body that ends (FeedEOF)
// before its stream is complete. errors.Is(err, ErrCorrupt) holds too.
var ErrTruncated = fmt.Errorf("%w: stream ends early", ErrCorrupt)

// ErrTrailingData is matched by the error of a coded body that goes on after
// its stream ended. Concatenated gzip members and zstd frames are one
// stream; anything else after the end, padding included, is refused, as curl
// does. errors.Is(err, ErrCorrupt) holds too.
var ErrTrailingData = fmt.Errorf("%w: data after the end of the stream", ErrCorrupt)

// ErrClosed is returned by [Decoder.Output] after [Decoder.Close].
var ErrClosed = errors.New("decode: decoder closed")

// errAborted is the error of a decoder whose coroutine was unwound by a
// panic.
var errAborted = errors.New("decode: aborted by a panic")

// errNoProgress ends a decoder whose library returns nothing, again and
// again, without asking for input.
var errNoProgress = errors.New("decode: the decoder makes no progress")

// codingError is a failure of one coding's decoder.
type codingError struct {
	coding Coding
	kind   error // ErrCorrupt, ErrTruncated or ErrTrailingData
	cause  error // the library's error, or nil
}

func (e *codingError) Error() string {
	msg := e.kind.Error()
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return "decode: " + e.coding.String() + ": " + msg[len("decode: "):]
}

func (e *codingError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// errStopped is what the source returns to the decoder libraries while the
// coroutine is being stopped by Close.
var errStopped = errors.New("decode: stopped")
