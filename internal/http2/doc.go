// Package http2 is a sans-IO HTTP/2 client connection: the bytes the server
// sends go in, events and the bytes to send come out. It holds no socket,
// no clock and starts no goroutine; the caller moves bytes between the
// connection and a [ClientConn].
//
// # Driving a ClientConn
//
// [NewClientConn] puts the client preface in [ClientConn.Outbound]. The
// caller writes Outbound to the socket whenever it is not empty and reports
// what was written with [ClientConn.Consumed]. What it reads from the socket
// it passes to [ClientConn.Next], advancing its input by the bytes consumed,
// until Next reports [EventNeedMore]; when the socket reaches its end it
// calls [ClientConn.EOF].
//
// A request starts with [ClientConn.OpenStream] when
// [ClientConn.CanOpenStream] allows it; a request body is sent with
// [ClientConn.WriteData], which takes what the flow-control windows allow,
// and ends with END_STREAM. The response arrives as events on the stream:
// [EventHeaders] (1xx interim responses first, then the final one), then
// [EventData], maybe [EventTrailers], and [EventEndStream]; or
// [EventReset] at any point. The caller reports body bytes the application
// took with [ClientConn.DataConsumed]: only then are the windows opened
// again, so a paused stream holds at most its window. [ClientConn.Reset]
// abandons a stream.
//
// Event.Data of an EventData is a sub-slice of the input of that call of
// Next, never copied; Event.Fields is reused and stays valid until the next
// call of Next. The receive path of a running stream does not allocate.
//
// # Flow control
//
// Each stream's receive window starts at [DefaultStreamWindow] (64 KiB,
// the window nghttp2 and libcurl start a stream with) and doubles, up to
// [DefaultMaxStreamWindow] (10 MiB, libcurl's ceiling), each time the
// application consumes half a window while holding less than a quarter of
// it: a stream whose reader keeps up earns the window that its path needs,
// a stream that is paused or slow holds 64 KiB. (net/http's transport opens
// 4 MiB at once per stream; with 100 streams that is 400 MiB that paused
// streams may pin.) The connection window, [DefaultConnWindow] (32 MiB),
// bounds what all streams of a connection hold unconsumed together, and is
// large enough that several fast streams never wait for it.
//
// # Limits
//
// Every limit ends the connection with a [*ConnError] and a GOAWAY with the
// matching code, or one stream with RST_STREAM and a [*StreamError]:
//
//   - The server's first frame must be SETTINGS ([ErrBadPreface]).
//   - Frames longer than the advertised SETTINGS_MAX_FRAME_SIZE, and
//     control frames of a wrong length, are FRAME_SIZE_ERROR.
//   - A header block is capped at [MaxHeaderBlockBytes] encoded bytes
//     across its CONTINUATION frames, [MaxHeaderListSize] decoded bytes
//     (also the longest HPACK string) and [MaxHeaderFields] fields
//     ([ErrHeaderTooLarge], ENHANCE_YOUR_CALM); the HPACK table is
//     [HeaderTableSize] bytes, a larger size update is COMPRESSION_ERROR.
//   - PUSH_PROMISE is PROTOCOL_ERROR: push is disabled in our SETTINGS.
//   - DATA beyond the connection or a stream window, and a send window
//     above 2^31-1 on the connection, are FLOW_CONTROL_ERROR on the
//     connection; a stream's send window overflowing resets that stream.
//   - Frames on idle streams (not opened yet, or even-numbered) are
//     PROTOCOL_ERROR on the connection; frames on streams that closed are
//     dropped (the server may have sent them before it saw our
//     RST_STREAM), DATA on a stream after its END_STREAM is STREAM_CLOSED.
//   - Frames that carry no response are counted against
//     [MaxIdleFrames]: PING, SETTINGS, empty DATA and CONTINUATION,
//     frames on closed streams, unknown frames ([ErrFlood]). Frames this
//     client answers on its own may not pile up beyond
//     [MaxOutboundBytes] unsent.
//   - A malformed response (RFC 9113 section 8.1.1: missing or bad
//     :status, uppercase or invalid field names, connection-specific
//     fields, pseudo-header fields after regular ones or in trailers, a
//     Content-Length other than the DATA received, DATA before the header,
//     trailers without END_STREAM) resets its stream with PROTOCOL_ERROR
//     ([ErrMalformedResponse]); the other streams go on.
//
// A server's GOAWAY reports the streams above its last stream id with
// [EventReset] and [ErrNotProcessed], then [EventGoAway]; REFUSED_STREAM
// and those are [StreamError.Retryable]; HTTP_1_1_REQUIRED is the Code of
// its EventReset.
//
// # Frames and HPACK
//
// The frame layer is this package's own; header blocks are decoded and
// encoded with golang.org/x/net/http2/hpack. The Framer of
// golang.org/x/net/http2 was measured and set aside: it reads from an
// io.Reader with io.ReadFull, so a frame cut between two socket reads would
// leave it broken unless whole frames were first gathered in a buffer of
// our own; it copies every DATA payload into its read buffer, which the
// next frame overwrites; and it allocates a frame value per frame unless
// frames are reused. Reading DATA frames of 16 KiB from 64 KiB reads, one
// frame cost the Framer 517 ns and 0 allocations with SetReuseFrames (562 ns
// and 1 allocation of 48 B without), and costs this package's reader, flow
// control and events included, 43 ns and 0 allocations (BenchmarkFramerData,
// BenchmarkFramerDataNoReuse, BenchmarkOwnCodecData; 2 cores, Go 1.26): the
// difference is the copy of each payload. The own reader streams DATA
// payload to the caller as sub-slices of its input, whatever the chunking,
// and buffers only frame headers and control frames; the frame layout is
// simple enough (a 9-byte header and a few fixed payloads) that owning it
// costs less code than working around the Framer.
package http2
