package xferhttp

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// headState is where a transfer's header lines are.
type headState uint8

const (
	hsStatus  headState = iota // a status line comes next
	hsInfo                     // in the fields of a 1xx reply, which are skipped
	hsFinal                    // in the fields of the final response
	hsBody                     // the header is done; trailer lines may come
	hsTrailer                  // in the trailer
)

// headerLine is the Easy's HeaderLine: it collects the final response's header and hands
// the response to RoundTrip at its empty line, then collects the trailer. It runs on the
// loop.
func (r *request) headerLine(line []byte) error {
	empty := len(line) <= 2 && (len(line) == 0 || line[0] == '\r' || line[0] == '\n')
	switch r.hstate {
	case hsStatus:
		if r.hdr == nil {
			r.hdr = r.l.takeHdrBuf()
		}
		r.hdr = append(r.hdr[:0], line...)
		r.hstate = hsFinal
		if code := statusCode(line); code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
			r.hstate = hsInfo
		}
	case hsInfo:
		if empty {
			r.hstate = hsStatus
		}
	case hsFinal:
		if !empty {
			r.hdr = append(r.hdr, line...)
			return nil
		}
		r.hstate = hsBody
		resp := r.response()
		r.l.putHdrBuf(r.hdr)
		r.hdr = nil
		r.mu.Lock()
		r.resp = resp
		r.mu.Unlock()
		r.signal()
	case hsBody, hsTrailer:
		if !empty {
			if r.hstate == hsBody {
				r.hdr, r.hstate = r.l.takeHdrBuf(), hsTrailer
			}
			r.hdr = append(r.hdr, line...)
			return nil
		}
		if r.hstate == hsTrailer {
			r.trailer = parseFields(string(r.hdr))
			r.l.putHdrBuf(r.hdr)
			r.hdr = nil
		}
		r.hstate = hsBody
	}
	return nil
}

// statusCode reads the code of a status line, "HTTP/1.1 200 OK"; 0 if there is none.
func statusCode(line []byte) int {
	i := 0
	for i < len(line) && line[i] != ' ' {
		i++
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i+3 > len(line) {
		return 0
	}
	code := 0
	for _, c := range line[i : i+3] {
		if c < '0' || c > '9' {
			return 0
		}
		code = code*10 + int(c-'0')
	}
	return code
}

// response builds the *http.Response from the collected header, as net/http's Transport
// fills it in. It runs on the loop.
func (r *request) response() *http.Response {
	block := string(r.hdr) // one string: the status line and every field are cut from it
	statusLine, fields, _ := strings.Cut(block, "\n")
	statusLine = strings.TrimRight(statusLine, "\r")
	proto, status, _ := strings.Cut(statusLine, " ")
	status = strings.TrimLeft(status, " ")
	resp := &http.Response{
		Status:  status,
		Proto:   proto,
		Header:  parseFields(fields),
		Body:    r,
		Request: r.req,
	}
	resp.StatusCode, _ = strconv.Atoi(status[:min(3, len(status))])
	resp.ProtoMajor, resp.ProtoMinor, _ = http.ParseHTTPVersion(proto)
	if proto == "HTTP/2" { // the engine's status line for HTTP/2 has no reason phrase
		resp.Proto, resp.ProtoMajor, resp.ProtoMinor = "HTTP/2.0", 2, 0
		resp.Status = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	h := resp.Header
	chunked := false
	if te, ok := h["Transfer-Encoding"]; ok && len(te) > 0 && strings.EqualFold(strings.TrimSpace(te[len(te)-1]), "chunked") {
		chunked = true
		resp.TransferEncoding = []string{"chunked"}
		delete(h, "Transfer-Encoding")
	}
	resp.ContentLength = contentLength(resp, chunked)
	resp.Close = closes(resp)
	if chunked || resp.ProtoMajor == 2 {
		if vs, ok := h["Trailer"]; ok {
			resp.Trailer = http.Header{}
			for _, v := range vs {
				for k := range strings.SplitSeq(v, ",") {
					if k = textproto.TrimString(k); k != "" {
						resp.Trailer[http.CanonicalHeaderKey(k)] = nil
					}
				}
			}
			delete(h, "Trailer")
		}
	}
	if r.req.URL.Scheme == "https" {
		resp.TLS = r.e.Info().TLS
	}
	return resp
}

// contentLength is the body length net/http reports: -1 unknown, 0 for replies that have
// no body, the Content-Length field of a HEAD reply as given.
func contentLength(resp *http.Response, chunked bool) int64 {
	h := resp.Header
	cl := h["Content-Length"]
	if len(cl) > 1 { // equal repeated values (the parser refuses others) become one
		cl = cl[:1]
		h["Content-Length"] = cl
	}
	parsed := int64(-1)
	if len(cl) == 1 {
		if n, err := strconv.ParseInt(textproto.TrimString(cl[0]), 10, 64); err == nil && n >= 0 {
			parsed = n
		}
	}
	switch {
	case resp.Request.Method == http.MethodHead:
		return parsed
	case resp.StatusCode/100 == 1, resp.StatusCode == http.StatusNoContent, resp.StatusCode == http.StatusNotModified:
		return 0
	case chunked:
		delete(h, "Content-Length")
		return -1
	}
	return parsed
}

// closes reports whether the server will close the connection after the response. As
// net/http does, it drops a Connection field that says close.
func closes(resp *http.Response) bool {
	conn := resp.Header["Connection"]
	if hasToken(conn, "close") {
		delete(resp.Header, "Connection")
		return true
	}
	if resp.ProtoMajor == 1 && resp.ProtoMinor == 0 {
		return !hasToken(conn, "keep-alive")
	}
	return false
}

// hasToken reports whether a comma-separated field holds token, in any case.
func hasToken(vs []string, token string) bool {
	for _, v := range vs {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(textproto.TrimString(t), token) {
				return true
			}
		}
	}
	return false
}

// parseFields reads field lines, each ending in CRLF, into a header whose keys and values
// are substrings of block (keys are copied only when they are not canonical), with one
// backing array for the first value of every key, as net/textproto does.
func parseFields(block string) http.Header {
	n := strings.Count(block, "\n")
	h := make(http.Header, n)
	firsts := make([]string, n)
	var last []string // the values of the last field, for an obs-fold line
	for block != "" {
		line, rest, _ := strings.Cut(block, "\n")
		block = rest
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(last) > 0 {
			last[len(last)-1] += " " + textproto.TrimString(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name = textproto.CanonicalMIMEHeaderKey(name)
		value = textproto.TrimString(value)
		vs := h[name]
		if vs == nil {
			vs, firsts = firsts[:1:1], firsts[1:]
			vs[0] = value
		} else {
			vs = append(vs, value)
		}
		h[name] = vs
		last = vs
	}
	return h
}
