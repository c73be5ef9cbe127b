package http1

import "errors"

// Errors reported by the parser and the request writer. Returned errors wrap
// one of these values with detail; match them with [errors.Is].
var (
	// ErrWeirdReply means the bytes received are not an HTTP/1.x response
	// this client accepts: a bad status line, a malformed field line, an
	// unrequested 101, or an unusable Transfer-Encoding.
	ErrWeirdReply = errors.New("http1: weird server reply")

	// ErrHeaderTooLarge means a header block or the trailer section exceeded
	// its limit, or too many interim responses arrived.
	ErrHeaderTooLarge = errors.New("http1: response header too large")

	// ErrBadChunk means the chunked framing of the body is malformed.
	ErrBadChunk = errors.New("http1: malformed chunked encoding")

	// ErrBadContentLength means a Content-Length field is invalid, or
	// several of them disagree.
	ErrBadContentLength = errors.New("http1: invalid Content-Length")

	// ErrNoResponse means the connection closed before a single byte of the
	// response arrived.
	ErrNoResponse = errors.New("http1: connection closed before any response")

	// ErrTruncatedHeader means the connection closed inside the header
	// section.
	ErrTruncatedHeader = errors.New("http1: connection closed inside the response header")

	// ErrUnexpectedEOF means the connection closed before the end of a body
	// whose length was known from Content-Length or chunked framing.
	ErrUnexpectedEOF = errors.New("http1: connection closed before the end of the body")

	// ErrInvalidRequest means a request head could not be written because
	// one of its parts would not be a valid, unambiguous HTTP/1.1 message.
	ErrInvalidRequest = errors.New("http1: invalid request")
)
