package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/xfer-go/xfer/examples/internal/demo"
)

// The programs are built and run as a user would: go build, then exec with URLs on
// standard input or in the arguments, against an httptest server on 127.0.0.1.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// perTransfer is the -timeout given to the programs; the stalled URL must hit it.
const perTransfer = 3 * time.Second

// content is what every body is cut from: the demo server's bodies.
var content = demo.Body(1 << 20)

// want is what a program must report for one URL.
type want struct {
	url    string
	status string // "200", "404", or the start of an error: "error: xfer: timeout was reached"
	body   []byte // the body received, whose length the result line reports
	file   string // name under -o, which holds body; "": none is written
}

// fixture is the server and the URLs a run fetches.
type fixture struct {
	ok      []want // 20 URLs that succeed, with bodies of 0 B to 1 MiB in three framings
	missing want   // a 404
	refused want   // a port nobody listens on
	stalled want   // a server that never answers
}

func (f *fixture) all() []want { return append(slices.Clone(f.ok), f.missing, f.refused, f.stalled) }

func newFixture(t *testing.T) *fixture {
	stop := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		close(stop)
		srv.Close()
	})
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, not on 127.0.0.1", srv.URL)
	}

	f := &fixture{}
	sizes := []int{5000, 0, 1, 2, 100, 1000, 1460, 4096, 8192, 16384,
		65535, 65536, 65537, 100000, 200000, 262144, 500000, 524288, 1000000, 1 << 20}
	for i, size := range sizes {
		body := content[:size]
		p, file := handleBody(mux, i, body)
		u := srv.URL + p
		if i > 0 {
			u += "?framing=" + demo.Framings[i%3]
		}
		f.ok = append(f.ok, want{url: u, status: "200", body: body, file: file})
	}

	rec := httptest.NewRecorder()
	http.NotFound(rec, httptest.NewRequest("GET", "/missing", nil))
	f.missing = want{url: srv.URL + "/missing", status: "404", body: rec.Body.Bytes(), file: "missing"}

	f.refused = want{url: refusedURL(t), status: "error: xfer: could not connect to server"}
	f.stalled = want{url: srv.URL + "/stall", status: "error: xfer: timeout was reached"}
	return f
}

// handleBody has mux serve body as the i-th body of a test, in the framing
// demo.Framings[i%3], and returns its path and the name it is saved under. The first three
// try the naming rules: "/" is saved as index.html, and a name taken already gets a counter.
func handleBody(mux *http.ServeMux, i int, body []byte) (p, file string) {
	switch i {
	case 0:
		p, file = "/", "index.html"
	case 1:
		p, file = "/a/data.bin", "data.bin"
	case 2:
		p, file = "/b/data.bin", "data-1.bin" // the same name again: a counter is added
	default:
		p = fmt.Sprintf("/f/%02d.bin", i)
		file = p[len("/f/"):]
	}
	framing := demo.Framings[i%3]
	mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != p { // "/" matches every path
			http.NotFound(w, r)
			return
		}
		demo.Reply(w, framing, body)
	})
	return p, file
}

// refusedURL returns a URL on a port that nobody listens on.
func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String() + "/refused.bin"
	ln.Close()
	return u
}

// raceEnabled reports whether this test was built with -race; the programs are then too.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// buildMu makes the tests build their programs one at a time: a -race build takes every
// CPU, and other packages' tests run meanwhile.
var buildMu sync.Mutex

// build compiles the program in dir (relative to examples/) and returns its path. A dir
// with a go.mod of its own (download) is built in its own module.
func build(t *testing.T, dir string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	sourcesOnce.Do(trackSources)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), dir)
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool, append(args, "./"+dir)...)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		cmd = exec.Command(goTool, append(args, ".")...)
		cmd.Dir = dir
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return bin
}

var sourcesOnce sync.Once

// trackSources looks at every source file of the repository (but the tests'), so that go
// test's result cache depends on them: the programs are built by go build, not linked into
// the test binary, and without this a cached success would outlive a change to the library
// or to an example.
func trackSources() {
	filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && p != ".." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "bench"):
			return filepath.SkipDir
		case d.IsDir():
			return nil
		}
		if n := d.Name(); n == "go.mod" || n == "go.sum" || strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			os.Stat(p)
		}
		return nil
	})
}

