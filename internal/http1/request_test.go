package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAppendRequestHead(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"GET defaults", Request{Method: "GET", Target: "/", Host: "example.com"},
			"GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nUser-Agent: xfer/1\r\n\r\n"},
		{"sorted fields", Request{Method: "GET", Target: "/a?b=c", Host: "h:8080",
			Header: http.Header{"X-B": {"2", "3"}, "Accept": {"text/html"}, "X-A": {"1"}, "User-Agent": {"me"}}},
			"GET /a?b=c HTTP/1.1\r\nHost: h:8080\r\nAccept: text/html\r\nUser-Agent: me\r\nX-A: 1\r\nX-B: 2\r\nX-B: 3\r\n\r\n"},
		{"suppressed defaults", Request{Method: "GET", Target: "/", Host: "h",
			Header: http.Header{"User-Agent": {""}, "Accept": {""}, "X-Empty": {""}}},
			"GET / HTTP/1.1\r\nHost: h\r\nX-Empty: \r\n\r\n"},
		{"host override", Request{Method: "GET", Target: "/", Host: "h", Header: http.Header{"Host": {"other"}}},
			"GET / HTTP/1.1\r\nHost: other\r\nAccept: */*\r\nUser-Agent: xfer/1\r\n\r\n"},
		{"framing fields ignored", Request{Method: "PUT", Target: "/", Host: "h", ContentLength: 7,
			Header: http.Header{"Content-Length": {"1"}, "Transfer-Encoding": {"gzip"}, "User-Agent": {""}, "Accept": {""}}},
			"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n"},
		{"chunked", Request{Method: "POST", Target: "/up", Host: "h", ContentLength: -1, Header: http.Header{"User-Agent": {""}, "Accept": {""}}},
			"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"},
		{"empty POST", Request{Method: "POST", Target: "/", Host: "h", Header: http.Header{"User-Agent": {""}, "Accept": {""}}},
			"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"},
		{"empty PATCH", Request{Method: "PATCH", Target: "/", Host: "h", Header: http.Header{"User-Agent": {""}, "Accept": {""}}},
			"PATCH / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"},
		{"empty DELETE", Request{Method: "DELETE", Target: "/", Host: "h", Header: http.Header{"User-Agent": {""}, "Accept": {""}}},
			"DELETE / HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"close", Request{Method: "POST", Target: "/", Host: "h", ContentLength: 2, Close: true, Header: http.Header{"User-Agent": {""}, "Accept": {""}}},
			"POST / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 2\r\n\r\n"},
		{"close, Connection set", Request{Method: "GET", Target: "/", Host: "h", Close: true, Header: http.Header{"Connection": {"keep-alive"}, "User-Agent": {""}, "Accept": {""}}},
			"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n"},
		{"expect", Request{Method: "PUT", Target: "/", Host: "h", ContentLength: -1, Expect: true, Header: http.Header{"User-Agent": {""}, "X": {"1"}}},
			"PUT / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nExpect: 100-continue\r\nX: 1\r\nTransfer-Encoding: chunked\r\n\r\n"},
		{"expect, the header's value wins", Request{Method: "PUT", Target: "/", Host: "h", ContentLength: 3, Expect: true, Header: http.Header{"expect": {"x-y"}, "User-Agent": {""}, "Accept": {""}}},
			"PUT / HTTP/1.1\r\nHost: h\r\nexpect: x-y\r\nContent-Length: 3\r\n\r\n"},
		{"expect suppressed", Request{Method: "PUT", Target: "/", Host: "h", ContentLength: 3, Expect: true, Header: http.Header{"Expect": {""}, "User-Agent": {""}, "Accept": {""}}},
			"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n"},
		{"empty expect without the option", Request{Method: "PUT", Target: "/", Host: "h", ContentLength: 3, Header: http.Header{"Expect": {""}, "User-Agent": {""}, "Accept": {""}}},
			"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n"},
		{"odd method and obs-text value", Request{Method: "M-SEARCH", Target: "*", Host: "h", Header: http.Header{"X": {"a\tb\xff"}}},
			"M-SEARCH * HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nUser-Agent: xfer/1\r\nX: a\tb\xff\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("prefix")
			got, err := AppendRequestHead(prefix, &tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "prefix"+tt.want {
				t.Fatalf("got\n%q\nwant\n%q", got, "prefix"+tt.want)
			}
			// net/http reads back what we wrote.
			req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tt.want)))
			if err != nil {
				t.Fatalf("net/http cannot read it: %v", err)
			}
			if req.Method != tt.req.Method || req.RequestURI != tt.req.Target {
				t.Errorf("net/http read %s %s", req.Method, req.RequestURI)
			}
		})
	}
}

