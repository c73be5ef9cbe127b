package examples_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xfer-go/xfer/examples/internal/demo"
)

// The downloader (examples/download, a module of its own so that its progress-bar
// dependency stays out of the library's) is built and run as a user would, against local
// servers.

// proxyVars are the variables that name a proxy or the hosts that bypass it.
var proxyVars = []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"}

// download runs the downloader bin with args, as execute does, in the test's environment
// without the proxy variables, which the downloader reads, plus env ("NAME=value").
func download(t *testing.T, bin string, env []string, args ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(proxyVars, name)
	})
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("download %v did not exit within the limit; stderr:\n%s", args, stderr.String())
	}
	r := run{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// row is one line of the downloader's final table.
type row struct {
	status string // "200", "404", "-"
	last   string // the speed, or "error: ..."; with " (N retries)" after a retry
}

func (r row) failed() bool { return strings.HasPrefix(r.last, "error: ") }

// table parses the downloader's final table: a header, a row per URL, a summary line.
func table(t *testing.T, out string) map[string]row {
	t.Helper()
	rows := map[string]row{}
	sc := bufio.NewScanner(strings.NewReader(out))
	inTable := false
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "URL" && strings.Contains(line, "SPEED / ERROR"):
			inTable = true
		case !inTable || len(f) == 0:
		case strings.Contains(line, "downloaded,") && strings.Contains(line, "failed;"):
			inTable = false
		case len(f) < 6:
			t.Errorf("malformed table row %q", line)
		default:
			// URL STATUS SIZE(2 fields) TIME LAST...
			if _, dup := rows[f[0]]; dup {
				t.Errorf("%s: two rows", f[0])
			}
			rows[f[0]] = row{status: f[1], last: strings.Join(f[5:], " ")}
		}
	}
	if len(rows) == 0 {
		t.Errorf("no table in the output:\n%s", out)
	}
	return rows
}

// checkPlain fails when out holds a control character other than a newline: with
// standard error not a terminal the downloader draws no bars.
func checkPlain(t *testing.T, name, out string) {
	t.Helper()
	for i, c := range []byte(out) {
		if (c < 0x20 && c != '\n') || c == 0x7f {
			t.Errorf("%s holds control character %#x at byte %d: %q", name, c, i, out[max(0, i-40):min(len(out), i+40)])
			return
		}
	}
}

// resetServer is a raw TCP server whose every reply announces a body of 100000 bytes,
// sends 30000, waits for them to arrive and closes the connection with SO_LINGER 0, which
// resets it.
func resetServer(t *testing.T) (url string, hits *atomic.Int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hits = new(atomic.Int32)
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			hits.Add(1)
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						break
					}
				}
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
				c.Write(content[:30000])
				time.Sleep(500 * time.Millisecond) // the client reads what was sent
				c.(*net.TCPConn).SetLinger(0)
			})
		}
	})
	return "http://" + ln.Addr().String() + "/reset.bin", hits
}

// counter counts the requests a handler got.
type counter struct{ n atomic.Int32 }

func (c *counter) hit() int { return int(c.n.Add(1)) }