// run is one execution of a program.
type run struct {
	stdout, stderr string
	code           int // exit status
}

// execute runs bin and waits for it to exit on its own.
func execute(t *testing.T, bin string, stdin *os.File, input string, args ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	switch {
	case stdin != nil:
		cmd.Stdin = stdin
	case input != "":
		cmd.Stdin = strings.NewReader(input) // a pipe: read through the program's loop
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not exit within the limit; stderr:\n%s", filepath.Base(bin), args, stderr.String())
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

// checkExit fails t when r did not end with exit status code.
func checkExit(t *testing.T, r run, code int) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d; stderr:\n%s", r.code, code, r.stderr)
	}
}

// result is one line a program printed: <status-or-error> <bytes> <seconds> <url>.
type result struct {
	status string
	bytes  int
	secs   time.Duration
}

// results parses a program's standard output, one result a line, by URL.
func results(t *testing.T, out string) map[string][]result {
	t.Helper()
	m := map[string][]result{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			t.Errorf("malformed result line %q", sc.Text())
			continue
		}
		n := len(f)
		size, err1 := strconv.Atoi(f[n-3])
		secs, err2 := time.ParseDuration(f[n-2])
		if err1 != nil || err2 != nil || !strings.HasSuffix(f[n-2], "s") {
			t.Errorf("malformed result line %q", sc.Text())
			continue
		}
		m[f[n-1]] = append(m[f[n-1]], result{status: strings.Join(f[:n-3], " "), bytes: size, secs: secs})
	}
	return m
}

// check verifies that out has exactly one right result line for each of ws and no other.
func check(t *testing.T, out string, ws []want) {
	t.Helper()
	got := results(t, out)
	for _, w := range ws {
		rs := got[w.url]
		delete(got, w.url)
		if len(rs) != 1 {
			t.Errorf("%s: %d result lines, want 1", w.url, len(rs))
			continue
		}
		r := rs[0]
		if !strings.HasPrefix(r.status, w.status) || (!strings.HasPrefix(w.status, "error") && r.status != w.status) {
			t.Errorf("%s: status %q, want %q", w.url, r.status, w.status)
		}
		if r.bytes != len(w.body) {
			t.Errorf("%s: %d bytes, want %d", w.url, r.bytes, len(w.body))
		}
		if w.status == "error: xfer: timeout was reached" && r.secs < perTransfer {
			t.Errorf("%s: timed out after %v, before the limit of %v", w.url, r.secs, perTransfer)
		}
	}
	for u := range got {
		t.Errorf("result line for %s, which was not asked for", u)
	}
}

// checkSaved verifies that dir holds exactly the files of want, each with its body.
func checkSaved(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names, wantNames []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for name, body := range want {
		wantNames = append(wantNames, name)
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		if !bytes.Equal(b, body) {
			t.Errorf("%s: saved body differs from the one served (%d bytes, want %d)", name, len(b), len(body))
		}
	}
	slices.Sort(names)
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("files saved: %v\nwant: %v", names, wantNames)
	}
}

func urlLines(ws []want) string {
	var b strings.Builder
	b.WriteString("# URLs for the test\n\n")
	for _, w := range ws {
		b.WriteString(w.url + "\n")
	}
	return b.String()
}

func TestEpoll(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the epoll example is built for Linux only")
	}
	t.Parallel()
	testHiperfifo(t, "epoll")
}

func TestKqueue(t *testing.T) {
	if runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		t.Skip("the kqueue example is built for macOS and FreeBSD only")
	}
	t.Parallel()
	testHiperfifo(t, "kqueue")
}

// testHiperfifo runs the program in dir, epoll or kqueue: URLs on standard input, a trace
// of the callbacks with -v, and -demo.
func testHiperfifo(t *testing.T, dir string) {
	bin := build(t, dir)

	t.Run("stdin pipe with failures", func(t *testing.T) { testFailures(t, bin) })

	t.Run("stdin file, 404 is no failure", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		ws := append(slices.Clone(f.ok[:6]), f.missing)
		name := filepath.Join(t.TempDir(), "urls.txt")
		if err := os.WriteFile(name, []byte(urlLines(ws)), 0o644); err != nil {
			t.Fatal(err)
		}
		in, err := os.Open(name) // a regular file: read whole before the loop starts
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		r := execute(t, bin, in, "", "-v")
		check(t, r.stdout, ws)
		checkExit(t, r, 0)
		checkTrace(t, r.stderr)
	})

	t.Run("demo", func(t *testing.T) { testDemo(t, bin) })
}

