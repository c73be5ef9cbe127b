package http1

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

// result is everything a Parser reported for one response.
type result struct {
	Lines     []string // raw header lines; trailer lines prefixed with "T:"
	Responses int      // EventResponse count
	Status    int
	Proto     string
	Header    http.Header // from Fields
	Fields    Fields
	CL        int64
	Chunked   bool
	Body      string
	Trailer   http.Header // from TrailerFields; nil when there were none
	TFields   Fields
	Done      bool
	KeepAlive bool
	Rest      int // bytes of input not consumed after EventDone
	Started   bool
	Err       error // sentinel only
}

var sentinels = []error{
	ErrWeirdReply, ErrHeaderTooLarge, ErrBadChunk, ErrBadContentLength,
	ErrNoResponse, ErrTruncatedHeader, ErrUnexpectedEOF, ErrInvalidRequest,
}

// sentinel returns the package error that err wraps.
func sentinel(err error) error {
	if err == nil {
		return nil
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// feed runs a fresh Parser over the pieces, then calls EOF if eof is set
// and the response is not complete. It checks the invariants that hold for
// every input: n within the input, EventNeedMore only with the input used
// up, body bytes within Content-Length.
func feed(t testing.TB, p *Parser, method string, pieces [][]byte, eof bool) result {
	p.Reset(method)
	var r result
	total := 0
	for _, pc := range pieces {
		total += len(pc)
	}
	consumed := 0
	var body strings.Builder
	finish := func() result {
		r.Body = body.String()
		r.Started = p.Started()
		if r.CL >= 0 && r.Chunked == false && r.Responses == 1 && !strings.EqualFold(method, "HEAD") && int64(len(r.Body)) > r.CL {
			t.Fatalf("body of %d bytes exceeds Content-Length %d", len(r.Body), r.CL)
		}
		return r
	}
	for _, in := range pieces {
		for guard := 0; ; guard++ {
			if guard > 1<<20 {
				t.Fatalf("Next makes no progress")
			}
			n, ev, err := p.Next(in)
			if n < 0 || n > len(in) {
				t.Fatalf("Next consumed %d of %d bytes", n, len(in))
			}
			in = in[n:]
			consumed += n
			if err != nil {
				if !strings.HasPrefix(err.Error(), "http1: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				r.Err = sentinel(err)
				return finish()
			}
			switch ev {
			case EventNeedMore:
				if len(in) != 0 {
					t.Fatalf("EventNeedMore with %d bytes left", len(in))
				}
			case EventHeaderLine:
				l := string(p.Line())
				if p.InTrailer() {
					l = "T:" + l
				}
				r.Lines = append(r.Lines, l)
			case EventResponse:
				r.Responses++
				r.Status, r.Proto = p.Status, p.Proto
				r.Fields, r.Header = p.Fields(), checkFields(t, p.Fields())
				r.CL, r.Chunked = p.ContentLength, p.Chunked
			case EventBody:
				if len(p.Body()) == 0 {
					t.Fatalf("empty EventBody")
				}
				body.Write(p.Body())
			case EventDone:
				r.Done, r.KeepAlive = true, p.KeepAlive()
				r.TFields, r.Trailer = trailer(t, p)
				r.Rest = total - consumed
				return finish()
			default:
				t.Fatalf("unknown event %v", ev)
			}
			if ev == EventNeedMore {
				break
			}
		}
	}
	if consumed != total {
		t.Fatalf("consumed %d of %d bytes without error or EventDone", consumed, total)
	}
	if eof {
		ev, err := p.EOF()
		switch {
		case err != nil:
			r.Err = sentinel(err)
		case ev == EventDone:
			r.Done, r.KeepAlive = true, p.KeepAlive()
			r.TFields, r.Trailer = trailer(t, p)
		default:
			t.Fatalf("EOF reported %v without error", ev)
		}
	}
	return finish()
}

// trailer returns p's trailer fields, and their map when there are any.
func trailer(t testing.TB, p *Parser) (Fields, http.Header) {
	f := p.TrailerFields()
	if f.Len() == 0 {
		return f, nil
	}
	return f, checkFields(t, f)
}

// checkFields returns f.Header(), after checking that it agrees with f.Get
// and f.Len, and that its keys are canonical.
func checkFields(t testing.TB, f Fields) http.Header {
	h := f.Header()
	if h == nil {
		t.Fatalf("Header() is nil")
	}
	if (len(h) == 0) != (f.Len() == 0) {
		t.Fatalf("Header() %q from %d bytes", h, f.Len())
	}
	for k, vs := range h {
		if k != textproto.CanonicalMIMEHeaderKey(k) {
			t.Fatalf("key %q is not canonical", k)
		}
		if len(vs) == 0 {
			t.Fatalf("key %q without values", k)
		}
		for _, name := range []string{k, strings.ToLower(k), strings.ToUpper(k)} {
			if got := f.Get(name); got != vs[0] {
				t.Fatalf("Get(%q) = %q, Header()[%q] = %q", name, got, k, vs)
			}
		}
	}
	if got := f.Get("X-Absent-Field"); got != "" && h["X-Absent-Field"] == nil {
		t.Fatalf("Get of an absent field = %q", got)
	}
	return h
}

// splits returns the ways every test input is fed: whole, split in two at
// every byte boundary, and one byte at a time.
func splits(in []byte) (names []string, ways [][][]byte) {
	names = append(names, "whole")
	ways = append(ways, [][]byte{in})
	for i := 0; i <= len(in); i++ {
		names = append(names, fmt.Sprintf("split@%d", i))
		ways = append(ways, [][]byte{in[:i], in[i:]})
	}
	var bytewise [][]byte
	for i := range in {
		bytewise = append(bytewise, in[i:i+1])
	}
	names = append(names, "bytewise")
	ways = append(ways, bytewise)
	return names, ways
}
