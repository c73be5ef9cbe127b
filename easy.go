package xfer

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/netip"
	"time"
)

// Easy is one transfer: a request and what to do with its reply. Set its fields, then add
// it to a Multi (or call Perform). While it is added its fields must not change; after it
// finished and was removed, it may be changed and added again, and runs afresh.
type Easy struct {
	URL    string
	Method string      // "": GET, or POST when Body != nil
	Header http.Header // extra request headers

	// Request body. Read must not block; it may return ErrPause. The size is BodySize when
	// > 0, the length of a *bytes.Reader, *bytes.Buffer or *strings.Reader, else unknown
	// (sent chunked).
	Body     io.Reader
	BodySize int64

	// Response body sink; nil discards. Returning ErrPause pauses receiving (the same bytes
	// are delivered again after unpause). A short count or other error ends the transfer
	// with ErrWriteError.
	Write func(p []byte) (int, error)
	// Every raw response header line as received, CRLF included: the status line, each field,
	// and the empty line that ends each header block, for every response (1xx, redirects),
	// and trailer lines after a chunked body. An error ends the transfer with ErrWriteError.
	HeaderLine func(line []byte) error
	// Called at least once a second while the transfer runs; an error aborts it with
	// ErrAbortedByCallback.
	Progress func(p Progress) error

	Timeout        time.Duration // the whole transfer; 0: none
	ConnectTimeout time.Duration // 0: 300 s
	LowSpeedLimit  int64         // bytes per second ...
	LowSpeedTime   time.Duration // ... for this long: ErrOperationTimedOut
	MaxRecvSpeed   int64         // bytes per second; 0: unlimited
	MaxSendSpeed   int64
	BufferSize     int // most bytes taken from the socket per read; 0: 64 KiB; 1024..1 MiB

	FollowLocation bool
	FailOnError    bool // status >= 400 ends with ErrHTTPReturnedError
	MaxRedirs      int  // 0: 30

	Resolve   []string    // "host:port:addr[,addr...]" entries, as curl's --resolve
	LocalAddr string      // numeric IP to bind before connecting
	TLSConfig *tls.Config // nil: system roots, verification on

	// HTTPVersion is the HTTP version to ask for (CURLOPT_HTTP_VERSION); the default
	// offers HTTP/2 to https servers by ALPN and speaks HTTP/1.1 to http ones.
	HTTPVersion HTTPVersion

	ForbidReuse  bool // close the connection after this transfer; the request says "Connection: close"
	FreshConnect bool // use a new connection, not one from the cache
	// PipeWait makes the transfer wait for a connection to the same origin that is being
	// set up and may multiplex (HTTP/2), rather than open another (CURLOPT_PIPEWAIT).
	PipeWait bool
	// HTTPProxyTunnel sends http:// URLs through an HTTP proxy with CONNECT as well.
	HTTPProxyTunnel bool

	idx int32 // its index in m.handles

	// Proxy is the proxy to go through, "scheme://[user:password@]host[:port]": http (port
	// 1080 unless given), https (443), socks4, socks4a, socks5, socks5h (1080). An http://
	// URL goes to an HTTP proxy as an absolute-form request, an https:// one (and an http://
	// one with HTTPProxyTunnel) through a CONNECT tunnel; socks4a and socks5h hand the host
	// name to the proxy. "": no proxy, unless MultiOptions.ProxyFromEnvironment.
	Proxy string
	// NoProxy lists the hosts that bypass the proxy, as curl reads NO_PROXY: a
	// comma-separated list of names (the name and its subdomains; a leading dot is
	// ignored), IP addresses and CIDR ranges; an entry with a port matches nothing; "*"
	// alone: every host. It replaces the environment's list.
	NoProxy string
	// ProxyHeader is sent to the proxy only: with CONNECT, or with an http:// request to an
	// HTTP proxy. Header never reaches the proxy in a CONNECT request.
	ProxyHeader http.Header
	// ProxyTLSConfig is for an https:// proxy; nil: system roots, verification on. TLS
	// sessions are never shared between the proxy and the origin.
	ProxyTLSConfig *tls.Config

	// AcceptEncoding is the Accept-Encoding to send (CURLOPT_ACCEPT_ENCODING): "" sends
	// none and decodes nothing; "*" asks for every coding xfer decodes ("gzip, deflate, br,
	// zstd"); any other value is sent as is. With it set, a reply in codings xfer knows
	// reaches Write decoded (stacked codings too, at most 5), and one in a coding it does
	// not know, or whose coded body is corrupt, ends with ErrBadContentEncoding. An
	// Accept-Encoding field in Header is sent instead, and then nothing is decoded; nor is
	// a 206 reply, a part of a coded representation. Info.Downloaded and Progress count the
	// body as received (coded), Info.ContentLength is the header's.
	AcceptEncoding string
	// MaxFileSize is the most body bytes (decoded) the transfer takes: a reply whose
	// Content-Length is larger fails before any body byte reaches Write, and one without
	// a length fails when its body grows past it, with ErrFileSizeExceeded. 0: no limit.
	MaxFileSize int64
	// ResumeFrom asks for the body from this offset on ("Range: bytes=N-", for GET and
	// HEAD), as curl -C does: a 206 reply whose Content-Range starts there is delivered
	// as is; a reply without it ends with ErrRangeError, unless its Content-Length is the
	// offset (the whole body is here already: the transfer ends well with no body); a 416
	// reply (the offset is past the end) ends well, its body discarded. 0: the whole body.
	ResumeFrom int64
	// Expect100Timeout is how long an HTTP/1.1 request whose body is over 1 MiB or of
	// unknown size waits for 100 Continue before it sends the body anyway: such a request
	// says "Expect: 100-continue" (CURLOPT_EXPECT_100_TIMEOUT_MS). A final reply that
	// comes first is the result and no body is sent; a 417 sends the request again, once,
	// without Expect. An Expect field in Header is sent instead (a wait then only for its
	// value 100-continue), and one with an empty value means none. HTTP/2 requests send no
	// Expect of their own. 0: 1 s.
	Expect100Timeout time.Duration
	// Jar holds the cookies (CURLOPT_COOKIEFILE, in net/http's way): it is asked for the
	// Cookie field of every request, redirects included (after a Cookie field of Header,
	// which a redirect that leaves the origin drops), and given the Set-Cookie fields of
	// every response but 1xx. Its methods are called from the loop, as callbacks are, and
	// must not block. nil: no cookies but Header's.
	Jar http.CookieJar

	Private any // for the application; never touched by the library

	m      *Multi // the Multi it is added to
	pause  PauseDir
	parsed *parsedURL // the URL as last parsed, reused while it is unchanged
	x      transfer
}

