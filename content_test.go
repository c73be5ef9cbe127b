//go:build linux

package xfer

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/xfer-go/xfer/internal/testutil"
)

// encodeWith applies one content coding to b. "deflate" is zlib, "rawdeflate" is deflate
// without the zlib header (sent as "deflate", as some servers do).
func encodeWith(t testing.TB, coding string, b []byte) []byte {
	var buf bytes.Buffer
	var err error
	switch coding {
	case "gzip", "x-gzip":
		w := gzip.NewWriter(&buf)
		w.Write(b)
		err = w.Close()
	case "deflate":
		w := zlib.NewWriter(&buf)
		w.Write(b)
		err = w.Close()
	case "rawdeflate":
		w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
		w.Write(b)
		err = w.Close()
	case "br":
		w := brotli.NewWriter(&buf)
		w.Write(b)
		err = w.Close()
	case "zstd":
		w, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		buf.Write(w.EncodeAll(b, nil))
		err = w.Close()
	case "identity":
		buf.Write(b)
	default:
		t.Fatalf("no encoder for %q", coding)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// contentBody is a body for decoding tests: random bytes and repeated text, so that it
// compresses somewhat, and every coding meets both.
func contentBody(size int) []byte {
	b := make([]byte, 0, size)
	for i := 0; len(b) < size; i++ {
		if i%2 == 0 {
			b = append(b, bodyFor(min(1000, size-len(b)), i)...)
		} else {
			b = append(b, strings.Repeat("xfer decodes content ", 50)[:min(1000, size-len(b))]...)
		}
	}
	return b
}

// encodedHandler serves /enc?codings=a,b&size=N&framing=cl|chunked|close&piece=P: the
// body of size N coded with the codings in that order, written P bytes at a time with a
// flush after each. Content-Encoding names the codings ("rawdeflate" as "deflate").
func encodedHandler(t testing.TB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		size, _ := strconv.Atoi(q.Get("size"))
		piece, _ := strconv.Atoi(q.Get("piece"))
		if piece <= 0 {
			piece = 64 << 10
		}
		body := contentBody(size)
		var names []string
		if c := q.Get("codings"); c != "" {
			for c := range strings.SplitSeq(c, ",") {
				body = encodeWith(t, c, body)
				if c == "rawdeflate" {
					c = "deflate"
				}
				names = append(names, c)
			}
		}
		ce := strings.Join(names, ", ")
		var out interface {
			Write([]byte) (int, error)
		}
		var flush func()
		switch q.Get("framing") {
		case "close":
			conn, bw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nConnection: close\r\n\r\n", ce)
			out, flush = bw, func() { bw.Flush() }
		default:
			if ce != "" {
				w.Header().Set("Content-Encoding", ce)
			}
			if q.Get("framing") != "chunked" {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			}
			rc := http.NewResponseController(w)
			out, flush = w, func() { rc.Flush() }
		}
		for len(body) > 0 {
			n := min(piece, len(body))
			if _, err := out.Write(body[:n]); err != nil {
				return
			}
			flush()
			body = body[n:]
		}
	})
}

// codingCases are the Content-Encodings the decoding tests serve: each coding, the alias,
// raw deflate, and stacks.
var codingCases = []string{"gzip", "x-gzip", "deflate", "rawdeflate", "br", "zstd", "gzip,br", "zstd,deflate,gzip"}

// TestDecodeEveryCodingAndFraming gets bodies in every coding, with every framing, written
// by the server one byte or 64 KiB at a time, all at once on one Multi: each reaches Write
// byte for byte as it was before coding, and Info counts the coded bytes.
func TestDecodeEveryCodingAndFraming(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := httptest.NewServer(encodedHandler(t))
	t.Cleanup(srv.Close)
	l := newEpollLoop(t, MultiOptions{})
	type job struct {
		e    *Easy
		got  *[]byte
		size int
		name string
	}
	var jobs []job
	for _, codings := range codingCases {
		for _, framing := range []string{"cl", "chunked", "close"} {
			for _, piece := range []int{1, 64 << 10} {
				size := 300 << 10
				if piece == 1 {
					size = 3000
				}
				got := new([]byte)
				e := NewEasy(fmt.Sprintf("%s/enc?codings=%s&size=%d&framing=%s&piece=%d", srv.URL, codings, size, framing, piece))
				e.AcceptEncoding = "*"
				e.Write = collect(got)
				if err := l.m.Add(e); err != nil {
					t.Fatal(err)
				}
				jobs = append(jobs, job{e, got, size, fmt.Sprintf("%s/%s/%d", codings, framing, piece)})
			}
		}
	}
	l.run(len(jobs), 60*time.Second)
	for _, j := range jobs {
		if err := l.done[j.e]; err != nil {
			t.Errorf("%s: %v", j.name, err)
			continue
		}
		if !bytes.Equal(*j.got, contentBody(j.size)) {
			t.Errorf("%s: decoded body differs: %d bytes, want %d", j.name, len(*j.got), j.size)
		}
		info := j.e.Info()
		if info.Downloaded == int64(j.size) || info.Downloaded == 0 {
			t.Errorf("%s: Downloaded %d: not the coded size", j.name, info.Downloaded)
		}
		if strings.HasPrefix(j.name, "gzip/cl/") && info.ContentLength != info.Downloaded {
			t.Errorf("%s: ContentLength %d, Downloaded %d", j.name, info.ContentLength, info.Downloaded)
		}
	}
}

