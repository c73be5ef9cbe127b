// Package decode undoes the content codings of HTTP response bodies (gzip,
// x-gzip, deflate, br, zstd, and stacks of them) for a single-threaded event
// loop: coded bytes in, decoded bytes out, nothing blocks and no goroutine
// runs free.
//
// [Parse] turns the Content-Encoding field values into the stack of codings
// the server applied, and [NewDecoder] makes a [Decoder] for it. The loop
// feeds each piece of the body as it arrives ([Decoder.Feed]), takes decoded
// bytes in chunks of at most [ChunkSize] ([Decoder.Output],
// [Decoder.Consumed]) until the Decoder needs more input, and reports the end
// of the body ([Decoder.FeedEOF]), after which Output says whether the
// stream was complete.
//
// # How the decoders are driven
//
// The decoders (compress/gzip, compress/flate, compress/zlib,
// github.com/andybalholm/brotli and github.com/klauspost/compress/zstd) are
// pull-style io.Readers. Each Decoder runs them inside one [iter.Pull]
// coroutine, as the TLS adapter runs crypto/tls's handshake: the innermost
// reader is an in-memory source of the fed bytes whose Read yields back to
// the loop when it holds none, and the next Output resumes the coroutine
// where it stopped. The coroutine also yields when its output buffer is
// full, so a decompression bomb is decoded [ChunkSize] bytes at a time, only
// as fast as the caller takes them: the caller counts decoded bytes and
// stops (Close) when it has seen enough, with bounded memory.
//
// zstd is decoded with concurrency 1, which decodes in the calling
// goroutine and starts none, and with a window of at most [ZstdMaxWindow].
//
// # Choices
//
//   - "deflate" is zlib (RFC 9110); a body that does not start with a zlib
//     header is read as raw deflate, as browsers and curl do.
//   - Concatenated gzip members and zstd frames decode as one body. Any
//     other byte after the end of a stream is an error ([ErrTrailingData]),
//     as in curl, which fails a transfer with bytes after its gzip stream.
//   - A stream cut short is an error at FeedEOF ([ErrTruncated]); a body of
//     no bytes at all decodes to nothing.
//
// Every error about the coded bytes matches [ErrCorrupt] with errors.Is, and
// wraps the library's error when there is one.
package decode
