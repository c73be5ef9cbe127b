package xfer

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/xfer-go/xfer/internal/http1"
)

// defaultConnectTimeout is libcurl's CURLOPT_CONNECTTIMEOUT default.
const defaultConnectTimeout = 300 * time.Second

// startTransfer resets e's transfer state and arms its first expiries: run now and the
// total timeout, measured from here, as the connect timeout will be (waitForConn).
func (m *Multi) startTransfer(e *Easy) {
	t := &e.x
	*t = transfer{e: e, parser: t.parser, h2: t.h2, msg: t.msg} // what they hold is reused
	if t.h2 != nil {
		t.h2.used = false
	}
	e.pause = PauseCont // a transfer starts afresh, unpaused
	t.node.t = t
	t.start = m.now()
	t.url = e.URL
	t.method = e.Method
	if t.method == "" {
		t.method = "GET"
		if e.Body != nil {
			t.method = "POST"
		}
	}
	if e.Body != nil {
		t.snapshotBody()
	}
	t.info.contentLength = -1
	m.expire(t, expRunNow, t.start)
	m.armSpeed(t)
	if e.Timeout > 0 {
		m.expire(t, expTotal, later(t.start, e.Timeout))
	}
	t.hopStart = t.start
}

// waitForConn prepares t to wait for a connection (for the resolver, a free slot, a
// connect, a handshake): its request head leaves the Multi's lent buffer, and its connect
// timeout starts, counted from the start of the hop. A transfer that takes an idle
// connection at once does neither.
func (m *Multi) waitForConn(t *transfer) {
	m.ownOut(t)
	if t.exp[expConnect] == 0 {
		m.expire(t, expConnect, later(t.hopStart, t.connectTimeout()))
	}
}

func (t *transfer) connectTimeout() time.Duration {
	if t.e.ConnectTimeout > 0 {
		return t.e.ConnectTimeout
	}
	return defaultConnectTimeout
}

// since returns the time from t's start to now.
func (m *Multi) since(t *transfer) time.Duration { return time.Duration(m.now() - t.start) }

// stepInit parses the URL, builds the request head and finds the host's addresses.
func (m *Multi) stepInit(t *transfer) bool {
	if !m.progress(t, false) { // the first call comes before any socket is opened
		return false
	}
	c, code, err := t.parsedURL()
	if err != nil {
		m.fail(t, code, err)
		return false
	}
	t.req = c
	if err := m.buildRequest(t, c); err != nil {
		code := ErrURLMalformat
		if err == errNoReplay {
			code = ErrSendError
		}
		m.fail(t, code, err)
		return false
	}
	m.startDial(t)
	if c.isLiteral {
		t.dial.addrs = c.literal[:]
		t.info.nameLookup = m.since(t)
		m.setState(t, stConnect)
		return true
	}
	if addrs, ok, err := m.lookupStatic(t); err != nil {
		m.fail(t, ErrURLMalformat, err)
		return false
	} else if ok {
		t.dial.addrs = addrs
		t.info.nameLookup = m.since(t)
		m.setState(t, stConnect)
		return true
	}
	m.waitForConn(t) // from the resolver on
	m.setState(t, stResolving)
	m.startLookup(t)
	return !t.done && t.state != stResolving
}

// buildRequest writes the request head into t.out, in a buffer the Multi lends, and
// prepares the body.
func (m *Multi) buildRequest(t *transfer, c *parsedURL) error {
	e := t.e
	method := t.method
	if t.h2 != nil {
		t.h2.used = false // a new request: a stream of its own, if any
	}
	var body io.Reader
	size := int64(0)
	if e.Body != nil && !t.dropBody {
		r, err := t.bodyReader()
		if err != nil {
			return err
		}
		body, size = r, t.replay.size
	}
	hdr := t.requestHeader(c)
	var wait, auto bool
	if body != nil {
		wait, auto = expects(hdr, size, t.noExpect)
	}
	req := http1.Request{
		Method:        method,
		Target:        c.reqTarget,
		Host:          c.hostHdr,
		Header:        hdr,
		ContentLength: size,
		Close:         e.ForbidReuse, // the server may free the connection at once
		Expect:        auto,          // in this head only: HTTP/2 builds its fields from hdr
	}
	if px := c.px; px != nil && !px.tunnel {
		req.Header = px.proxyHeader(req.Header, e.ProxyHeader) // an absolute-form request goes to the proxy
	}
	m.dropOut(t)
	out, err := http1.AppendRequestHead(m.takeHeadBuf(), &req)
	t.out, t.outHead = out, true
	if err != nil {
		m.dropOut(t)
		return err
	}
	t.body = nil
	m.clearExpire(t, expExpect100) // an earlier request's wait (one sent again) is over
	if body != nil {
		t.body = &bodyState{r: body, size: size, left: size, chunked: size < 0, expect: wait, await: wait}
	}
	t.h1ready = false // the parser is reset when the request goes out over HTTP/1.1
	t.info.uploaded = 0
	t.attempt++
	return nil
}

// requestHeader is the request's header fields beyond those the protocol writes itself:
// Easy.Header, without credentials once a redirect left the origin and without Expect
// once a 417 came, and Basic authorization from the URL's user and password unless the
// header sets Authorization.
func (t *transfer) requestHeader(c *parsedURL) http.Header {
	hdr, user := t.e.Header, c.user
	if t.stripCreds {
		hdr, user = withoutCredentials(hdr), nil
	}
	if t.noExpect && userField(hdr, "Expect") {
		hdr = withoutFields(hdr, "Expect")
	}
	if user != nil && !userField(hdr, "Authorization") {
		hdr = hdr.Clone()
		if hdr == nil {
			hdr = http.Header{}
		}
		pass, _ := user.Password()
		cred := base64.StdEncoding.EncodeToString([]byte(user.Username() + ":" + pass))
		hdr.Set("Authorization", "Basic "+cred)
	}
	return t.withJarCookies(t.withContentFields(hdr))
}

// bodySize is the request body's length, or -1 when it is unknown (sent chunked).
func bodySize(e *Easy) int64 {
	if e.BodySize > 0 {
		return e.BodySize
	}
	switch b := e.Body.(type) {
	case *bytes.Reader:
		return int64(b.Len())
	case *bytes.Buffer:
		return int64(b.Len())
	case *strings.Reader:
		return int64(b.Len())
	}
	return -1
}
