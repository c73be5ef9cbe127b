package http1

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// disagreements lists every input on which this parser and net/http's
// ReadResponse differ, with the clause that justifies this parser. Keys are
// parseTests names, or "FuzzParser/<file>" for the seed corpus.
var disagreements = map[string]string{
	// Accepted here, refused by net/http.
	"content-length list":           "RFC 9112 §6.3 rule 5: a list of identical valid values is processed as that value",
	"chunked uppercase hex and ext": "RFC 9112 §7.1.1: chunk-ext = *( BWS \";\" ... ): whitespace may precede the \";\"",
	"chunked trailer bare LF":       "RFC 9112 §2.2: a recipient MAY take a bare LF as the line terminator of fields (trailer lines are fields, §7.1.2)",
	"gzip then chunked":             "RFC 9112 §6.3 rule 4: chunked is the final coding, so the body is chunked; the other coding stays visible in Transfer-Encoding",
	"chunked not final":             "RFC 9112 §6.3 rule 4: chunked not final in a response: read until the server closes",
	"gzip only":                     "RFC 9112 §6.3 rule 4: a final coding other than chunked: read until the server closes (Content-Length ignored, §6.1)",
	"CONNECT 200":                   "RFC 9112 §6.3 rule 2 and RFC 9110 §9.3.6: a 2xx to CONNECT starts a tunnel, it has no body",

	// Refused here, accepted by net/http.
	"status below 100":   "RFC 9110 §15: all valid status codes are within 100 to 599",
	"status plus sign":   "RFC 9112 §4: status-code = 3DIGIT",
	"two spaces":         "RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]; splitting on runs of whitespace is only a MAY",
	"CR in status line":  "RFC 9112 §2.2: a bare CR MUST be treated as invalid (or replaced by SP)",
	"control in reason":  "RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )",
	"unrequested 101":    "RFC 9110 §15.2.2: 101 only answers an Upgrade request; DESIGN.md: an unrequested 101 is a weird reply",
	"space before colon": "RFC 9112 §5.1: no whitespace is allowed between field name and colon; such a message must be rejected (servers) or the field removed (proxies)",
	"header too large":   "RFC 9110 §5.4 / RFC 9112 §2.3: a recipient may bound the header section; DESIGN.md limit 100 KiB per block",
	"header many fields": "RFC 9110 §5.4: as above, 100 KiB per block",
	"too many interim":   "RFC 9110 §15.2: bounded like the header section; at most 100 interim responses",

	// Both accept, different values.
	"obs-fold empty value": "RFC 9110 §5.5 / RFC 9112 §5.1: OWS around the field value is not part of it; net/http keeps a trailing SP from a whitespace-only continuation",
}

// goResult is net/http's reading of a response, as its Transport would
// make it: interim 1xx responses other than 101 are skipped.
type goResult struct {
	ok      bool
	err     error
	status  int
	header  http.Header
	body    string
	trailer http.Header
}

func readWithNetHTTP(method string, in []byte) goResult {
	br := bufio.NewReader(bytes.NewReader(in))
	req := &http.Request{Method: method}
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return goResult{err: err}
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != 101 {
			continue
		}
		var body bytes.Buffer
		_, err = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if err != nil {
			return goResult{err: err}
		}
		return goResult{ok: true, status: resp.StatusCode, header: resp.Header, body: body.String(), trailer: resp.Trailer}
	}
}

// normalizeHeader removes what the two parsers place differently by design:
// net/http moves Transfer-Encoding and Trailer out of the header map and
// adds Cache-Control for Pragma: no-cache, and removes "Connection: close";
// keys without values are dropped.
func normalizeHeader(h http.Header, raw http.Header) http.Header {
	out := http.Header{}
	for k, vs := range h {
		if len(vs) == 0 || k == "Transfer-Encoding" || k == "Trailer" || k == "Connection" {
			continue
		}
		if k == "Cache-Control" && raw != nil && raw[k] == nil {
			continue
		}
		out[k] = vs
	}
	return out
}

