package http1

import (
	"net/http"
	"reflect"
	"testing"
)

// fieldsTests check the recorded fields of a response: their encoding,
// which also shows how Content-Length is presented, and the map made of them.
var fieldsTests = []struct {
	name   string
	method string // "" means GET
	in     string
	raw    string
	header http.Header
}{
	{name: "none", in: ok200 + "\r\n",
		raw: "", header: http.Header{}},
	{name: "canonical names", in: ok200 + "content-TYPE: a\r\nx_y-z: b\r\nWWW-Authenticate: c\r\netag: d\r\nContent-Length: 0\r\n\r\n",
		raw:    "Content-Type:a\nX_y-Z:b\nWww-Authenticate:c\nEtag:d\nContent-Length:0\n",
		header: http.Header{"Content-Type": {"a"}, "X_y-Z": {"b"}, "Www-Authenticate": {"c"}, "Etag": {"d"}, "Content-Length": {"0"}}},
	{name: "repeated in order", in: ok200 + "Set-Cookie: a=1\r\nX: 0\r\nset-cookie: b=2\r\nSet-Cookie:\r\nContent-Length: 0\r\n\r\n",
		raw:    "Set-Cookie:a=1\nX:0\nSet-Cookie:b=2\nSet-Cookie:\nContent-Length:0\n",
		header: http.Header{"Set-Cookie": {"a=1", "b=2", ""}, "X": {"0"}, "Content-Length": {"0"}}},
	{name: "colon in value", in: ok200 + "Location: http://example.com:8080/a?b=c:d\r\nContent-Length: 0\r\n\r\n",
		raw:    "Location:http://example.com:8080/a?b=c:d\nContent-Length:0\n",
		header: http.Header{"Location": {"http://example.com:8080/a?b=c:d"}, "Content-Length": {"0"}}},
	{name: "obs-fold", in: ok200 + "X-A: one\r\n two\r\n\t three \r\nX-B:\r\n \r\n b\r\nContent-Length: 0\r\n\r\n",
		raw:    "X-A:one two three\nX-B:b\nContent-Length:0\n",
		header: http.Header{"X-A": {"one two three"}, "X-B": {"b"}, "Content-Length": {"0"}}},
	{name: "obs-fold ending in colon", in: ok200 + "X-A: a:\r\n b\r\nContent-Length: 0\r\n\r\n",
		raw:    "X-A:a: b\nContent-Length:0\n",
		header: http.Header{"X-A": {"a: b"}, "Content-Length": {"0"}}},
	{name: "content-length collapsed", in: ok200 + "Content-Length: 005\r\nX: a\r\ncontent-length: 5, 5\r\n\r\nhello",
		raw:    "Content-Length:5\nX:a\n",
		header: http.Header{"Content-Length": {"5"}, "X": {"a"}}},
	{name: "content-length single kept", in: ok200 + "Content-Length: 005\r\n\r\nhello",
		raw: "Content-Length:005\n", header: http.Header{"Content-Length": {"005"}}},
	{name: "content-length removed when chunked", in: ok200 + "Content-Length: 3\r\n" + te + "content-length: 3\r\nX: 1\r\n\r\n0\r\n\r\n",
		raw: "Transfer-Encoding:chunked\nX:1\n", header: http.Header{"Transfer-Encoding": {"chunked"}, "X": {"1"}}},
	{name: "content-length kept for HEAD", method: "HEAD", in: ok200 + te + "Content-Length: 7, 7\r\n\r\n",
		raw: "Transfer-Encoding:chunked\nContent-Length:7\n", header: http.Header{"Transfer-Encoding": {"chunked"}, "Content-Length": {"7"}}},
	{name: "interim fields not kept", in: "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ok200 + "Content-Length: 0\r\n\r\n",
		raw: "Content-Length:0\n", header: http.Header{"Content-Length": {"0"}}},
}

func TestFields(t *testing.T) {
	for _, tt := range fieldsTests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			var p Parser
			r := feed(t, &p, method, [][]byte{[]byte(tt.in)}, true)
			if r.Err != nil || !r.Done {
				t.Fatalf("parse: %+v", r)
			}
			if r.Fields.raw != tt.raw || r.Fields.Len() != len(tt.raw) {
				t.Errorf("fields %q, want %q", r.Fields.raw, tt.raw)
			}
			if !reflect.DeepEqual(r.Header, tt.header) {
				t.Errorf("header %q, want %q", r.Header, tt.header)
			}
		})
	}
}

// TestFieldsTrailer checks the trailer fields, and that they are recorded
// apart from the header.
func TestFieldsTrailer(t *testing.T) {
	var p Parser
	r := feed(t, &p, "GET", [][]byte{[]byte(ok200 + te + "X: h\r\n\r\n" + chunk5 + "0\r\nx-t: 1\r\n  2\r\nX-T: 3\r\n\r\n")}, false)
	if r.Fields.raw != "Transfer-Encoding:chunked\nX:h\n" || r.TFields.raw != "X-T:1 2\nX-T:3\n" {
		t.Errorf("fields %q, trailer %q", r.Fields.raw, r.TFields.raw)
	}
	if want := (http.Header{"X-T": {"1 2", "3"}}); !reflect.DeepEqual(r.Trailer, want) {
		t.Errorf("trailer %q, want %q", r.Trailer, want)
	}
}

// TestFieldsHeaderIsolated checks that changing a map from Header changes
// neither the Fields nor another map made from them.
func TestFieldsHeaderIsolated(t *testing.T) {
	f := Fields{raw: "A:1\nB:2\nA:3\n"}
	h := f.Header()
	h["B"][0] = "x"
	h["B"] = append(h["B"], "y")
	h.Add("A", "z")
	h.Set("C", "c")
	if f.Get("b") != "2" || f.Get("C") != "" {
		t.Errorf("Fields changed: %q", f.raw)
	}
	if want := (http.Header{"A": {"1", "3"}, "B": {"2"}}); !reflect.DeepEqual(f.Header(), want) {
		t.Errorf("second Header %q, want %q", f.Header(), want)
	}
	var zero Fields
	if zero.Get("A") != "" || zero.Len() != 0 || zero.Header() == nil || len(zero.Header()) != 0 {
		t.Errorf("zero Fields: %q", zero.Header())
	}
}

func TestParserValues(t *testing.T) {
	var p Parser
	p.Reset("GET")
	in := []byte("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nX-A: 1\r\ncontent-encoding: br, zstd\r\nContent-Length: 0\r\n\r\n")
	for {
		n, ev, err := p.Next(in)
		in = in[n:]
		if err != nil {
			t.Fatal(err)
		}
		if ev == EventResponse || ev == EventNeedMore {
			break
		}
	}
	got := p.Values("Content-Encoding")
	if len(got) != 2 || got[0] != "gzip" || got[1] != "br, zstd" {
		t.Fatalf("Values = %q", got)
	}
	if v := p.Values("X-Absent"); v != nil {
		t.Fatalf("Values of an absent field = %q", v)
	}
}
