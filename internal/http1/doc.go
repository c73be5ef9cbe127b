// Package http1 is a sans-IO HTTP/1.1 client core: it writes request heads
// into byte slices and turns the bytes of a response into a sequence of
// events. It holds no sockets, starts no goroutines and never blocks; the
// caller moves bytes between the connection and this package.
//
// A request head is produced with [AppendRequestHead], and a request body of
// unknown size is framed with [AppendChunk] and [AppendLastChunk].
//
// A response is read with a [Parser]. After [Parser.Reset], the caller feeds
// whatever bytes arrived to [Parser.Next], advances its input by the number of
// bytes consumed, and calls Next again until it reports [EventNeedMore] with
// the input used up, or [EventDone]. When the peer closes the connection the
// caller calls [Parser.EOF], which ends a body delimited by the close or
// reports that the response was cut short.
//
// The parser builds no map of the fields. It records the field section of
// the final response, and the trailer section, in one compact string each,
// made once the section is complete and of exactly its size; until then the
// fields are gathered in a buffer that the Parser holds only while it reads
// a section. [Parser.Fields] and [Parser.TrailerFields] hand them out as
// [Fields], which stay valid after the Parser is reset: [Fields.Get] reads
// one field without allocating, and [Fields.Header] makes an [net/http.Header]
// when one is wanted. The framing of the body is decided from the recorded
// fields at the end of the header section.
//
// The parser follows RFC 9112 with the choices of a careful user agent:
//
//   - The status line must be "HTTP/1." DIGIT SP 3DIGIT, optionally followed
//     by SP and a reason phrase; anything else, including headerless
//     HTTP/0.9 replies, is [ErrWeirdReply]. Codes below 100 are refused.
//   - Lines of the header section and trailer section may end in CRLF or in a
//     bare LF. A CR anywhere else, a NUL or other control byte (except HTAB)
//     in a field, whitespace between a field name and its colon, a field name
//     that is not a token, and a field line without a colon are
//     [ErrWeirdReply]. A line starting with SP or HTAB (obs-fold) continues
//     the previous field: it is joined to its value with one SP, as RFC 9112
//     section 5.2 allows a user agent to do; as the first field line it is
//     [ErrWeirdReply].
//   - Interim 1xx responses are reported line by line and skipped, except
//     101, which a client that did not ask for an upgrade receives only from
//     a confused server, and which is [ErrWeirdReply].
//   - Each header block is limited to [MaxHeaderBytes], the trailer section
//     as well, and at most [MaxInterimResponses] 1xx responses may precede
//     the final one; beyond that the error is [ErrHeaderTooLarge].
//   - A Content-Length that is present is always validated (digits only, no
//     overflow, repeated or comma-listed values all equal), whatever else the
//     response says: otherwise [ErrBadContentLength].
//   - Transfer-Encoding on an HTTP/1.1 response wins over Content-Length; a
//     response carrying both is read as chunked and its connection is not
//     reused. If chunked is not the final transfer coding the body runs to
//     the close of the connection. Chunked applied twice, or a
//     Transfer-Encoding without any coding, is [ErrWeirdReply].
//     Transfer-Encoding on an HTTP/1.0 response is ignored and the
//     connection is not reused (RFC 9112 section 6.1).
//   - Chunk-size lines must end in CRLF, hold 1 to 16 hex digits and be at
//     most [MaxChunkLineBytes] long; chunk data must be followed by CRLF;
//     chunk extensions are ignored, but the bytes of chunk lines and
//     extensions beyond an allowance proportional to the data are refused.
//     Violations are [ErrBadChunk].
//   - Responses to HEAD, 1xx, 204 and 304 responses, and 2xx responses to
//     CONNECT have no body.
//   - The connection may carry another request (KeepAlive) only if the
//     response was HTTP/1.1 without "Connection: close", or HTTP/1.0 with
//     "Connection: keep-alive", and its framing was neither delimited by
//     the close nor ambiguous.
package http1
