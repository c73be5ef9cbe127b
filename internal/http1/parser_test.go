package http1

import (
	"bytes"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// parseTest is one response and what the parser must make of it. Inputs are
// fed with EOF after the last byte when eof is set.
type parseTest struct {
	name   string
	method string // "" means GET
	in     string
	eof    bool

	err       error // sentinel, or nil
	status    int
	proto     string
	header    http.Header // compared when not nil
	cl        int64
	chunked   bool
	body      string
	trailer   http.Header // compared when not nil
	keepAlive bool
	rest      int // bytes left after EventDone
	lines     int // EventHeaderLine count, compared when not 0
}

const (
	ok200  = "HTTP/1.1 200 OK\r\n"
	te     = "Transfer-Encoding: chunked\r\n"
	chunk5 = "5\r\nhello\r\n"
)

var parseTests = []parseTest{
	// Framing.
	{name: "content-length", in: ok200 + "Content-Length: 5\r\n\r\nhello",
		status: 200, proto: "HTTP/1.1", header: http.Header{"Content-Length": {"5"}}, cl: 5, body: "hello", keepAlive: true, lines: 3},
	{name: "content-length excess", in: ok200 + "Content-Length: 5\r\n\r\nhelloEXTRA",
		status: 200, cl: 5, body: "hello", keepAlive: true, rest: 5},
	{name: "content-length zero", in: ok200 + "Content-Length: 0\r\n\r\n",
		status: 200, cl: 0, keepAlive: true},
	{name: "content-length repeated", in: ok200 + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
		status: 200, cl: 5, body: "hello", keepAlive: true},
	{name: "content-length list", in: ok200 + "Content-Length: 5, 5\r\n\r\nhello",
		status: 200, cl: 5, body: "hello", keepAlive: true},
	{name: "content-length leading zeros", in: ok200 + "Content-Length: 005\r\n\r\nhello",
		status: 200, cl: 5, body: "hello", keepAlive: true},
	{name: "chunked", in: ok200 + te + "\r\n" + chunk5 + "6;ext=1\r\n world\r\n0\r\n\r\n",
		status: 200, cl: -1, chunked: true, body: "hello world", keepAlive: true, lines: 4},
	{name: "chunked uppercase hex and ext", in: ok200 + "Transfer-Encoding: Chunked\r\n\r\nA ; a=b\r\n0123456789\r\n0;x\r\n\r\nNEXT",
		status: 200, cl: -1, chunked: true, body: "0123456789", keepAlive: true, rest: 4},
	{name: "chunked trailers", in: ok200 + te + "Trailer: X-Sum\r\n\r\n" + chunk5 + "0\r\nX-Sum: 1\r\nContent-Length: 999\r\n\r\n",
		status: 200, cl: -1, chunked: true, body: "hello", keepAlive: true,
		header:  http.Header{"Transfer-Encoding": {"chunked"}, "Trailer": {"X-Sum"}},
		trailer: http.Header{"X-Sum": {"1"}, "Content-Length": {"999"}}, lines: 7},
	{name: "chunked trailer bare LF", in: ok200 + te + "\r\n" + chunk5 + "0\r\nX-Sum: 1\n\n",
		status: 200, cl: -1, chunked: true, body: "hello", keepAlive: true, trailer: http.Header{"X-Sum": {"1"}}},
	{name: "chunked and content-length", in: ok200 + te + "Content-Length: 3\r\n\r\n" + "a\r\n0123456789\r\n0\r\n\r\n",
		status: 200, cl: -1, chunked: true, body: "0123456789", keepAlive: false,
		header: http.Header{"Transfer-Encoding": {"chunked"}}},
	{name: "gzip then chunked", in: ok200 + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunk5 + "0\r\n\r\n",
		status: 200, cl: -1, chunked: true, body: "hello", keepAlive: true},
	{name: "chunked not final", in: ok200 + "Transfer-Encoding: chunked, gzip\r\n\r\n" + "abc", eof: true,
		status: 200, cl: -1, body: "abc", keepAlive: false},
	{name: "gzip only", in: ok200 + "Transfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n" + "abc", eof: true,
		status: 200, cl: -1, body: "abc", keepAlive: false},
	{name: "close delimited", in: ok200 + "\r\nabc", eof: true,
		status: 200, cl: -1, body: "abc", keepAlive: false},
	{name: "close delimited empty", in: ok200 + "\r\n", eof: true,
		status: 200, cl: -1, keepAlive: false},
	{name: "close delimited 1.0", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc", eof: true,
		status: 200, proto: "HTTP/1.0", cl: -1, body: "abc", keepAlive: false},
	{name: "complete then eof", in: ok200 + "Content-Length: 1\r\n\r\nx", eof: true,
		status: 200, cl: 1, body: "x", keepAlive: true},

	// Interim responses.
	{name: "1xx then 200", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 102 Processing\n\n" + ok200 + "Content-Length: 2\r\n\r\nok",
		status: 200, header: http.Header{"Content-Length": {"2"}}, cl: 2, body: "ok", keepAlive: true, lines: 10},
	{name: "100 interim allowed", in: strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", MaxInterimResponses) + ok200 + "Content-Length: 0\r\n\r\n",
		status: 200, cl: 0, keepAlive: true},

	// No body.
	{name: "HEAD", method: "HEAD", in: ok200 + "Content-Length: 1000\r\n\r\n",
		status: 200, cl: 1000, keepAlive: true},
	{name: "HEAD chunked", method: "HEAD", in: ok200 + te + "\r\nNEXT",
		status: 200, cl: -1, keepAlive: true, rest: 4},
	{name: "HEAD no length", method: "HEAD", in: ok200 + "\r\n",
		status: 200, cl: -1, keepAlive: true},
	{name: "204 with length", in: "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
		status: 204, cl: 0, keepAlive: true, rest: 5},
	{name: "304 with length", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello",
		status: 304, cl: 0, keepAlive: true, rest: 5},
	{name: "CONNECT 200", method: "CONNECT", in: "HTTP/1.1 200 Connection established\r\n\r\nTUNNEL",
		status: 200, cl: -1, keepAlive: true, rest: 6},

	// Persistence.
	{name: "1.0 without keep-alive", in: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
		status: 200, proto: "HTTP/1.0", cl: 2, body: "ok", keepAlive: false},
	{name: "1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
		status: 200, proto: "HTTP/1.0", cl: 2, body: "ok", keepAlive: true},
	{name: "connection close", in: ok200 + "Connection: foo, close\r\nContent-Length: 2\r\n\r\nok",
		status: 200, cl: 2, body: "ok", keepAlive: false},
	{name: "1.0 with transfer-encoding", in: "HTTP/1.0 200 OK\r\n" + te + "Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello",
		status: 200, proto: "HTTP/1.0", cl: 5, body: "hello", keepAlive: false},
	{name: "minor version 2", in: "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n",
		status: 200, proto: "HTTP/1.1", cl: 0, keepAlive: true},

	// Line syntax.
	{name: "bare LF", in: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
		status: 200, cl: 2, body: "ok", keepAlive: true},
	{name: "no reason", in: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", status: 200, cl: 0, keepAlive: true},
	{name: "empty reason", in: "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", status: 200, cl: 0, keepAlive: true},
	{name: "status 999", in: "HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n", status: 999, cl: 0, keepAlive: true},
	{name: "obs-fold", in: ok200 + "X-A: one\r\n two\r\n\t three \r\nContent-Length: 0\r\n\r\n",
		status: 200, cl: 0, keepAlive: true, header: http.Header{"X-A": {"one two three"}, "Content-Length": {"0"}}},
	{name: "obs-fold no framing", in: ok200 + "X-A: x\r\n Content-Length: 0\r\n\r\nabc", eof: true,
		status: 200, cl: -1, body: "abc", header: http.Header{"X-A": {"x Content-Length: 0"}}},
	{name: "obs-fold empty value", in: ok200 + "X-A:\r\n two\r\nX-B: b\r\n \r\nContent-Length: 0\r\n\r\n",
		status: 200, cl: 0, keepAlive: true, header: http.Header{"X-A": {"two"}, "X-B": {"b"}, "Content-Length": {"0"}}},
	{name: "field value whitespace and obs-text", in: ok200 + "x-a:  \t v\xff a\tl \t\r\nX-A:\r\ncontent-length:0\r\n\r\n",
		status: 200, cl: 0, keepAlive: true, header: http.Header{"X-A": {"v\xff a\tl", ""}, "Content-Length": {"0"}}},

	// Errors.
	{name: "no response", in: "", eof: true, err: ErrNoResponse},
	{name: "truncated status", in: "HTTP/1.1 2", eof: true, err: ErrTruncatedHeader},
	{name: "truncated header", in: ok200 + "Content-Le", eof: true, err: ErrTruncatedHeader},
	{name: "truncated after 1xx", in: "HTTP/1.1 100 Continue\r\n\r\n", eof: true, err: ErrTruncatedHeader},
	{name: "truncated body", in: ok200 + "Content-Length: 100\r\n\r\n" + strings.Repeat("x", 40), eof: true, err: ErrUnexpectedEOF},
	{name: "truncated chunk", in: ok200 + te + "\r\n" + "5\r\nhel", eof: true, err: ErrUnexpectedEOF},
	{name: "truncated chunked no last", in: ok200 + te + "\r\n" + chunk5, eof: true, err: ErrUnexpectedEOF},
	{name: "truncated trailer", in: ok200 + te + "\r\n" + chunk5 + "0\r\nX: 1\r\n", eof: true, err: ErrUnexpectedEOF},
	{name: "truncated chunk CRLF", in: ok200 + te + "\r\n" + "5\r\nhello\r", eof: true, err: ErrUnexpectedEOF},

	{name: "status two digits", in: "HTTP/1.1 20 OK\r\n\r\n", err: ErrWeirdReply},
	{name: "status four digits", in: "HTTP/1.1 2000 OK\r\n\r\n", err: ErrWeirdReply},
	{name: "status letters", in: "HTTP/1.1 abc OK\r\n\r\n", err: ErrWeirdReply},
	{name: "status below 100", in: "HTTP/1.1 099 OK\r\n\r\n", err: ErrWeirdReply},
	{name: "status plus sign", in: "HTTP/1.1 +12 OK\r\n\r\n", err: ErrWeirdReply},
	{name: "lowercase http", in: "http/1.1 200 OK\r\n\r\n", err: ErrWeirdReply},
	{name: "ICY", in: "ICY 200 OK\r\n\r\n", err: ErrWeirdReply},
	{name: "HTTP/2 status line", in: "HTTP/2 200\r\n\r\n", err: ErrWeirdReply},
	{name: "HTTP/1.10", in: "HTTP/1.10 200 OK\r\n\r\n", err: ErrWeirdReply},
	{name: "two spaces", in: "HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n", err: ErrWeirdReply},
	{name: "HTTP/0.9 body", in: "<html>hello</html>", eof: true, err: ErrWeirdReply},
	{name: "empty line first", in: "\r\n" + ok200 + "Content-Length: 0\r\n\r\n", err: ErrWeirdReply},
	{name: "CR in status line", in: "HTTP/1.1 200 O\rK\r\n\r\n", err: ErrWeirdReply},
	{name: "control in reason", in: "HTTP/1.1 200 O\x01K\r\n\r\n", err: ErrWeirdReply},
	{name: "unrequested 101", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", err: ErrWeirdReply},
	{name: "NUL in value", in: ok200 + "X: a\x00b\r\n\r\n", err: ErrWeirdReply},
	{name: "bare CR in value", in: ok200 + "X: a\rb\r\n\r\n", err: ErrWeirdReply},
	{name: "CR CR LF", in: ok200 + "X: ab\r\r\n\r\n", err: ErrWeirdReply},
	{name: "control in value", in: ok200 + "X: a\x01b\r\n\r\n", err: ErrWeirdReply},
	{name: "DEL in value", in: ok200 + "X: a\x7fb\r\n\r\n", err: ErrWeirdReply},
	{name: "space before colon", in: ok200 + "Content-Length : 5\r\n\r\nhello", err: ErrWeirdReply},
	{name: "tab before colon", in: ok200 + "Transfer-Encoding\t: chunked\r\n\r\n", err: ErrWeirdReply},
	{name: "no colon", in: ok200 + "Content-Length 5\r\n\r\nhello", err: ErrWeirdReply},
	{name: "empty name", in: ok200 + ": 5\r\n\r\n", err: ErrWeirdReply},
	{name: "non-token name", in: ok200 + "X(a): 5\r\n\r\n", err: ErrWeirdReply},
	{name: "first line folded", in: ok200 + " X: 1\r\nContent-Length: 0\r\n\r\n", err: ErrWeirdReply},
	{name: "first trailer folded", in: ok200 + te + "\r\n0\r\n X: 1\r\n\r\n", err: ErrWeirdReply},
	{name: "NUL in trailer", in: ok200 + te + "\r\n0\r\nX: \x00\r\n\r\n", err: ErrWeirdReply},
	{name: "empty transfer-encoding", in: ok200 + "Transfer-Encoding: ,\r\n\r\n", err: ErrWeirdReply},
	{name: "chunked twice", in: ok200 + "Transfer-Encoding: chunked, chunked\r\n\r\n", err: ErrWeirdReply},
	{name: "chunked on two lines", in: ok200 + te + te + "\r\n", err: ErrWeirdReply},

	{name: "header too large", in: ok200 + "X: " + strings.Repeat("a", MaxHeaderBytes) + "\r\n\r\n", err: ErrHeaderTooLarge},
	{name: "header unterminated", in: ok200 + "X: " + strings.Repeat("a", MaxHeaderBytes), err: ErrHeaderTooLarge},
	{name: "header many fields", in: ok200 + strings.Repeat("X-Field: "+strings.Repeat("a", 90)+"\r\n", 1200) + "\r\n", err: ErrHeaderTooLarge},
	{name: "too many interim", in: strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", MaxInterimResponses+1) + ok200 + "\r\n", err: ErrHeaderTooLarge},
	{name: "trailer too large", in: ok200 + te + "\r\n0\r\n" + strings.Repeat("X-T: "+strings.Repeat("b", 95)+"\r\n", 1100) + "\r\n", err: ErrHeaderTooLarge},

	{name: "chunk 17 digits", in: ok200 + te + "\r\n10000000000000000\r\n", err: ErrBadChunk},
	{name: "chunk 16 f", in: ok200 + te + "\r\nffffffffffffffff\r\n", err: ErrBadChunk},
	{name: "chunk max int64", in: ok200 + te + "\r\n7fffffffffffffff\r\nabc", eof: true, err: ErrUnexpectedEOF},
	{name: "chunk 0x", in: ok200 + te + "\r\n0x5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk minus", in: ok200 + te + "\r\n-5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk leading space", in: ok200 + te + "\r\n 5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk two numbers", in: ok200 + te + "\r\n5 5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk g", in: ok200 + te + "\r\ng\r\n", err: ErrBadChunk},
	{name: "chunk empty line", in: ok200 + te + "\r\n\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk bare LF", in: ok200 + te + "\r\n5\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk CR inside", in: ok200 + te + "\r\n5;a\rb\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk data overrun", in: ok200 + te + "\r\n5\r\nhelloXX\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk data LF only", in: ok200 + te + "\r\n5\r\nhello\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk line too long", in: ok200 + te + "\r\n5;" + strings.Repeat("e", 8<<10) + "\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "chunk too much non-data", in: ok200 + te + "\r\n" + strings.Repeat("1;"+strings.Repeat("e", 1024)+"\r\nx\r\n", 2000) + "0\r\n\r\n", err: ErrBadChunk},

	{name: "content-length conflict lines", in: ok200 + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", err: ErrBadContentLength},
	{name: "content-length conflict list", in: ok200 + "Content-Length: 5, 6\r\n\r\nhello!", err: ErrBadContentLength},
	{name: "content-length negative", in: ok200 + "Content-Length: -1\r\n\r\n", err: ErrBadContentLength},
	{name: "content-length plus", in: ok200 + "Content-Length: +5\r\n\r\nhello", err: ErrBadContentLength},
	{name: "content-length hex", in: ok200 + "Content-Length: 0x5\r\n\r\nhello", err: ErrBadContentLength},
	{name: "content-length space", in: ok200 + "Content-Length: 5 5\r\n\r\nhello", err: ErrBadContentLength},
	{name: "content-length exponent", in: ok200 + "Content-Length: 1e3\r\n\r\n", err: ErrBadContentLength},
	{name: "content-length empty", in: ok200 + "Content-Length:\r\n\r\n", err: ErrBadContentLength},
	{name: "content-length empty element", in: ok200 + "Content-Length: 5,\r\n\r\nhello", err: ErrBadContentLength},
	{name: "content-length 2^64", in: ok200 + "Content-Length: 18446744073709551616\r\n\r\n", err: ErrBadContentLength},
	{name: "content-length 20 nines", in: ok200 + "Content-Length: 99999999999999999999\r\n\r\n", err: ErrBadContentLength},
	{name: "content-length 2^63", in: ok200 + "Content-Length: 9223372036854775808\r\n\r\n", err: ErrBadContentLength},
	{name: "content-length invalid with chunked", in: ok200 + te + "Content-Length: abc\r\n\r\n0\r\n\r\n", err: ErrBadContentLength},
	{name: "content-length invalid HEAD", method: "HEAD", in: ok200 + "Content-Length: abc\r\n\r\n", err: ErrBadContentLength},
	{name: "content-length invalid 204", in: "HTTP/1.1 204 No Content\r\nContent-Length: abc\r\n\r\n", err: ErrBadContentLength},
}

func (tt *parseTest) check(t *testing.T, got result) {
	t.Helper()
	if got.Err != tt.err {
		t.Fatalf("error %v, want %v", got.Err, tt.err)
	}
	if tt.err != nil {
		if got.Done {
			t.Errorf("EventDone reported before the error")
		}
		return
	}
	if !got.Done {
		t.Fatalf("response not complete")
	}
	if got.Responses != 1 {
		t.Errorf("EventResponse reported %d times", got.Responses)
	}
	want := result{Status: tt.status, Proto: tt.proto, CL: tt.cl, Chunked: tt.chunked, Body: tt.body, KeepAlive: tt.keepAlive, Rest: tt.rest}
	if want.Proto == "" {
		want.Proto = got.Proto
	}
	have := result{Status: got.Status, Proto: got.Proto, CL: got.CL, Chunked: got.Chunked, Body: got.Body, KeepAlive: got.KeepAlive, Rest: got.Rest}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("got  %+v\nwant %+v", have, want)
	}
	if tt.header != nil && !reflect.DeepEqual(got.Header, tt.header) {
		t.Errorf("header %q, want %q", got.Header, tt.header)
	}
	if tt.trailer != nil && !reflect.DeepEqual(got.Trailer, tt.trailer) {
		t.Errorf("trailer %q, want %q", got.Trailer, tt.trailer)
	}
	if tt.lines != 0 && len(got.Lines) != tt.lines {
		t.Errorf("%d header lines %q, want %d", len(got.Lines), got.Lines, tt.lines)
	}
}

func TestParser(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			var p Parser
			in := []byte(tt.in)
			whole := feed(t, &p, method, [][]byte{in}, tt.eof)
			tt.check(t, whole)
			if testing.Short() && len(in) > 4096 {
				return
			}
			names, ways := splits(in)
			if len(in) > 20000 {
				// The inputs that test limits are large: split them at
				// every boundary near either end and at a sample between.
				var n2 []string
				var w2 [][][]byte
				for i := range ways {
					at := i - 1 // ways[i] splits at i-1; 0 and len(ways)-1 are whole and bytewise
					if i == 0 || i == len(ways)-1 || at < 512 || at > len(in)-512 || at%4093 == 0 {
						n2, w2 = append(n2, names[i]), append(w2, ways[i])
					}
				}
				names, ways = n2, w2
			}
			for i, pieces := range ways {
				got := feed(t, &p, method, pieces, tt.eof)
				if !reflect.DeepEqual(got, whole) {
					t.Fatalf("%s: got %+v\nwhole gave %+v", names[i], got, whole)
				}
			}
		})
	}
}

// TestParserLines checks the raw lines reported for interim, final and
// trailer blocks.
func TestParserLines(t *testing.T) {
	in := "HTTP/1.1 100 Continue\r\n\r\n" + ok200 + te + "X: a\n b\r\n\r\n" + chunk5 + "0\r\nX-T: 1\r\n\r\n"
	var p Parser
	got := feed(t, &p, "GET", [][]byte{[]byte(in)}, false)
	want := []string{"HTTP/1.1 100 Continue\r\n", "\r\n", ok200, te, "X: a\n", " b\r\n", "\r\n", "T:X-T: 1\r\n", "T:\r\n"}
	if !reflect.DeepEqual(got.Lines, want) {
		t.Errorf("lines %q, want %q", got.Lines, want)
	}
}

// TestParserInterimStatus checks that Status names the interim response
// while its lines are reported, so a caller can act on 100 Continue.
func TestParserInterimStatus(t *testing.T) {
	var p Parser
	p.Reset("POST")
	in := []byte("HTTP/1.1 100 Continue\r\n\r\n")
	n, ev, err := p.Next(in)
	if err != nil || ev != EventHeaderLine || p.Status != 100 || n != 23 {
		t.Fatalf("Next = %d, %v, %v; Status %d", n, ev, err, p.Status)
	}
}

// TestParserInterim checks that Interim names an interim response at its
// empty line only, and is 0 at every other line.
func TestParserInterim(t *testing.T) {
	var p Parser
	p.Reset("POST")
	in := []byte("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n" + ok200 + te + "\r\n0\r\n\r\n")
	var got []int
	for {
		n, ev, err := p.Next(in)
		if err != nil {
			t.Fatal(err)
		}
		in = in[n:]
		if ev == EventHeaderLine {
			got = append(got, p.Interim())
		}
		if ev == EventDone || ev == EventNeedMore {
			break
		}
	}
	want := []int{0, 0, 103, 0, 100, 0, 0, 0, 0}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Interim at each line %v, want %v", got, want)
	}
	p.Reset("POST")
	if p.Interim() != 0 {
		t.Fatal("Reset kept Interim")
	}
}

// TestParserReuse checks that a Parser carries nothing from one response
// to the next, and that Fields handed out stay as they were.
func TestParserReuse(t *testing.T) {
	var p Parser
	a := feed(t, &p, "GET", [][]byte{[]byte(ok200 + "X-A: 1\r\nContent-Length: 1\r\n\r\na")}, false)
	at := feed(t, &p, "GET", [][]byte{[]byte(ok200 + te + "\r\n0\r\nX-T: 1\r\n\r\n")}, false)
	b := feed(t, &p, "GET", [][]byte{[]byte("HTTP/1.0 404 Not Found\r\nX-B: 2\r\n\r\nb")}, true)
	if a.Fields.Get("X-A") != "1" || a.Fields.Get("X-B") != "" || a.Fields.Len() != len("X-A:1\nContent-Length:1\n") {
		t.Errorf("first fields changed: %q", a.Fields)
	}
	if at.TFields.Get("X-T") != "1" || at.Fields.Get("X-A") != "" {
		t.Errorf("second response's fields %q, trailer %q", at.Fields, at.TFields)
	}
	if b.Status != 404 || b.Proto != "HTTP/1.0" || b.Body != "b" || b.KeepAlive || b.Fields.Get("X-A") != "" || b.CL != -1 {
		t.Errorf("third response %+v", b)
	}
	if b.TFields != (Fields{}) || p.TrailerFields() != (Fields{}) {
		t.Errorf("trailer carried over: %q", b.TFields)
	}
	p.Reset("GET")
	if p.Fields() != (Fields{}) || p.rec != nil {
		t.Errorf("Reset kept fields %q", p.Fields())
	}
	// An error is sticky until Reset.
	p.Reset("GET")
	in := []byte("ICY 200 OK\r\n")
	if _, _, err := p.Next(in); !errors.Is(err, ErrWeirdReply) {
		t.Fatalf("err %v", err)
	}
	if _, _, err := p.Next(in); !errors.Is(err, ErrWeirdReply) {
		t.Fatalf("error not sticky: %v", err)
	}
	if _, err := p.EOF(); !errors.Is(err, ErrWeirdReply) {
		t.Fatalf("EOF after error: %v", err)
	}
}

// TestParserEarlyRefusal checks that a reply that cannot be HTTP/1.x is
// refused before its first line ends.
func TestParserEarlyRefusal(t *testing.T) {
	var p Parser
	p.Reset("GET")
	if _, _, err := p.Next([]byte("<html>")); !errors.Is(err, ErrWeirdReply) {
		t.Fatalf("err %v", err)
	}
}

// TestParserNoCopy checks that body bytes are handed out in place.
func TestParserNoCopy(t *testing.T) {
	in := []byte(ok200 + "Content-Length: 5\r\n\r\nhello")
	var p Parser
	p.Reset("GET")
	for {
		n, ev, err := p.Next(in)
		if err != nil {
			t.Fatal(err)
		}
		if ev == EventBody {
			if &p.Body()[0] != &in[len(in)-5] {
				t.Fatal("body was copied")
			}
			return
		}
		in = in[n:]
	}
}

func TestEventString(t *testing.T) {
	for ev, want := range map[Event]string{EventNeedMore: "NeedMore", EventDone: "Done", Event(9): "Event(9)"} {
		if got := ev.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(ev), got, want)
		}
	}
}

func TestAppendChunk(t *testing.T) {
	var b []byte
	b = AppendChunk(b, []byte("hello"))
	b = AppendChunk(b, nil)
	b = AppendChunk(b, bytes.Repeat([]byte("x"), 26))
	b = AppendLastChunk(b)
	want := "5\r\nhello\r\n1a\r\n" + strings.Repeat("x", 26) + "\r\n0\r\n\r\n"
	if string(b) != want {
		t.Fatalf("got %q, want %q", b, want)
	}
	// What we write, we read.
	var p Parser
	got := feed(t, &p, "GET", [][]byte{[]byte(ok200 + te + "\r\n"), b}, false)
	if got.Err != nil || got.Body != "hello"+strings.Repeat("x", 26) || !got.Done {
		t.Fatalf("read back %+v", got)
	}
}