// differ compares the two readings and describes the first difference.
func differ(ours result, theirs goResult) string {
	ourOK := ours.Err == nil && ours.Done
	switch {
	case ourOK && !theirs.ok:
		return "we accept, net/http rejects: " + theirs.err.Error()
	case !ourOK && theirs.ok:
		return "we reject (" + errString(ours.Err) + "), net/http accepts"
	case !ourOK:
		return ""
	case ours.Status != theirs.status:
		return "status " + strconv.Itoa(ours.Status) + " vs " + strconv.Itoa(theirs.status)
	case ours.Body != theirs.body:
		return "body " + strconv.Quote(ours.Body) + " vs " + strconv.Quote(theirs.body)
	}
	oh, th := normalizeHeader(ours.Header, nil), normalizeHeader(theirs.header, ours.Header)
	if !reflect.DeepEqual(oh, th) {
		return "header " + strconv.Quote(fmtHeader(oh)) + " vs " + strconv.Quote(fmtHeader(th))
	}
	ot, tt := normalizeHeader(ours.Trailer, nil), normalizeHeader(theirs.trailer, nil)
	if !reflect.DeepEqual(ot, tt) {
		return "trailer " + strconv.Quote(fmtHeader(ot)) + " vs " + strconv.Quote(fmtHeader(tt))
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "incomplete"
	}
	return err.Error()
}

func fmtHeader(h http.Header) string {
	return fmt.Sprintf("%q", map[string][]string(h))
}

// differentialInputs returns the parse table and the FuzzParser seed corpus
// as (name, method, input).
func differentialInputs(t *testing.T) (names, methods []string, inputs [][]byte) {
	for _, tt := range parseTests {
		m := tt.method
		if m == "" {
			m = "GET"
		}
		names, methods, inputs = append(names, tt.name), append(methods, m), append(inputs, []byte(tt.in))
	}
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParser", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		vals := readCorpusFile(t, file)
		m := "GET"
		if vals[2] == "true" {
			m = "HEAD"
		}
		names = append(names, "FuzzParser/"+filepath.Base(file))
		methods, inputs = append(methods, m), append(inputs, []byte(vals[0]))
	}
	return names, methods, inputs
}

// readCorpusFile reads a file in the "go test fuzz v1" format, returning
// each value as text: a []byte or string value unquoted, others verbatim.
func readCorpusFile(t *testing.T, file string) []string {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if lines[0] != "go test fuzz v1" {
		t.Fatalf("%s: not a fuzz corpus file", file)
	}
	var vals []string
	for _, l := range lines[1:] {
		typ, arg, ok := strings.Cut(l, "(")
		if !ok || !strings.HasSuffix(arg, ")") {
			t.Fatalf("%s: bad line %q", file, l)
		}
		arg = arg[:len(arg)-1]
		if typ == "[]byte" || typ == "string" {
			if arg, err = strconv.Unquote(arg); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
		}
		vals = append(vals, arg)
	}
	return vals
}

// TestDifferential compares this parser with net/http's ReadResponse on
// every table input and seed, with the connection closed after the input.
func TestDifferential(t *testing.T) {
	names, methods, inputs := differentialInputs(t)
	seen := map[string]bool{}
	for i, name := range names {
		var p Parser
		ours := feed(t, &p, methods[i], [][]byte{inputs[i]}, true)
		theirs := readWithNetHTTP(methods[i], inputs[i])
		d := differ(ours, theirs)
		why, listed := disagreements[name]
		seen[name] = true
		switch {
		case d != "" && !listed:
			t.Errorf("%s: unlisted disagreement: %s", name, d)
		case d == "" && listed:
			t.Errorf("%s: listed as a disagreement (%s) but the parsers agree", name, why)
		case d != "" && testing.Verbose():
			t.Logf("%s: %s — %s", name, d, why)
		}
	}
	for name := range disagreements {
		if !seen[name] {
			t.Errorf("disagreement %q names no input", name)
		}
	}
}