func TestAppendRequestHeadRefusals(t *testing.T) {
	base := func() Request { return Request{Method: "GET", Target: "/", Host: "h"} }
	tests := []struct {
		name   string
		modify func(*Request)
	}{
		{"empty method", func(r *Request) { r.Method = "" }},
		{"space in method", func(r *Request) { r.Method = "GET /x HTTP/1.1\r\n" }},
		{"CR in method", func(r *Request) { r.Method = "G\rET" }},
		{"LF in method", func(r *Request) { r.Method = "G\nET" }},
		{"NUL in method", func(r *Request) { r.Method = "G\x00ET" }},
		{"empty target", func(r *Request) { r.Target = "" }},
		{"CR in target", func(r *Request) { r.Target = "/a\rb" }},
		{"LF in target", func(r *Request) { r.Target = "/a\nX-Injected: 1" }},
		{"NUL in target", func(r *Request) { r.Target = "/a\x00" }},
		{"space in target", func(r *Request) { r.Target = "/a b" }},
		{"CR in host", func(r *Request) { r.Host = "h\r" }},
		{"LF in host", func(r *Request) { r.Host = "h\nX: 1" }},
		{"NUL in host", func(r *Request) { r.Host = "h\x00.evil" }},
		{"space in host", func(r *Request) { r.Host = "h x" }},
		{"LF in Host field", func(r *Request) { r.Header = http.Header{"Host": {"h\n"}} }},
		{"CR in name", func(r *Request) { r.Header = http.Header{"X\r": {"1"}} }},
		{"LF in name", func(r *Request) { r.Header = http.Header{"X\nY": {"1"}} }},
		{"NUL in name", func(r *Request) { r.Header = http.Header{"X\x00": {"1"}} }},
		{"colon in name", func(r *Request) { r.Header = http.Header{"X:Y": {"1"}} }},
		{"space in name", func(r *Request) { r.Header = http.Header{"X Y": {"1"}} }},
		{"empty name", func(r *Request) { r.Header = http.Header{"": {"1"}} }},
		{"CR in value", func(r *Request) { r.Header = http.Header{"X": {"ok", "a\rb"}} }},
		{"LF in value", func(r *Request) { r.Header = http.Header{"X": {"a\nX-Injected: 1"}} }},
		{"NUL in value", func(r *Request) { r.Header = http.Header{"X": {"a\x00"}} }},
		{"CRLF in User-Agent", func(r *Request) { r.Header = http.Header{"User-Agent": {"a\r\n"}} }},
		{"control in value", func(r *Request) { r.Header = http.Header{"X": {"a\x01"}} }},
		{"bad name of framing field", func(r *Request) { r.Header = http.Header{"Content-Length\r\n": {"1"}} }},
		{"negative length", func(r *Request) { r.ContentLength = -2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.modify(&r)
			dst := []byte("keep")
			got, err := AppendRequestHead(dst, &r)
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
			if !strings.HasPrefix(err.Error(), "http1: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if string(got) != "keep" || len(got) != len(dst) {
				t.Fatalf("dst changed to %q", got)
			}
		})
	}
}

// TestRequestChunkedBody checks that a chunked request written with this
// package is read back by net/http.
func TestRequestChunkedBody(t *testing.T) {
	b, err := AppendRequestHead(nil, &Request{Method: "POST", Target: "/", Host: "h", ContentLength: -1})
	if err != nil {
		t.Fatal(err)
	}
	b = AppendChunk(b, []byte("hello "))
	b = AppendChunk(b, []byte("world"))
	b = AppendLastChunk(b)
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil || string(body) != "hello world" {
		t.Fatalf("body %q, %v", body, err)
	}
}

func TestAppendRequestHeadAllocs(t *testing.T) {
	r := &Request{Method: "GET", Target: "/index.html", Host: "example.com", Header: http.Header{"X-A": {"1"}}}
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := AppendRequestHead(buf[:0], r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("%v allocations per request head", allocs)
	}
}
