package xfer

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xfer-go/xfer/internal/decode"
)

// allCodings is the Accept-Encoding sent for AcceptEncoding "*": every coding the decoder
// knows.
const allCodings = "gzip, deflate, br, zstd"

// content is the stage between a response's body and Write, for a transfer whose body is
// not delivered as it came: decoded, or skipped. A transfer holds one only while such a
// body arrives; a plain body goes straight to Write.
type content struct {
	dec     *decode.Decoder // nil: the body is skipped
	decoded int64           // bytes Write took (or would have, with no Write)
	ended   bool            // the coded body is over (FeedEOF); what remains is output
}

// userField reports whether h has a field name, in any case, so that the application's
// value is sent instead of the one an option makes.
func userField(h http.Header, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// withoutFields returns a copy of h without the fields named, in any case: a key that
// the application wrote into the map itself need not be canonical.
func withoutFields(h http.Header, names ...string) http.Header {
	h = h.Clone()
	for k := range h {
		for _, name := range names {
			if strings.EqualFold(k, name) {
				delete(h, k)
				break
			}
		}
	}
	return h
}

// decodes reports whether t asks for codings it decodes: AcceptEncoding is set and the
// application did not write Accept-Encoding itself.
func (t *transfer) decodes() bool {
	return t.e.AcceptEncoding != "" && !userField(t.e.Header, "Accept-Encoding")
}

// resumes reports whether t asks for a range of the body (ResumeFrom).
func (t *transfer) resumes() bool {
	return t.e.ResumeFrom > 0 && (t.method == "GET" || t.method == "HEAD")
}

// withContentFields adds the fields that AcceptEncoding and ResumeFrom ask for to hdr,
// unless hdr sets them; hdr itself is not changed.
func (t *transfer) withContentFields(hdr http.Header) http.Header {
	ae := t.decodes()
	rng := t.resumes() && !userField(hdr, "Range")
	if !ae && !rng {
		return hdr
	}
	hdr = hdr.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	if ae {
		v := t.e.AcceptEncoding
		if v == "*" {
			v = allCodings
		}
		hdr["Accept-Encoding"] = []string{v}
	}
	if rng {
		hdr["Range"] = []string{"bytes=" + strconv.FormatInt(t.e.ResumeFrom, 10) + "-"}
	}
	return hdr
}

// responseValues returns the values of the final response's fields named name, whatever
// the protocol.
func (t *transfer) responseValues(name string) []string {
	if s := t.h2; s != nil && s.used {
		var vs []string
		for _, f := range s.fields {
			if strings.EqualFold(f.Name, name) {
				vs = append(vs, f.Value)
			}
		}
		return vs
	}
	if t.parser == nil {
		return nil
	}
	return t.parser.Values(name)
}

// replyHasBody reports whether the final response with status carries a body.
func (t *transfer) replyHasBody(status int) bool {
	return t.method != "HEAD" && status >= 200 && status != 204 && status != 304
}

// startContent decides, at a final response that is not a redirect to follow, how its body
// reaches Write: as it came, decoded, or not at all. It checks the resume (ResumeFrom) and
// the length (MaxFileSize) first. It returns false when t ended.
func (m *Multi) startContent(t *transfer, status int, length int64) bool {
	if t.resumes() && t.method == "GET" && status != 416 && !t.rangeGiven() {
		if length != t.e.ResumeFrom {
			m.fail(t, ErrRangeError, fmt.Errorf("xfer: the server sent no range from %d (status %d): it does not seem to support ranges, cannot resume", t.e.ResumeFrom, status))
			return false
		}
		// The body is as long as what the application has: it is downloaded already.
		m.finish(t, nil) // its body is not read: the connection is not reused
		return false
	}
	if !t.replyHasBody(status) {
		return true
	}
	if t.resumes() && status == 416 {
		// The offset is at or past the end: there is nothing more to get (curl's view).
		t.content = &content{}
		return true
	}
	if limit := t.e.MaxFileSize; limit > 0 && length > limit {
		m.fail(t, ErrFileSizeExceeded, fmt.Errorf("xfer: the body's length %d is more than MaxFileSize %d", length, limit))
		return false
	}
	if !t.decodes() || status == 206 {
		return true
	}
	codings, err := decode.Parse(t.responseValues("Content-Encoding"))
	if err != nil {
		m.fail(t, ErrBadContentEncoding, err)
		return false
	}
	if len(codings) > 0 {
		t.content = &content{dec: decode.NewDecoder(codings)}
	}
	return true
}

// rangeGiven reports whether the final response's Content-Range starts at ResumeFrom.
func (t *transfer) rangeGiven() bool {
	v := strings.TrimSpace(t.responseField("Content-Range"))
	// "bytes N-M/L"; curl also takes "bytes: N-" and "N-".
	if len(v) >= 5 && strings.EqualFold(v[:5], "bytes") {
		v = strings.TrimLeft(v[5:], " :=\t")
	}
	first, _, ok := strings.Cut(v, "-")
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(first, 10, 64)
	return err == nil && n == t.e.ResumeFrom
}

// endContent closes t's content stage, if any: its decoder stops, and no goroutine or
// buffer of it remains. Called when t ends, is removed, or starts another hop.
func (t *transfer) endContent() {
	if c := t.content; c != nil {
		if c.dec != nil {
			c.dec.Close()
		}
		t.content = nil
	}
}

// What pump stopped at.
type pumpResult uint8

const (
	pumpMore    pumpResult = iota // the decoder needs more input
	pumpStopped                   // t paused (what is left stays in the decoder) or ended
	pumpEOF                       // the decoded body ended, whole
)

// deliverContent hands the coded bytes body to t's content stage. Like deliver, it returns
// false when t failed, or paused before it took body (then body is held); it returns true
// when it took body, even if Write paused on its output (then t holds the rest in the
// decoder, and t.held is set so that the unpause drains it first).
func (m *Multi) deliverContent(t *transfer, body []byte) bool {
	c := t.content
	if c.dec == nil { // skipped
		t.info.downloaded += int64(len(body))
		return true
	}
	if r := m.pump(t); r != pumpMore { // output left from a pause goes first
		if !t.done {
			t.holdBody(body)
		}
		return false
	}
	t.info.downloaded += int64(len(body))
	c.dec.Feed(body)
	m.pump(t)
	return !t.done
}

// pump hands the decoder's output to Write until the decoder needs input, the decoded body
// ends, t pauses or t fails.
func (m *Multi) pump(t *transfer) pumpResult {
	c := t.content
	d := c.dec
	for {
		if t.e.pause&PauseRecv != 0 {
			d.Keep() // the fed bytes are in the shared read buffer
			if t.held == nil {
				t.held = new(heldBytes)
			}
			return pumpStopped
		}
		out, err := d.Output()
		switch {
		case err == io.EOF:
			return pumpEOF
		case err != nil:
			m.fail(t, ErrBadContentEncoding, err)
			return pumpStopped
		case len(out) == 0:
			return pumpMore
		}
		if limit := t.e.MaxFileSize; limit > 0 && c.decoded+int64(len(out)) > limit {
			m.fail(t, ErrFileSizeExceeded, fmt.Errorf("xfer: the decoded body is more than MaxFileSize %d", limit))
			return pumpStopped
		}
		if w := t.e.Write; w != nil {
			var n int
			err := m.callback(func() (err error) {
				n, err = w(out)
				return err
			})
			switch {
			case errors.Is(err, ErrPause):
				t.e.pause |= PauseRecv
				continue // out stays in the decoder, to be delivered again
			case err != nil:
				m.fail(t, ErrWriteError, err)
				return pumpStopped
			case n != len(out):
				m.fail(t, ErrWriteError, io.ErrShortWrite)
				return pumpStopped
			}
		}
		d.Consumed(len(out))
		c.decoded += int64(len(out))
	}
}

// endBody is told that t's coded body is complete. It returns true when t may finish now:
// nothing is decoding, or the decoded body was delivered whole. Otherwise t paused with
// decoded bytes left (drainContent finishes it after the unpause), or failed.
func (m *Multi) endBody(t *transfer) bool {
	c := t.content
	if c == nil || c.dec == nil {
		return true
	}
	c.ended = true
	c.dec.FeedEOF()
	return m.pump(t) == pumpEOF
}

// drainContent delivers what t's decoder kept while t was paused. It returns true when
// the decoder needs more input; false when t paused again or ended (a body that was
// complete finishes here).
func (m *Multi) drainContent(t *transfer) bool {
	c := t.content
	if c == nil || c.dec == nil {
		return true
	}
	switch m.pump(t) {
	case pumpMore: // never once the body ended: the decoder then reports its end
		return true
	case pumpStopped:
		return false
	}
	m.finish(t, nil)
	return false
}