// TestDecodeHTTP2 gets coded bodies over HTTP/2, in large and one-byte DATA frames.
func TestDecodeHTTP2(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newH2Server(t, encodedHandler(t), nil)
	l := newEpollLoop(t, MultiOptions{})
	type job struct {
		e    *Easy
		w    *hashWriter
		size int
	}
	var jobs []job
	for _, codings := range codingCases {
		for _, piece := range []int{1, 64 << 10} {
			size := 500 << 10
			if piece == 1 {
				size = 2000
			}
			w := newHashWriter()
			e := NewEasy(fmt.Sprintf("%s/enc?codings=%s&size=%d&framing=chunked&piece=%d", srv.URL, codings, size, piece))
			e.TLSConfig = srv.cfg
			e.PipeWait = true
			e.AcceptEncoding = "gzip, deflate, br, zstd"
			e.Write = w.write
			l.m.Add(e)
			jobs = append(jobs, job{e, w, size})
		}
	}
	l.run(len(jobs), 60*time.Second)
	for _, j := range jobs {
		if err := l.done[j.e]; err != nil {
			t.Errorf("%s: %v", j.e.URL, err)
			continue
		}
		if j.e.Info().Proto != "HTTP/2.0" || !j.w.matches(contentBody(j.size)) {
			t.Errorf("%s: %s, decoded body differs (%d bytes)", j.e.URL, j.e.Info().Proto, j.w.n)
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// TestDecodePause pauses a decoded body from Write every third call and resumes it from
// the loop: what Write refused comes again, and the body is whole. Over HTTP/1.1 and
// HTTP/2.
func TestDecodePause(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2=%v", h2), func(t *testing.T) {
			testutil.CheckLeaks(t)
			var url string
			var cfg = (*h2Server)(nil)
			if h2 {
				cfg = newH2Server(t, encodedHandler(t), nil)
				url = cfg.URL
			} else {
				srv := httptest.NewServer(encodedHandler(t))
				t.Cleanup(srv.Close)
				url = srv.URL
			}
			const size = 1 << 20
			l := newEpollLoop(t, MultiOptions{})
			e := NewEasy(url + "/enc?codings=gzip,zstd&framing=chunked&size=" + strconv.Itoa(size))
			if cfg != nil {
				e.TLSConfig = cfg.cfg
			}
			e.AcceptEncoding = "*"
			e.BufferSize = 4096
			var got []byte
			calls, paused := 0, false
			e.Write = func(p []byte) (int, error) {
				if paused {
					t.Fatal("Write called while paused")
				}
				calls++
				if calls%3 == 0 {
					paused = true
					return 0, ErrPause
				}
				got = append(got, p...)
				return len(p), nil
			}
			l.m.Add(e)
			for l.ndone == 0 {
				l.step(100 * time.Millisecond)
				if paused {
					l.step(5 * time.Millisecond) // the server goes on sending meanwhile
					paused = false
					if err := e.Pause(PauseCont); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := l.done[e]; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, contentBody(size)) {
				t.Fatalf("decoded body after pauses differs: %d bytes", len(got))
			}
			if calls < 60 {
				t.Fatalf("only %d Write calls", calls)
			}
		})
	}
}

// TestDecodeRemoveWhilePaused removes transfers paused in the middle of a decoded body, and
// one that decodes still: their decoders stop (CheckLeaks sees no goroutine left).
func TestDecodeRemoveWhilePaused(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := httptest.NewServer(encodedHandler(t))
	t.Cleanup(srv.Close)
	l := newEpollLoop(t, MultiOptions{})
	var es []*Easy
	for i, c := range []string{"gzip", "br", "zstd", "deflate"} {
		e := NewEasy(srv.URL + "/enc?framing=chunked&size=2000000&codings=" + c)
		e.AcceptEncoding = "*"
		n := 0
		pauseAt := 2 + i
		e.Write = func(p []byte) (int, error) {
			if n++; n == pauseAt {
				return 0, ErrPause
			}
			return len(p), nil
		}
		l.m.Add(e)
		es = append(es, e)
	}
	for range 50 {
		l.step(10 * time.Millisecond)
	}
	for _, e := range es {
		if err := l.m.Remove(e); err != nil {
			t.Fatal(err)
		}
		if e.x.content != nil {
			t.Fatal("the content stage outlives Remove")
		}
	}
}

// TestDecodeErrors: an unknown coding, too many, a corrupt or truncated coded body end the
// transfer with ErrBadContentEncoding.
func TestDecodeErrors(t *testing.T) {
	testutil.CheckLeaks(t)
	gz := encodeWith(t, "gzip", contentBody(100000))
	six := contentBody(100)
	for range 6 {
		six = encodeWith(t, "gzip", six)
	}
	corrupt := bytes.Clone(gz)
	for i := 100; i < 200; i++ {
		corrupt[i] ^= 0x55
	}
	cases := map[string]struct {
		ce   string
		body []byte
	}{
		"unknown":   {"compress", gz},
		"param":     {"gzip;q=1", gz},
		"too-many":  {"gzip, gzip, gzip, gzip, gzip, gzip", six},
		"corrupt":   {"gzip", corrupt},
		"truncated": {"gzip", gz[:len(gz)-10]},
		"trailing":  {"gzip", append(bytes.Clone(gz), "garbage"...)},
		"not-br":    {"br", contentBody(1000)},
	}
	mux := http.NewServeMux()
	for name, c := range cases {
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", c.ce)
			w.Write(c.body)
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	l := newEpollLoop(t, MultiOptions{})
	es := map[string]*Easy{}
	for name := range cases {
		e := NewEasy(srv.URL + "/" + name)
		e.AcceptEncoding = "*"
		l.m.Add(e)
		es[name] = e
	}
	l.run(len(es), 10*time.Second)
	for name, e := range es {
		if err := l.done[e]; !errors.Is(err, ErrBadContentEncoding) {
			t.Errorf("%s: %v, want ErrBadContentEncoding", name, err)
		}
	}
}

// TestDecodeWhatIsAsked checks the request's Accept-Encoding and what is decoded: "*" asks
// for every coding; "" sends none and delivers the coded bytes; a user's Accept-Encoding
// header is sent as is and nothing is decoded; a HEAD, 204 or 304 reply with
// Content-Encoding has nothing to decode; a redirect's coded body is not decoded.
func TestDecodeWhatIsAsked(t *testing.T) {
	testutil.CheckLeaks(t)
	body := contentBody(5000)
	gz := encodeWith(t, "gzip", body)
	var asked lockedList
	mux := http.NewServeMux()
	mux.HandleFunc("/gz", func(w http.ResponseWriter, r *http.Request) {
		asked.add(r.Header.Get("Accept-Encoding"))
		w.Header().Set("Content-Encoding", "gzip")
		if r.Method != "HEAD" {
			w.Write(gz)
		}
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(code)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/gz")
		w.Header().Set("Content-Encoding", "br")
		w.WriteHeader(302)
		w.Write([]byte("not brotli at all"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	l := newEpollLoop(t, MultiOptions{})

	get := func(path, ae string, hdr http.Header, method string) ([]byte, *Easy) {
		t.Helper()
		var got []byte
		e := NewEasy(srv.URL + path)
		e.AcceptEncoding, e.Header, e.Method = ae, hdr, method
		e.FollowLocation = true
		e.Write = collect(&got)
		l.m.Add(e)
		l.run(l.ndone+1, 5*time.Second)
		if err := l.done[e]; err != nil {
			t.Fatalf("%s %q: %v", path, ae, err)
		}
		return got, e
	}
	if got, _ := get("/gz", "*", nil, ""); !bytes.Equal(got, body) || asked.last() != allCodings {
		t.Errorf(`"*": asked %q, body of %d bytes`, asked.last(), len(got))
	}
	if got, _ := get("/gz", "gzip", nil, ""); !bytes.Equal(got, body) || asked.last() != "gzip" {
		t.Errorf(`"gzip": asked %q, body of %d bytes`, asked.last(), len(got))
	}
	if got, _ := get("/gz", "", nil, ""); !bytes.Equal(got, gz) || asked.last() != "" {
		t.Errorf(`"": asked %q, body of %d bytes, want the coded bytes`, asked.last(), len(got))
	}
	if got, _ := get("/gz", "*", http.Header{"Accept-Encoding": {"gzip;q=0.5"}}, ""); !bytes.Equal(got, gz) || asked.last() != "gzip;q=0.5" {
		t.Errorf(`user header: asked %q, body of %d bytes, want the coded bytes`, asked.last(), len(got))
	}
	if got, e := get("/gz", "*", nil, "HEAD"); len(got) != 0 || e.Status() != 200 {
		t.Errorf("HEAD: %d bytes, status %d", len(got), e.Status())
	}
	for _, code := range []string{"204", "304"} {
		if got, e := get("/status/"+code, "*", nil, ""); len(got) != 0 || strconv.Itoa(e.Status()) != code {
			t.Errorf("%s: %d bytes, status %d", code, len(got), e.Status())
		}
	}
	if got, e := get("/redirect", "*", nil, ""); !bytes.Equal(got, body) || e.Info().RedirectCount != 1 {
		t.Errorf("redirect: %d bytes, %d redirects", len(got), e.Info().RedirectCount)
	}
}

// lockedList is a list of strings that a server's handlers add to.
type lockedList struct {
	mu sync.Mutex
	l  []string
}

func (l *lockedList) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.l = append(l.l, s)
}

func (l *lockedList) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.l) == 0 {
		return ""
	}
	return l.l[len(l.l)-1]
}

// gzipBomb is 64 MiB of zeros, gzipped (about 64 KiB).
func gzipBomb(t testing.TB) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 {
		w.Write(zeros)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMaxFileSize: a Content-Length above the limit fails before any body byte reaches
// Write; a body without a length fails as it grows past it; a 64 MiB gzip bomb stops at
// the limit with little memory.
func TestMaxFileSize(t *testing.T) {
	testutil.CheckLeaks(t)
	bomb := gzipBomb(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	srv := httptest.NewServer(mux)
	mux.Handle("/", testHandler())
	t.Cleanup(srv.Close)
	l := newEpollLoop(t, MultiOptions{})
	run := func(path string, limit int64) (int, error) {
		t.Helper()
		e := NewEasy(srv.URL + path)
		e.MaxFileSize = limit
		e.AcceptEncoding = "*"
		n := 0
		e.Write = func(p []byte) (int, error) { n += len(p); return len(p), nil }
		l.m.Add(e)
		l.run(l.ndone+1, 10*time.Second)
		return n, l.done[e]
	}
	if n, err := run("/body?size=100000&seed=1", 99999); !errors.Is(err, ErrFileSizeExceeded) || n != 0 {
		t.Errorf("Content-Length over the limit: %v, %d bytes written", err, n)
	}
	if n, err := run("/body?size=100000&seed=1", 100000); err != nil || n != 100000 {
		t.Errorf("Content-Length at the limit: %v, %d bytes written", err, n)
	}
	if n, err := run("/body?size=100000&seed=1&framing=chunked", 50000); !errors.Is(err, ErrFileSizeExceeded) || n > 50000 {
		t.Errorf("chunked body over the limit: %v, %d bytes written", err, n)
	}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n, err := run("/bomb", 8<<20)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrFileSizeExceeded) || n > 8<<20 {
		t.Errorf("gzip bomb: %v, %d bytes written", err, n)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("decoding the bomb allocated %d bytes", grew)
	}
	// Without a limit the 64 MiB stream through, a chunk at a time.
	runtime.ReadMemStats(&before)
	n, err = run("/bomb", 0)
	runtime.ReadMemStats(&after)
	if err != nil || n != 64<<20 {
		t.Errorf("gzip bomb without a limit: %v, %d bytes written", err, n)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("decoding the bomb allocated %d bytes", grew)
	}
}

// TestDecodeManyTransfers runs 200 decoding transfers at once.
func TestDecodeManyTransfers(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := httptest.NewServer(encodedHandler(t))
	t.Cleanup(srv.Close)
	l := newEpollLoop(t, MultiOptions{})
	var es []*Easy
	var ws []*hashWriter
	for i := range 200 {
		w := newHashWriter()
		e := NewEasy(fmt.Sprintf("%s/enc?framing=chunked&size=%d&codings=%s", srv.URL, 20000+i, codingCases[i%len(codingCases)]))
		e.AcceptEncoding = "*"
		e.Write = w.write
		l.m.Add(e)
		es, ws = append(es, e), append(ws, w)
	}
	l.run(len(es), 60*time.Second)
	for i, e := range es {
		if err := l.done[e]; err != nil || !ws[i].matches(contentBody(20000+i)) {
			t.Fatalf("%s: %v, %d bytes", e.URL, err, ws[i].n)
		}
	}
}

// TestDecodeLikeCurl compares the decoded bodies with curl --compressed's on the same
// server.
func TestDecodeLikeCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	testutil.CheckLeaks(t)
	srv := httptest.NewServer(encodedHandler(t))
	t.Cleanup(srv.Close)
	l := newEpollLoop(t, MultiOptions{})
	for _, codings := range codingCases {
		url := srv.URL + "/enc?framing=chunked&size=100000&codings=" + codings
		want, err := exec.Command(curl, "-sS", "--compressed", url).Output()
		if err != nil {
			t.Fatalf("curl %s: %v", codings, err)
		}
		var got []byte
		e := NewEasy(url)
		e.AcceptEncoding = "*"
		e.Write = collect(&got)
		l.m.Add(e)
		l.run(l.ndone+1, 10*time.Second)
		if err := l.done[e]; err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v, %d bytes, curl %d", codings, err, len(got), len(want))
		}
	}
}

// TestResumeFrom asks for a body from an offset: a 206 delivers the rest; a server that
// ignores the range (200) ends the transfer with ErrRangeError, unless its body is as long
// as the offset; a 416 (the offset past the end) ends well, as with curl -C.
func TestResumeFrom(t *testing.T) {
	testutil.CheckLeaks(t)
	body := contentBody(10000)
	var ranges lockedList
	mux := http.NewServeMux()
	mux.HandleFunc("/ranges", func(w http.ResponseWriter, r *http.Request) {
		ranges.add(r.Header.Get("Range"))
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(body))
	})
	mux.HandleFunc("/whole", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	l := newEpollLoop(t, MultiOptions{})
	run := func(path string, from int64, failOnError bool) ([]byte, *Easy, error) {
		t.Helper()
		var got []byte
		e := NewEasy(srv.URL + path)
		e.ResumeFrom = from
		e.FailOnError = failOnError
		e.Write = collect(&got)
		l.m.Add(e)
		l.run(l.ndone+1, 5*time.Second)
		return got, e, l.done[e]
	}
	if got, e, err := run("/ranges", 4000, false); err != nil || e.Status() != 206 || !bytes.Equal(got, body[4000:]) || ranges.last() != "bytes=4000-" {
		t.Errorf("206: %v, status %d, %d bytes, Range %q", err, e.Status(), len(got), ranges.last())
	}
	if _, e, err := run("/whole", 4000, false); !errors.Is(err, ErrRangeError) || e.Status() != 200 {
		t.Errorf("200: %v, status %d, want ErrRangeError", err, e.Status())
	}
	if got, e, err := run("/whole", 10000, false); err != nil || e.Status() != 200 || len(got) != 0 {
		t.Errorf("200 as long as the offset: %v, status %d, %d bytes", err, e.Status(), len(got))
	}
	for _, fail := range []bool{false, true} {
		if got, e, err := run("/ranges", 20000, fail); err != nil || e.Status() != 416 || len(got) != 0 {
			t.Errorf("416 (FailOnError %v): %v, status %d, %d bytes", fail, err, e.Status(), len(got))
		}
	}
	// curl -C agrees: 206 and 416 succeed, 200 is error 33.
	curl, err := exec.LookPath("curl")
	if err != nil {
		return
	}
	for _, c := range []struct {
		path string
		from int
		code int
	}{{"/ranges", 4000, 0}, {"/whole", 4000, 33}, {"/ranges", 20000, 0}} {
		cmd := exec.Command(curl, "-sS", "-o", "/dev/null", "-C", strconv.Itoa(c.from), srv.URL+c.path)
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != c.code {
			t.Errorf("curl -C %d %s: exit %d, want %d", c.from, c.path, code, c.code)
		}
	}
}