func TestFdset(t *testing.T) {
	t.Parallel()
	bin := build(t, "fdset")

	t.Run("stdin pipe with failures", func(t *testing.T) { testFailures(t, bin, "-parallel", "8") })

	t.Run("arguments, 404 is no failure", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		ws := append(slices.Clone(f.ok[:6]), f.missing)
		var args []string
		for _, w := range ws {
			args = append(args, w.url)
		}
		r := execute(t, bin, nil, "", args...)
		check(t, r.stdout, ws)
		checkExit(t, r, 0)
	})

	t.Run("demo", func(t *testing.T) { testDemo(t, bin) })
}

// testFailures runs bin, with args, on the URLs of a fixture given on a pipe to its
// standard input, and checks the result lines, the files saved and the exit status 1 for
// the two transfers that fail.
func testFailures(t *testing.T, bin string, args ...string) {
	t.Parallel()
	f := newFixture(t)
	dir := t.TempDir()
	r := execute(t, bin, nil, urlLines(f.all()), append([]string{"-o", dir, "-timeout", perTransfer.String()}, args...)...)
	check(t, r.stdout, f.all())
	saved := map[string][]byte{}
	for _, w := range f.all() {
		if w.file != "" {
			saved[w.file] = w.body
		}
	}
	checkSaved(t, dir, saved)
	checkExit(t, r, 1)
}

// testDemo runs bin -demo and checks the run: 30 bodies, each as long as its name says,
// and exit 0.
func testDemo(t *testing.T, bin string) {
	t.Parallel()
	r := execute(t, bin, nil, "", "-demo")
	checkExit(t, r, 0)
	got := results(t, r.stdout)
	if len(got) != 30 {
		t.Errorf("%d URLs reported, want 30:\n%s", len(got), r.stdout)
	}
	for u, rs := range got {
		// The demo's URLs end in /NN-SIZE.bin.
		name := strings.TrimSuffix(u[strings.LastIndexByte(u, '/')+1:], ".bin")
		_, sizeText, _ := strings.Cut(name, "-")
		size, err := strconv.Atoi(sizeText)
		if err != nil {
			t.Errorf("unexpected demo URL %s", u)
			continue
		}
		if len(rs) != 1 || rs[0].status != "200" || rs[0].bytes != size {
			t.Errorf("%s: %+v, want one result, 200 with %d bytes", u, rs, size)
		}
	}
}

// checkTrace verifies the socket callbacks traced by epoll -v, lines such as
// "socket fd=8 PollIn (was PollOut)": never the same interest twice in a row for an fd, no
// PollRemove for an fd not watched, the sockData stored with Assign handed back with every
// later call for its fd and forgotten with PollRemove, and no fd left watched at the end.
func checkTrace(t *testing.T, trace string) {
	t.Helper()
	watched := map[string]string{}
	calls := 0
	for line := range strings.Lines(trace) {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != "socket" {
			continue
		}
		calls++
		fd, what := strings.TrimPrefix(f[1], "fd="), f[2]
		was := strings.TrimSuffix(strings.TrimPrefix(strings.Join(f[3:], " "), "("), ")")
		old, ok := watched[fd]
		switch {
		case !ok && was != "new":
			t.Errorf("fd %s, not watched, came with sockData: %q", fd, line)
		case ok && was != "was "+old:
			t.Errorf("fd %s, watched for %s, came with the wrong sockData: %q", fd, old, line)
		}
		switch {
		case what == "PollRemove" && !ok:
			t.Errorf("PollRemove for fd %s, which was not watched", fd)
		case what == "PollRemove":
			delete(watched, fd)
		case ok && old == what:
			t.Errorf("socket callback repeats %s for fd %s", what, fd)
		default:
			watched[fd] = what
		}
	}
	if calls == 0 {
		t.Errorf("no socket callback traced:\n%s", trace)
	}
	if len(watched) != 0 {
		t.Errorf("still watched when the program ended: %v", watched)
	}
}
