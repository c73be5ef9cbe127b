// Package decode undoes the content codings of HTTP response bodies (gzip,
// x-gzip, deflate, br, zstd, and stacks of them) for a single-threaded event
// loop.
//
// [Parse] turns the Content-Encoding field values into the stack of codings
// the server applied.
package decode
