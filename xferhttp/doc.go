// Package xferhttp is an http.RoundTripper that runs requests on xfer's engine, so that
// code written against net/http switches by changing one field:
//
//	client := &http.Client{Transport: &xferhttp.Transport{}}
//	resp, err := client.Get("https://example.org/")
//
// http.Client keeps doing what it does (redirects, cookies, timeouts, middleware); the
// Transport runs each request on one of a few event loops, each a goroutine with one
// xfer.Multi, instead of two goroutines and two buffers per connection. RoundTrip returns
// at the final response's header; the body streams through a bounded buffer, and the
// transfer pauses while the reader lags. Request bodies stream from Request.Body, read on
// the caller's side so that a blocking body never stalls a loop.
//
// Per-request engine options (timeouts, TLS configuration, speed limits, Resolve entries)
// are set through Transport.Easy; connection limits through Transport.Multi.
package xferhttp
