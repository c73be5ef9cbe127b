package main

import (
	"errors"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/examples/internal/batch"
)

// errInterrupted is the result of the transfers that an interrupt stopped or kept from
// starting.
var errInterrupted = errors.New("interrupted")

// The retry schedule: firstBackoff after the first failure, doubling up to maxBackoff; a
// Retry-After of up to maxRetryAfter is obeyed instead.
const (
	firstBackoff  = 250 * time.Millisecond
	maxBackoff    = 4 * time.Second
	maxRetryAfter = 10 * time.Second
)

// transfer is one URL: the Easy that fetches it, its attempts and its result. Everything
// in it belongs to the loop's goroutine.
type transfer struct {
	idx  int    // place in the input
	url  string // as given
	name string // what its body is saved as under -o, and its label
	e    *xfer.Easy

	tries   int       // attempts started
	first   time.Time // when the first attempt started
	got     int64     // body bytes of the current attempt
	total   int64     // the current attempt's Content-Length; -1: unknown
	running bool      // added to the Multi
	from    int64     // the offset the current attempt resumes from (-C -); 0: the whole body
	retryAt time.Time // backing off until then; zero when not

	done     bool // for good: the fields below are set
	err      error
	status   int
	size     int64         // body bytes written out (decoded, with -compressed)
	received int64         // body bytes received (coded)
	coding   string        // the Content-Encoding xfer decoded; "": none
	took     time.Duration // from the first attempt's start to the end
	h2       bool          // the last attempt went over HTTP/2
	connects int           // connections the last attempt opened

	sink sinkState // the output's state for this transfer
}

// downloader runs the transfers of one command line.
type downloader struct {
	cfg  *config
	m    *xfer.Multi
	out  output
	show reporter
	all  []*transfer

	queue    []*transfer // to start, in order; retries that are due go first
	waiting  []*transfer // backing off before a retry
	added    int         // in the Multi
	ended    int         // done for good
	failed   int
	bytes    int64 // body bytes received, over every attempt
	start    time.Time
	nextShow time.Time // when the progress display is next updated; zero: never

	interrupted bool
}

func newDownloader(cfg *config, out output) *downloader {
	d := &downloader{cfg: cfg, out: out, start: time.Now()}
	var names batch.Names
	var jar http.CookieJar
	if cfg.cookies {
		jar, _ = cookiejar.New(nil) // never fails without options
	}
	for i, u := range cfg.urls {
		t := &transfer{idx: i, url: u, name: names.For(u), total: -1}
		e := xfer.NewEasy(u)
		e.Timeout = cfg.timeout
		e.ConnectTimeout = cfg.connectTimeout
		e.FollowLocation = cfg.maxRedirs > 0
		e.MaxRedirs = cfg.maxRedirs
		e.FailOnError = cfg.fail
		e.TLSConfig = cfg.tls
		e.MaxFileSize = cfg.maxFileSize
		e.Jar = jar
		if cfg.compressed {
			e.AcceptEncoding = "*"
		}
		e.Proxy, e.NoProxy = cfg.proxy, cfg.noProxy
		if cfg.demoFrom >= 0 && i >= cfg.demoFrom && cfg.proxyEnv {
			// The demo server is on this machine: a proxy from the environment could
			// not reach it.
			e.NoProxy = "127.0.0.1"
		}
		if cfg.http11 {
			e.HTTPVersion = xfer.HTTPVersion11
		} else {
			e.PipeWait = true // transfers to one HTTP/2 server share its connection
		}
		e.Write = func(p []byte) (int, error) { return d.write(t, p) }
		e.Private = t
		t.e = e
		d.all = append(d.all, t)
	}
	d.queue = append(d.queue, d.all...)
	if s, ok := out.(*streamOutput); ok {
		s.all = d.all
	}
	return d
}

// write is every transfer's Write callback: it counts the bytes for the progress display
// and hands them to the output.
func (d *downloader) write(t *transfer, p []byte) (int, error) {
	if t.got == 0 {
		// The header is in: the length is known, or -1. It is the coded body's when the
		// body comes decoded, which says nothing of the decoded one.
		info := t.e.Info()
		t.total = info.ContentLength
		if decoded(t.e, info) != "" {
			t.total = -1
		}
	}
	n, err := d.out.write(t, p)
	t.got += int64(n)
	d.bytes += int64(n)
	return n, err
}

// fill starts queued transfers while fewer than -parallel are in the Multi. Add asks the
// loop for a timer of 0, so the transfers start at the next SocketAction.
func (d *downloader) fill() {
	for d.added < d.cfg.parallel && len(d.queue) > 0 {
		t := d.queue[0]
		d.queue = d.queue[1:]
		t.tries++
		if t.first.IsZero() {
			t.first = time.Now()
		}
		t.got, t.total = 0, -1
		from, err := d.out.start(t)
		if err != nil {
			d.finish(t, err)
			continue
		}
		t.from, t.e.ResumeFrom = from, from
		if err := d.m.Add(t.e); err != nil {
			d.finish(t, err)
			continue
		}
		t.running = true
		d.added++
		d.show.attempt(t)
		if d.nextShow.IsZero() && d.show.period() > 0 {
			d.nextShow = time.Now().Add(d.show.period())
		}
	}
}

