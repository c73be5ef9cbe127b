// Package h2fault is an HTTP/2 server for tests that misbehaves on purpose.
// It listens on 127.0.0.1 only, speaks HTTP/2 with prior knowledge (the
// client preface first, no TLS), and runs one [Behavior] per connection: a
// plain function over a [Peer], which reads and writes frames with the
// Framer of golang.org/x/net/http2. Ready-made behaviors send what a client
// must survive: a CONTINUATION flood, PUSH_PROMISE, oversized frames, DATA
// beyond the window, GOAWAY with streams in flight, REFUSED_STREAM for
// every stream, RST_STREAM, a PING flood, 103 before 200, trailers, and a
// slow reader of uploads.
//
// The server records what it received ([Server.Record]): every frame's
// type, flags, stream and length, the client's SETTINGS, the most streams
// in flight at once and the codes of the client's RST_STREAM frames.
package h2fault