func TestDownload(t *testing.T) {
	t.Parallel()
	bin := build(t, "download")

	t.Run("50 URLs, 3 failing", func(t *testing.T) {
		t.Parallel()
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)

		type good struct {
			url, file string
			body      []byte
		}
		var goods []good
		sizes := []int{0, 1, 2, 100, 1000, 1460, 4096, 8192, 65535, 65536, 65537, 100000, 262144, 524288, 1 << 20}
		for i := range 47 {
			size := sizes[i%len(sizes)]
			body := content[(i*7919)%1000 : (i*7919)%1000+min(size, len(content)-1000)]
			if i == 3 {
				// A redirect: saved under the name of the URL asked for.
				target := "/target/03.bin"
				mux.HandleFunc(target, func(w http.ResponseWriter, r *http.Request) { demo.Reply(w, demo.Framings[i%3], body) })
				p := "/redirect/03.bin"
				mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) })
				goods = append(goods, good{srv.URL + p, "03.bin", body})
				continue
			}
			p, file := handleBody(mux, i, body)
			goods = append(goods, good{srv.URL + p, file, body})
		}
		missing := srv.URL + "/missing.bin"
		refused := refusedURL(t)
		reset, resetHits := resetServer(t)

		var urls []string
		for i, g := range goods {
			urls = append(urls, g.url)
			switch i { // the failures among the others
			case 10:
				urls = append(urls, missing)
			case 20:
				urls = append(urls, refused)
			case 30:
				urls = append(urls, reset)
			}
		}
		if len(urls) != 50 {
			t.Fatalf("%d URLs, want 50", len(urls))
		}
		list := filepath.Join(t.TempDir(), "urls.txt")
		if err := os.WriteFile(list, []byte("# fifty URLs\n\n"+strings.Join(urls, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		r := download(t, bin, nil, "-i", list, "-o", dir, "-timeout", "30s", "-parallel", "8")

		checkExit(t, r, 1)
		checkPlain(t, "standard output", r.stdout)
		checkPlain(t, "standard error", r.stderr)

		rows := table(t, r.stdout)
		if len(rows) != 50 {
			t.Errorf("%d table rows, want 50:\n%s", len(rows), r.stdout)
		}
		wantFail := map[string]row{
			missing: {"404", "error: xfer: HTTP response code said error"},
			refused: {"-", "error: xfer: could not connect to server"},
			reset:   {"200", "error: xfer: failure when receiving data from the peer"},
		}
		for u, got := range rows {
			want, fail := wantFail[u]
			switch {
			case !fail && (got.failed() || got.status != "200"):
				t.Errorf("%s: %+v, want a success", u, got)
			case fail && (got.status != want.status || !strings.HasPrefix(got.last, want.last)):
				t.Errorf("%s: %+v, want %+v...", u, got, want)
			}
		}
		for _, u := range []string{refused, reset} { // transient: tried twice more
			if got := rows[u]; !strings.HasSuffix(got.last, "(2 retries)") {
				t.Errorf("%s: %q does not end in (2 retries)", u, got.last)
			}
			if !strings.Contains(r.stderr, "retry 2/2 in 500ms: "+u+": ") {
				t.Errorf("no second retry of %s in the progress lines:\n%s", u, r.stderr)
			}
		}
		if n := resetHits.Load(); n != 3 {
			t.Errorf("the resetting server got %d requests, want 3", n)
		}
		if strings.Contains(rows[missing].last, "retr") {
			t.Errorf("404 was retried: %q", rows[missing].last)
		}

		saved := map[string][]byte{}
		for _, g := range goods {
			saved[g.file] = g.body
		}
		checkSaved(t, dir, saved)
	})

	t.Run("retries", func(t *testing.T) {
		t.Parallel()
		var flaky, gone, down counter
		body := content[:70000]
		mux := http.NewServeMux()
		mux.HandleFunc("/flaky.bin", func(w http.ResponseWriter, r *http.Request) {
			if flaky.hit() <= 2 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Write(body)
		})
		mux.HandleFunc("/gone.bin", func(w http.ResponseWriter, r *http.Request) {
			gone.hit()
			http.NotFound(w, r)
		})
		mux.HandleFunc("/down.bin", func(w http.ResponseWriter, r *http.Request) {
			down.hit()
			http.Error(w, "down", http.StatusBadGateway)
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)

		dir := t.TempDir()
		r := download(t, bin, nil, "-retries", "2", "-o", dir,
			srv.URL+"/flaky.bin", srv.URL+"/gone.bin", srv.URL+"/down.bin")
		checkExit(t, r, 1)
		rows := table(t, r.stdout)
		if got := rows[srv.URL+"/flaky.bin"]; got.status != "200" || got.failed() || !strings.HasSuffix(got.last, "(2 retries)") {
			t.Errorf("flaky.bin: %+v, want 200 after 2 retries", got)
		}
		if got := rows[srv.URL+"/gone.bin"]; got.status != "404" || !got.failed() || strings.Contains(got.last, "retr") {
			t.Errorf("gone.bin: %+v, want a 404 error not retried", got)
		}
		if got := rows[srv.URL+"/down.bin"]; got.status != "502" || !got.failed() || !strings.HasSuffix(got.last, "(2 retries)") {
			t.Errorf("down.bin: %+v, want a 502 error after 2 retries", got)
		}
		if got, err := os.ReadFile(filepath.Join(dir, "flaky.bin")); err != nil || !bytes.Equal(got, body) {
			t.Errorf("flaky.bin saved %d bytes (%v), want the %d served", len(got), err, len(body))
		}
		for name, c := range map[string]*counter{"flaky": &flaky, "gone": &gone, "down": &down} {
			want := map[string]int{"flaky": 3, "gone": 1, "down": 3}[name]
			if n := int(c.n.Load()); n != want {
				t.Errorf("%s.bin: %d requests, want %d", name, n, want)
			}
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("%d files saved, want flaky.bin alone: %v", len(entries), entries)
		}
	})

	t.Run("-O - keeps the order", func(t *testing.T) {
		t.Parallel()
		// The first body comes late and the second is larger than what the downloader
		// holds in memory, so it is paused until the first is out.
		bodies := [][]byte{content[:100000], nil, content[:1], content[:0], content[5:65541], content[:300000]}
		big := make([]byte, 0, 6<<20)
		for len(big) < 6<<20 {
			big = append(big, content...)
		}
		bodies[1] = big
		mux := http.NewServeMux()
		var urls []string
		for i, b := range bodies {
			p := fmt.Sprintf("/%d.bin", i)
			mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
				if i == 0 {
					time.Sleep(500 * time.Millisecond)
				}
				demo.Reply(w, demo.Framings[i%3], b)
			})
			urls = append(urls, p)
		}
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		for i := range urls {
			urls[i] = srv.URL + urls[i]
		}
		r := download(t, bin, nil, append([]string{"-O", "-"}, urls...)...)
		checkExit(t, r, 0)
		if want := bytes.Join(bodies, nil); r.stdout != string(want) {
			t.Errorf("standard output: %d bytes, not the %d of the bodies in order", len(r.stdout), len(want))
		}
		if rows := table(t, r.stderr); len(rows) != len(urls) { // the table goes to standard error
			t.Errorf("%d table rows on standard error, want %d", len(rows), len(urls))
		}
	})

	t.Run("limits", func(t *testing.T) {
		t.Parallel()
		// Three servers count how many requests they serve at once, across all three
		// (parallel) and each (per host).
		var mu sync.Mutex
		active, most := 0, 0
		perHost := map[string]int{}
		mostPerHost := 0
		var urls []string
		for range 3 {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				active++
				perHost[r.Host]++
				most = max(most, active)
				mostPerHost = max(mostPerHost, perHost[r.Host])
				mu.Unlock()
				time.Sleep(100 * time.Millisecond)
				mu.Lock()
				active--
				perHost[r.Host]--
				mu.Unlock()
				w.Write([]byte("ok"))
			}))
			t.Cleanup(srv.Close)
			for i := range 6 {
				urls = append(urls, fmt.Sprintf("%s/%d.txt", srv.URL, i))
			}
		}
		for _, c := range []struct {
			args           []string
			most, mostHost int
		}{
			{[]string{"-per-host", "2"}, 6, 2},
			{[]string{"-parallel", "3"}, 3, 3},
		} {
			mu.Lock()
			most, mostPerHost = 0, 0
			mu.Unlock()
			args := append(slices.Clone(c.args), "-O", os.DevNull, "-progress", "none")
			r := download(t, bin, nil, append(args, urls...)...)
			if r.code != 0 {
				t.Errorf("%v: exit status %d, want 0; stderr:\n%s", c.args, r.code, r.stderr)
			}
			mu.Lock()
			if most != c.most || mostPerHost != c.mostHost {
				t.Errorf("%v: at most %d requests at once, %d to one server; want %d and %d",
					c.args, most, mostPerHost, c.most, c.mostHost)
			}
			mu.Unlock()
		}
	})

	t.Run("demo", func(t *testing.T) {
		t.Parallel()
		// The demo server is reached directly, whatever proxy the environment names.
		proxy := refusedURL(t)
		r := download(t, bin, []string{"http_proxy=" + proxy, "https_proxy=" + proxy}, "-demo")
		checkDownloadDemo(t, r)
		checkPlain(t, "standard output", r.stdout)
		checkPlain(t, "standard error", r.stderr)
		if !strings.Contains(r.stderr, "retry 1/2 in 250ms: ") {
			t.Errorf("the demo's flaky URL was not retried:\n%s", r.stderr)
		}
	})

	t.Run("demo with bars", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		r := download(t, bin, nil, "-progress", "bars", "-o", dir)
		checkDownloadDemo(t, r)
		if !strings.Contains(r.stderr, "\x1b[") || !strings.Contains(r.stderr, "51/51 done") {
			t.Errorf("no bars drawn on standard error:\n%q", r.stderr)
		}
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) != 51 {
			t.Errorf("%d files saved (%v), want 51", len(entries), err)
		}
	})

	t.Run("proxies", func(t *testing.T) {
		t.Parallel()
		// The proxy answers every request itself, with what it was asked for; the origin
		// says it was reached directly.
		var mu sync.Mutex
		var asked []string
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			asked = append(asked, r.RequestURI)
			mu.Unlock()
			fmt.Fprintf(w, "proxied %s\n", r.RequestURI)
		}))
		t.Cleanup(proxy.Close)
		origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "direct %s\n", r.RequestURI)
		}))
		t.Cleanup(origin.Close)
		hostPort := strings.TrimPrefix(proxy.URL, "http://")

		for i, c := range []struct {
			name    string
			env     []string
			args    []string
			proxied bool
		}{
			{"-x", nil, []string{"-x", proxy.URL}, true},
			{"-x with no scheme", nil, []string{"-x", hostPort}, true},
			{"-x and -noproxy", nil, []string{"-x", proxy.URL, "-noproxy", "localhost,127.0.0.1"}, false},
			{"-x and -noproxy CIDR", nil, []string{"-x", proxy.URL, "-noproxy", "127.0.0.0/8"}, false},
			{"-x and -noproxy elsewhere", nil, []string{"-x", proxy.URL, "-noproxy", "example.com"}, true},
			{"-x and NO_PROXY", []string{"NO_PROXY=127.0.0.1"}, []string{"-x", proxy.URL}, false},
			{"http_proxy", []string{"http_proxy=" + proxy.URL}, nil, true},
			{"HTTP_PROXY is not read", []string{"HTTP_PROXY=" + proxy.URL}, nil, false},
			{"all_proxy", []string{"all_proxy=" + proxy.URL}, nil, true},
			{"https_proxy is for https", []string{"https_proxy=" + proxy.URL}, nil, false},
			{"http_proxy and no_proxy", []string{"http_proxy=" + proxy.URL, "no_proxy=127.0.0.1"}, nil, false},
			{"http_proxy and -noproxy", []string{"http_proxy=" + proxy.URL}, []string{"-noproxy", "*"}, false},
			{"-noproxy \"\" replaces no_proxy", []string{"http_proxy=" + proxy.URL, "no_proxy=127.0.0.1"}, []string{"-noproxy", ""}, true},
			{"-x \"\" ignores http_proxy", []string{"http_proxy=" + proxy.URL}, []string{"-x", ""}, false},
		} {
			u := fmt.Sprintf("%s/%d.txt", origin.URL, i)
			mu.Lock()
			asked = nil
			mu.Unlock()
			r := download(t, bin, c.env, append(slices.Clone(c.args), "-O", "-", "-progress", "none", u)...)
			if r.code != 0 {
				t.Errorf("%s: exit status %d; stderr:\n%s", c.name, r.code, r.stderr)
				continue
			}
			want := fmt.Sprintf("direct /%d.txt\n", i)
			var wantAsked []string
			if c.proxied {
				want = "proxied " + u + "\n" // the absolute form
				wantAsked = []string{u}
			}
			mu.Lock()
			if r.stdout != want || !slices.Equal(asked, wantAsked) {
				t.Errorf("%s: body %q and the proxy asked for %q; want %q and %q", c.name, r.stdout, asked, want, wantAsked)
			}
			mu.Unlock()
		}
	})

	t.Run("-compressed", func(t *testing.T) {
		t.Parallel()
		// The server sends gzip to a client that accepts it, and says what was asked.
		body := content[:300000]
		var coded bytes.Buffer
		zw := gzip.NewWriter(&coded)
		zw.Write(body)
		zw.Close()
		var mu sync.Mutex
		accepted := map[string]string{}
		var corrupt counter
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			accepted[r.URL.Path] = r.Header.Get("Accept-Encoding")
			mu.Unlock()
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				w.Write(body)
				return
			}
			w.Header().Set("Content-Encoding", "gzip")
			if r.URL.Path == "/corrupt.txt" {
				corrupt.hit()
				w.Write(coded.Bytes()[:1000])
				w.Write(make([]byte, 1000)) // not gzip
				return
			}
			w.Write(coded.Bytes())
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)

		dir := t.TempDir()
		r := download(t, bin, nil, "-compressed", "-o", dir, srv.URL+"/a.txt", srv.URL+"/corrupt.txt")
		checkExit(t, r, 1)
		rows := table(t, r.stdout)
		want := fmt.Sprintf("(gzip, %s coded)", sizeText(coded.Len()))
		if got := rows[srv.URL+"/a.txt"]; got.failed() || !strings.HasSuffix(got.last, want) {
			t.Errorf("a.txt: %+v, want a success ending in %q", got, want)
		}
		if got := rows[srv.URL+"/corrupt.txt"]; !strings.HasPrefix(got.last, "error: xfer: unrecognized or bad HTTP Content or Transfer-Encoding") || strings.Contains(got.last, "retr") {
			t.Errorf("corrupt.txt: %+v, want a content-encoding error not retried", got)
		}
		if n := corrupt.n.Load(); n != 1 {
			t.Errorf("corrupt.txt: %d requests, want 1", n)
		}
		checkSaved(t, dir, map[string][]byte{"a.txt": body})
		mu.Lock()
		if ae := accepted["/a.txt"]; ae != "gzip, deflate, br, zstd" {
			t.Errorf("-compressed sent Accept-Encoding %q", ae)
		}
		mu.Unlock()

		// Without it, nothing is asked for and the body comes as it is.
		dir = t.TempDir()
		r = download(t, bin, nil, "-o", dir, srv.URL+"/b.txt")
		checkExit(t, r, 0)
		checkSaved(t, dir, map[string][]byte{"b.txt": body})
		mu.Lock()
		if ae, ok := accepted["/b.txt"]; !ok || ae != "" {
			t.Errorf("without -compressed, Accept-Encoding %q was sent (asked: %v)", ae, ok)
		}
		mu.Unlock()
	})

	t.Run("-max-filesize", func(t *testing.T) {
		t.Parallel()
		type file struct {
			framing string
			size    int
			fits    bool
			hits    counter
		}
		files := map[string]*file{
			"/fits.bin":         {framing: "length", size: 100 << 10, fits: true},
			"/over.bin":         {framing: "length", size: 100<<10 + 1},
			"/chunked-fits.bin": {framing: "chunked", size: 100 << 10, fits: true},
			"/chunked-over.bin": {framing: "chunked", size: 300000},
			"/close-over.bin":   {framing: "close", size: 300000},
		}
		mux := http.NewServeMux()
		var urls []string
		for p, f := range files {
			mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
				f.hits.hit()
				demo.Reply(w, f.framing, content[:f.size])
			})
		}
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		for p := range files {
			urls = append(urls, srv.URL+p)
		}
		slices.Sort(urls)

		dir := t.TempDir()
		r := download(t, bin, nil, append([]string{"-max-filesize", "100k", "-o", dir}, urls...)...)
		checkExit(t, r, 1)
		rows := table(t, r.stdout)
		saved := map[string][]byte{}
		for p, f := range files {
			got := rows[srv.URL+p]
			switch {
			case f.fits:
				if got.failed() {
					t.Errorf("%s: %+v, want a success", p, got)
				}
				saved[p[1:]] = content[:f.size]
			case !strings.HasPrefix(got.last, "error: xfer: maximum file size exceeded") || strings.Contains(got.last, "retr"):
				t.Errorf("%s: %+v, want the file size exceeded, not retried", p, got)
			}
			if n := f.hits.n.Load(); n != 1 {
				t.Errorf("%s: %d requests, want 1", p, n)
			}
		}
		checkSaved(t, dir, saved)
	})

	t.Run("cookies", func(t *testing.T) {
		t.Parallel()
		// /login sets a cookie and redirects to /files/, which wants it.
		body := content[:5000]
		mux := http.NewServeMux()
		mux.HandleFunc("/login/{name}", func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s-" + r.PathValue("name"), Path: "/"})
			http.Redirect(w, r, "/files/"+r.PathValue("name"), http.StatusFound)
		})
		mux.HandleFunc("/files/{name}", func(w http.ResponseWriter, r *http.Request) {
			if c, err := r.Cookie("session"); err != nil || c.Value != "s-"+r.PathValue("name") {
				http.Error(w, "no session", http.StatusForbidden)
				return
			}
			w.Write(body)
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		u := srv.URL + "/login/a.bin"

		dir := t.TempDir()
		r := download(t, bin, nil, "-o", dir, u)
		checkExit(t, r, 0)
		checkSaved(t, dir, map[string][]byte{"a.bin": body})

		r = download(t, bin, nil, "-cookies=false", "-O", os.DevNull, u)
		checkExit(t, r, 1)
		if got := table(t, r.stdout)[u]; got.status != "403" || !got.failed() {
			t.Errorf("-cookies=false: %+v, want a 403 error", got)
		}
	})

	t.Run("-C -", func(t *testing.T) {
		t.Parallel()
		body := content[:200000]
		var mu sync.Mutex
		ranges := map[string][]string{} // the Range of each request, by name
		var cut counter
		mux := http.NewServeMux()
		mux.HandleFunc("/{name}", func(w http.ResponseWriter, r *http.Request) {
			name := r.PathValue("name")
			mu.Lock()
			ranges[name] = append(ranges[name], r.Header.Get("Range"))
			mu.Unlock()
			switch {
			case name == "norange.bin": // the whole body, whatever was asked
				w.Write(body)
				return
			case name == "cut.bin" && cut.hit() == 1: // 30000 bytes, then the connection closes
				conn, bw, err := http.NewResponseController(w).Hijack()
				if err != nil {
					return
				}
				fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(body))
				bw.Write(body[:30000])
				bw.Flush()
				conn.Close()
				return
			}
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)

		dir := t.TempDir()
		junk := bytes.Repeat([]byte("x"), 1000)
		for name, b := range map[string][]byte{"part.bin": body[:70000], "whole.bin": body, "norange.bin": junk} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		names := []string{"part.bin", "whole.bin", "new.bin", "norange.bin", "cut.bin"}
		var urls []string
		for _, n := range names {
			urls = append(urls, srv.URL+"/"+n)
		}
		r := download(t, bin, nil, append([]string{"-C", "-", "-o", dir}, urls...)...)
		checkExit(t, r, 1)
		rows := table(t, r.stdout)
		for _, c := range []struct {
			name, status, last string
			ranges             []string
		}{
			{"part.bin", "206", "(resumed from 68.4 KiB)", []string{"bytes=70000-"}},
			{"whole.bin", "416", "complete already (195.3 KiB)", []string{"bytes=200000-"}},
			{"new.bin", "200", "/s", []string{""}},
			{"norange.bin", "200", "error: xfer: requested range was not delivered by the server", []string{"bytes=1000-"}},
			{"cut.bin", "206", "(resumed from 29.3 KiB) (1 retry)", []string{"", "bytes=30000-"}},
		} {
			got := rows[srv.URL+"/"+c.name]
			ok := got.status == c.status && strings.HasSuffix(got.last, c.last) && !got.failed()
			if strings.HasPrefix(c.last, "error: ") { // and not retried
				ok = got.status == c.status && strings.HasPrefix(got.last, c.last) && !strings.Contains(got.last, "retr")
			}
			if !ok {
				t.Errorf("%s: %+v, want status %s and %q", c.name, got, c.status, c.last)
			}
			mu.Lock()
			if !slices.Equal(ranges[c.name], c.ranges) {
				t.Errorf("%s: requests with Range %q, want %q", c.name, ranges[c.name], c.ranges)
			}
			mu.Unlock()
		}
		checkSaved(t, dir, map[string][]byte{
			"part.bin": body, "whole.bin": body, "new.bin": body, "cut.bin": body,
			"norange.bin": junk, // not overwritten
		})
	})

	t.Run("-C - and the demo server", func(t *testing.T) {
		t.Parallel()
		srv, err := demo.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		// The largest bodies, in each framing, and two slow ones left short of their end:
		// each file holds the start of its body.
		all := srv.URLs()
		urls := slices.Concat(all[len(all)-4:], srv.SlowURLs()[:2])
		dir := t.TempDir()
		want := map[string][]byte{}
		for i, u := range urls {
			name := path.Base(u)
			n, err := strconv.Atoi(strings.TrimSuffix(name[strings.LastIndexByte(name, '-')+1:], ".bin"))
			if err != nil {
				t.Fatalf("%s: no size in the name", u)
			}
			body := demo.Body(n)
			have := []int{1, 1000, 65536, 500000, n - 1000, n - 5000}[i]
			if err := os.WriteFile(filepath.Join(dir, name), body[:have], 0o644); err != nil {
				t.Fatal(err)
			}
			want[name] = body
		}
		r := download(t, bin, nil, append([]string{"-C", "-", "-o", dir}, urls...)...)
		checkExit(t, r, 0)
		for u, got := range table(t, r.stdout) {
			if got.status != "206" || !strings.Contains(got.last, "(resumed from ") {
				t.Errorf("%s: %+v, want a 206 resumed", u, got)
			}
		}
		checkSaved(t, dir, want)

		// Run again: every file is complete.
		r = download(t, bin, nil, append([]string{"-C", "-", "-o", dir}, urls...)...)
		checkExit(t, r, 0)
		for u, got := range table(t, r.stdout) {
			if got.status != "416" || !strings.HasPrefix(got.last, "complete already") {
				t.Errorf("%s, run again: %+v, want a 416, complete already", u, got)
			}
		}
		checkSaved(t, dir, want)
	})

	t.Run("usage", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"-o", "x", "-O", "y"}, {"-parallel", "0"}, {"-progress", "fancy"}, {"-retries", "-1"}, {"-x", "ftp://proxy"},
			{"-max-filesize", "-1"}, {"-max-filesize", "1kb"}, {"-max-filesize", "1T"}, {"-max-filesize", ""},
			{"-C", "100"}, {"-C", "-", "-O", "x"}, {"-C", "-", "-compressed"}, {"-C", "-", "-demo"},
		} {
			if r := download(t, bin, nil, args...); r.code != 2 {
				t.Errorf("%v: exit status %d, want 2", args, r.code)
			}
		}
	})
}

// sizeText is n as the downloader's table shows a size: "512 B", "1.5 KiB".
func sizeText(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, units := float64(n)/1024, "KMGTP"
	for v >= 1024 && len(units) > 1 {
		v, units = v/1024, units[1:]
	}
	return fmt.Sprintf("%.1f %ciB", v, units[0])
}

// checkDownloadDemo verifies a demo run: exit 0 and a table of 51 successes.
func checkDownloadDemo(t *testing.T, r run) {
	t.Helper()
	checkExit(t, r, 0)
	rows := table(t, r.stdout)
	if len(rows) != 51 {
		t.Errorf("%d table rows, want 51:\n%s", len(rows), r.stdout)
	}
	for u, got := range rows {
		if got.status != "200" || got.failed() {
			t.Errorf("%s: %+v, want a success", u, got)
		}
	}
	if !strings.Contains(r.stdout, "; 10 over HTTP/2 on 1 connection\n") {
		t.Errorf("the HTTPS files did not share one HTTP/2 connection:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "51 URLs: 51 downloaded, 0 failed;") {
		t.Errorf("no summary line:\n%s", r.stdout)
	}
}
