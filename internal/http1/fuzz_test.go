package http1

import (
	"bytes"
	"io"
	"net/http/httputil"
	"reflect"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

// checkResponse checks invariants of one complete parse.
func checkResponse(t *testing.T, r result, head bool) {
	t.Helper()
	if r.Err != nil {
		if r.Done {
			t.Fatalf("EventDone and %v", r.Err)
		}
		return
	}
	if r.Done && r.Responses != 1 {
		t.Fatalf("EventDone after %d EventResponse", r.Responses)
	}
	bodyless := head || r.Status == 204 || r.Status == 304
	if r.Done && !bodyless && !r.Chunked && r.CL >= 0 && int64(len(r.Body)) != r.CL {
		t.Fatalf("complete body of %d bytes, Content-Length %d", len(r.Body), r.CL)
	}
	if bodyless && r.Body != "" {
		t.Fatalf("body %q for a response without one", r.Body)
	}
}

func addSeeds(f *testing.F) {
	for i, tt := range parseTests {
		if len(tt.in) < 4096 {
			f.Add([]byte(tt.in), uint64(i), tt.method == "HEAD")
		}
	}
}

// FuzzParser feeds random input whole and in random pieces: the parser must
// not panic, must keep its invariants, and must report the same whatever
// the split.
func FuzzParser(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		var p Parser
		whole := feed(t, &p, method, [][]byte{data}, true)
		checkResponse(t, whole, head)
		split := feed(t, &p, method, randomSplitEnd(data, seed), true)
		if !reflect.DeepEqual(split, whole) {
			t.Fatalf("split input gave %+v\nwhole input gave %+v", split, whole)
		}
	})
}

const chunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

// FuzzChunked fuzzes the chunked body decoder: besides the invariants of
// FuzzParser, a body that both this package and net/http's chunked reader
// accept must decode to the same bytes.
func FuzzChunked(f *testing.F) {
	for i, s := range []string{
		"5\r\nhello\r\n0\r\n\r\n",
		"5;ext=1\r\nhello\r\n6 \r\n world\r\n0\r\nX: 1\r\n\r\n",
		"1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
		"5\nhello\r\n0\r\n\r\n",
		"5\r\nhelloXX\r\n0\r\n\r\n",
		"10000000000000000\r\n",
		"0\r\n\r\n",
	} {
		f.Add([]byte(s), uint64(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		in := append([]byte(chunkedHead), data...)
		var p Parser
		whole := feed(t, &p, "GET", [][]byte{in}, true)
		checkResponse(t, whole, false)
		split := feed(t, &p, "GET", randomSplitEnd(in, seed), true)
		if !reflect.DeepEqual(split, whole) {
			t.Fatalf("split input gave %+v\nwhole input gave %+v", split, whole)
		}
		if whole.Err != nil || !whole.Done {
			return
		}
		theirs, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(data)))
		if err == nil && string(theirs) != whole.Body {
			t.Fatalf("body %q, net/http decodes %q", whole.Body, theirs)
		}
	})
}

// randomSplitEnd is testutil.RandomSplit with an empty piece at the end, as the parser
// meets it when it is called once more with nothing.
func randomSplitEnd(in []byte, seed uint64) [][]byte {
	return append(testutil.RandomSplit(in, seed), nil)
}
