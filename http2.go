package xfer

import (
	"github.com/xfer-go/xfer/internal/http2"
)

// HTTPVersion is the HTTP version a transfer asks for (CURLOPT_HTTP_VERSION), numbered as
// libcurl's.
type HTTPVersion int

// The values of HTTPVersion.
const (
	HTTPVersionDefault         HTTPVersion = 0 // as HTTPVersion2TLS
	HTTPVersion11              HTTPVersion = 2 // HTTP/1.1 only; ALPN offers "http/1.1" alone
	HTTPVersion2TLS            HTTPVersion = 4 // https: ALPN offers "h2", "http/1.1" and the server picks; http: HTTP/1.1
	HTTPVersion2PriorKnowledge HTTPVersion = 5 // HTTP/2 only: the cleartext preface on http://, ALPN "h2" alone on https://
)

// maxRefusals is how many times a request that an HTTP/2 server refused or left
// unprocessed is sent again.
const maxRefusals = 5

// httpVersion is the version t asks for now: HTTP/1.1 once a server required it.
func (t *transfer) httpVersion() HTTPVersion {
	if t.forceH1 {
		return HTTPVersion11
	}
	return t.e.HTTPVersion
}

// alpn is what TLS offers for version.
func alpn(version HTTPVersion) []string {
	switch version {
	case HTTPVersion11:
		return []string{"http/1.1"}
	case HTTPVersion2PriorKnowledge:
		return []string{"h2"}
	}
	return []string{"h2", "http/1.1"}
}

// establish picks the protocol of t's new connection: HTTP/2 when the server chose "h2"
// by ALPN, or on cleartext with prior knowledge; HTTP/1.1 otherwise.
func (m *Multi) establish(t *transfer, c *conn) {
	h2 := false
	if c.tls != nil {
		h2 = c.tls.ConnectionState().NegotiatedProtocol == "h2"
	} else {
		h2 = t.httpVersion() == HTTPVersion2PriorKnowledge
	}
	if !h2 {
		c.proto = http1Proto{}
		m.endSetup(c)
		m.wakeWaiters(c.key) // transfers that waited for a multiplexed connection go their own way
		return
	}
	streams := m.opts.MaxConcurrentStreams
	if m.opts.DisableMultiplex {
		streams = 1
	}
	p := &http2Proto{c: c, cc: http2.NewClientConn(http2.Config{MaxConcurrentStreams: streams}), streams: map[uint32]*transfer{}}
	c.proto = p
	c.t = nil // a multiplexed connection belongs to its streams
	p.attach(c, t)
	// Others join once the server's SETTINGS said how many streams it takes; until then
	// the connection still counts as being set up, for PipeWait.
	m.shared[c.key] = append(m.shared[c.key], c)
}