// collect takes every finished transfer from the Multi's queue and removes it.
func (d *downloader) collect() {
	for {
		msg, _ := d.m.InfoRead()
		if msg == nil {
			return
		}
		t := msg.Easy.Private.(*transfer)
		d.m.Remove(t.e)
		t.running = false
		d.added--
		d.attemptEnded(t, msg.Err)
	}
}

// attemptEnded decides what becomes of t after an attempt: done, or tried again later.
func (d *downloader) attemptEnded(t *transfer, err error) {
	if err == nil {
		d.finish(t, d.out.end(t, true, true)) // a failure to keep the body is final
		return
	}
	info := t.e.Info()
	if t.tries > d.cfg.retries || !transient(err, info.Status) || !d.out.retryable(t) {
		d.out.end(t, false, true)
		d.finish(t, err)
		return
	}
	d.out.end(t, false, false)
	wait := backoff(t.tries, info.Status, info.Header.Get("Retry-After"))
	t.retryAt = time.Now().Add(wait)
	d.waiting = append(d.waiting, t)
	d.show.retry(t, err, wait)
}

// finish records t's result; t is done for good.
func (d *downloader) finish(t *transfer, err error) {
	info := t.e.Info()
	t.done, t.err = true, err
	t.status, t.size, t.received = info.Status, t.got, info.Downloaded
	t.coding = decoded(t.e, info)
	t.h2, t.connects = info.Proto == "HTTP/2.0", info.NumConnects
	if !t.first.IsZero() {
		t.took = time.Since(t.first)
	}
	d.ended++
	if err != nil {
		d.failed++
	}
	d.show.end(t)
}

// decoded returns the Content-Encoding of e's reply when xfer decodes it (it asked for
// codings, and the reply is not a part), else "".
func decoded(e *xfer.Easy, info xfer.Info) string {
	if e.AcceptEncoding == "" || info.Status == 206 {
		return ""
	}
	var codings []string
	for _, v := range info.Header.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				codings = append(codings, c)
			}
		}
	}
	return strings.Join(codings, ", ")
}

// transient reports whether a transfer that failed with err, after a reply with status
// (0: none), may succeed if tried again.
func transient(err error, status int) bool {
	var xe *xfer.Error
	if !errors.As(err, &xe) {
		return false
	}
	switch xe.Code {
	case xfer.ErrCouldntConnect, xfer.ErrOperationTimedOut, xfer.ErrRecvError,
		xfer.ErrSendError, xfer.ErrGotNothing, xfer.ErrPartialFile:
		return true
	case xfer.ErrHTTPReturnedError:
		return status >= 500 || status == 429
	}
	return false
}

// backoff is how long to wait before attempt tries+1, given the failed reply's status and
// Retry-After header (delay-seconds only; an HTTP date is ignored).
func backoff(tries, status int, retryAfter string) time.Duration {
	if status == 503 || status == 429 {
		if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, maxRetryAfter)
		}
	}
	wait := firstBackoff
	for i := 1; i < tries && wait < maxBackoff; i++ {
		wait *= 2
	}
	return min(wait, maxBackoff)
}

// untilDeadline returns how long the loop may wait for the sockets and the Multi's timer
// before a deadline of its own comes: a retry, or the next update of the progress
// display. -1: none.
func (d *downloader) untilDeadline(now time.Time) time.Duration {
	var next time.Time
	for _, t := range d.waiting {
		if next.IsZero() || t.retryAt.Before(next) {
			next = t.retryAt
		}
	}
	if !d.nextShow.IsZero() && (next.IsZero() || d.nextShow.Before(next)) {
		next = d.nextShow
	}
	if next.IsZero() {
		return -1
	}
	return max(next.Sub(now), 0)
}

// due runs the loop's deadlines that have passed: the retries go to the front of the
// queue (in the order of the input), and the progress display is updated.
func (d *downloader) due(now time.Time) {
	var retry []*transfer
	kept := d.waiting[:0]
	for _, t := range d.waiting {
		if now.Before(t.retryAt) {
			kept = append(kept, t)
			continue
		}
		t.retryAt = time.Time{}
		retry = append(retry, t)
	}
	clear(d.waiting[len(kept):])
	d.waiting = kept
	if len(retry) > 0 {
		slices.SortFunc(retry, func(a, b *transfer) int { return a.idx - b.idx })
		d.queue = append(retry, d.queue...)
	}
	if !d.nextShow.IsZero() && !now.Before(d.nextShow) {
		d.show.tick(now)
		d.nextShow = time.Time{}
		if d.ended < len(d.all) {
			d.nextShow = now.Add(d.show.period())
		}
	}
}

// interrupt stops the run: the running transfers are removed and their partial output
// dropped, and every transfer not done yet ends with errInterrupted.
func (d *downloader) interrupt() {
	d.interrupted = true
	for _, t := range d.all {
		if t.done {
			continue
		}
		if t.running {
			d.m.Remove(t.e)
			t.running = false
			d.added--
			d.out.end(t, false, true)
		}
		d.finish(t, errInterrupted)
	}
	d.queue, d.waiting = nil, nil
}