// NewEasy returns an Easy for a GET of url.
func NewEasy(url string) *Easy { return &Easy{URL: url} }

// PauseDir says which directions of a transfer are paused; it is passed to Easy.Pause.
type PauseDir int

// The values of PauseDir.
const (
	PauseCont PauseDir = 0 // nothing paused
	PauseRecv PauseDir = 1 // receiving paused
	PauseSend PauseDir = 4 // sending paused
	PauseAll  PauseDir = 5 // both paused
)

// Progress is what a transfer reports to its Progress callback.
type Progress struct {
	DownloadTotal, Downloaded, UploadTotal, Uploaded int64 // totals: -1 unknown
}

// Info describes a transfer: the final response and the connection it used, with timings.
type Info struct {
	Status        int
	Proto         string      // "HTTP/1.1"
	Header        http.Header // of the final response
	Trailer       http.Header
	EffectiveURL  string
	RedirectCount int
	NumConnects   int // connections this transfer opened (0 when it reused one)
	ConnectCode   int // the HTTP proxy's status in reply to CONNECT (CURLINFO_HTTP_CONNECTCODE); 0: none
	LocalAddr     netip.AddrPort
	RemoteAddr    netip.AddrPort // the proxy's address when the transfer went through a proxy
	Downloaded    int64          // body bytes
	Uploaded      int64
	ContentLength int64 // -1: unknown
	// TLS describes the TLS connection of an https transfer; nil for http.
	TLS *tls.ConnectionState
	// Time from the start to each point, as curl's CURLINFO_*_TIME.
	NameLookup, Connect, AppConnect, PreTransfer, StartTransfer, Total time.Duration
}

// Pause sets which directions of the transfer are paused (the new full state). A paused
// direction's socket interest is withdrawn. On unpause the bytes refused with ErrPause are
// delivered again first, and the loop is asked (timer 0) to run the transfer. Pause may be
// called from inside the transfer's callbacks. It has no effect on an Easy that is not
// added to a Multi: a transfer starts unpaused.
func (e *Easy) Pause(dir PauseDir) error {
	old := e.pause
	e.pause = dir & PauseAll
	m := e.m
	if m == nil || m.closed || e.x.done {
		return nil
	}
	m.pauseChanged(&e.x, old)
	if m.busy {
		return nil // announced when the running API call ends
	}
	m.busy = true
	return m.leave()
}

// Perform runs the transfer to its end and returns nil or an *Error. It drives the same
// engine as a Multi, with a private one and Poll; ctx ends it early, with an *Error that
// wraps ctx.Err(). The Easy must not be added to a Multi.
func (e *Easy) Perform(ctx context.Context) error {
	if e.m != nil {
		return ErrAddedAlready
	}
	m, err := NewMulti(MultiOptions{})
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Add(e); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { m.Wakeup() })
	defer stop()
	for {
		running, err := m.Perform()
		if err != nil {
			return err
		}
		if running == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			code := ErrAbortedByCallback
			if err == context.DeadlineExceeded {
				code = ErrOperationTimedOut
			}
			return newError(code, e.URL, err)
		}
		if _, err := m.Poll(time.Minute, nil); err != nil {
			return err
		}
	}
	msg, _ := m.InfoRead()
	if msg == nil {
		return nil
	}
	return msg.Err
}
