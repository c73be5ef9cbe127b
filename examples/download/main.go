// Download fetches many URLs in parallel, every transfer driven by one xfer.Multi from the
// program's own event loop: epoll on Linux (loop_linux.go), Multi.Poll elsewhere
// (loop_other.go). No goroutine runs a transfer; the progress bars are drawn by the
// goroutines of github.com/vbauerster/mpb, fed from the loop.
//
// Usage:
//
//	download [flags] URL...
//	download [flags] -i FILE
//	download [flags] -demo
//
// URLs come from the arguments and from -i FILE, one a line (blank lines and lines
// starting with # are skipped; "-" reads standard input). With no URL at all, or with
// -demo, the program starts a local HTTP server on 127.0.0.1 with 51 files of 0 B to 8 MiB,
// some of them sent slowly, one behind a 503 that a retry gets past, and downloads those,
// so it runs on a machine with no network:
//
//	go -C examples/download run . -demo
//
// Output. Each body is saved in the directory of -o (default: the current one) under the
// last element of its URL's path, or index.html, made unique within the run ("a.bin",
// "a-1.bin"...). It is written to NAME.part and renamed when the transfer succeeds, so a
// failed transfer leaves no file behind (but see -C -, below). -O FILE writes all the bodies instead to FILE
// ("-": standard output), one after another in the order of the URLs: the transfers still
// run in parallel, the first one's body goes straight out, later ones are held in memory
// (up to 4 MiB each, then paused with xfer.ErrPause) until their turn. With -demo and
// neither flag, bodies are discarded.
//
// Resuming. With -C -, as curl's, each body is appended to its file NAME itself, with no
// .part, from the file's size: the request asks for the rest (Range: bytes=SIZE-), and
// what a failed or interrupted transfer got stays in the file, for a retry or a later
// run with -C - to go on from. A reply of 416 (nothing is left after SIZE) means the
// file is complete: the transfer succeeds. A server that sends the whole body instead
// of the rest fails the transfer (xfer.ErrRangeError), and the file is left as it was.
// The table gives the offset ("resumed from 1.0 MiB"), or "complete already". -C - goes
// with files only: not with -O, nor with -compressed (a range counts the coded bytes, a
// file holds decoded ones). The demo server honours ranges: -demo -o DIR -C - goes on
// from what an earlier run left in DIR.
//
// With -compressed the requests ask for every coding xfer decodes (Accept-Encoding: gzip,
// deflate, br, zstd), as curl's --compressed does, and the bodies are saved decoded; a
// coded body that is corrupt, or in a coding xfer does not know, is a failure. The sizes
// and speeds shown are those of the decoded bodies; the table gives the coded size too.
//
// Transfers. At most -parallel transfers run at once (default 16), and at most -per-host
// of them (default: no limit) to one host and port, which is the Multi's
// MaxHostConnections: the excess wait in the Multi without a socket. Redirects are
// followed (-max-redirs, default 30; 0 turns following off). With -fail (the default) a
// status of 400 or more is a failure and its body is not saved; -fail=false saves it as
// any other body. -timeout limits each attempt of a transfer as a whole, -connect-timeout
// its connect (default 300 s).
//
// -max-filesize SIZE fails a transfer whose body is larger than SIZE bytes (K, M and G
// suffixes: KiB, MiB, GiB), as curl's --max-filesize does: before the body when its
// length is announced, else as soon as it grows past SIZE (with -compressed, the decoded
// body counts). Such a failure is not retried.
//
// Proxies. -x URL sends every transfer through a proxy, as curl's -x does:
// [scheme://][user:password@]host[:port], where scheme is http (the default; port 1080),
// https, socks4, socks4a, socks5 or socks5h. An http URL goes to an HTTP proxy as an
// absolute-form request, an https one through a CONNECT tunnel. Without -x the proxy
// comes from the environment, read as curl reads it: http_proxy (lower case only) for
// http URLs, https_proxy or HTTPS_PROXY for https ones, else all_proxy or ALL_PROXY;
// -x "" uses no proxy at all. The hosts of -noproxy LIST are reached directly: a
// comma-separated list of names (each with its subdomains), IP addresses and CIDR ranges,
// or * for every host. Without -noproxy, no_proxy or NO_PROXY is that list, for the proxy
// of -x too. The demo server's URLs never go through a proxy of the environment.
//
// Cookies. The transfers share a cookie jar in memory (net/http/cookiejar): a cookie
// that a reply sets, a redirect among them, goes with the later requests that it is for,
// the redirect's next hop and the other transfers alike. Nothing is read from or written
// to a file; -cookies=false sends and keeps no cookies.
//
// Retries. A transfer that fails for a reason that may pass (the connection refused or
// reset, a timeout, nothing or part of the reply received, a status of 5xx or 429) is
// tried again up to -retries times (default 2), after 250 ms, then 500 ms, 1 s... or after
// the reply's Retry-After, up to 10 s. The wait is a deadline of the loop, not a sleep:
// the other transfers go on meanwhile. Other errors, 4xx statuses among them, are final.
// With -O, a transfer whose body has started going out is not tried again.
//
// Progress goes to standard error: when it is a terminal, a bar per transfer receiving
// its body (a spinner when the length is unknown) and an overall bar with the transfers
// done, the bytes received and the speed; otherwise a plain line for each transfer done
// or retried and a summary line every second (-progress bars, lines or none forces a
// choice). At the end a table gives each URL's status, size, time (retries included),
// and speed or error, followed by a summary. It goes to standard output, or to standard
// error with -O -.
//
// The exit status is 0 when every transfer succeeded, 1 when any failed, 2 for a usage
// error, and 130 after an interrupt (the transfers are stopped, their .part files removed,
// or with -C - their files kept as far as they got, and the table printed).
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/examples/internal/batch"
	"github.com/xfer-go/xfer/examples/internal/demo"
)

// config is what the command line asks for.
type config struct {
	urls           []string
	dir            string // -o
	stream         string // -O; "": save into dir
	discard        bool   // neither: -demo without -o or -O
	parallel       int
	perHost        int
	timeout        time.Duration
	connectTimeout time.Duration
	maxRedirs      int
	retries        int
	fail           bool
	progress       string // bars, lines or none
	forceBars      bool   // bars even when standard error is not a terminal
	http11         bool   // -http1.1: no HTTP/2
	tls            *tls.Config
	proxy          string // -x: Easy.Proxy
	noProxy        string // -noproxy, or what stands for it: Easy.NoProxy
	proxyEnv       bool   // read the proxy variables (no -x): MultiOptions.ProxyFromEnvironment
	demoFrom       int    // the index in urls of the demo server's first URL; -1: no demo
	compressed     bool   // -compressed: Easy.AcceptEncoding "*"
	maxFileSize    int64  // -max-filesize: Easy.MaxFileSize
	cookies        bool   // -cookies: one in-memory jar for every transfer
	resume         bool   // -C -: append to the files from their size (Easy.ResumeFrom)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("download", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: download [flags] URL...\n       download [flags] -i FILE\n       download [flags] -demo")
		fs.PrintDefaults()
	}
	var cfg config
	input := fs.String("i", "", "read URLs from `FILE`, one a line (\"-\": standard input)")
	fs.StringVar(&cfg.dir, "o", ".", "save the bodies into `DIR`")
	resume := fs.String("C", "", "resume each file of -o from its size, as curl's -C `-` does (the one value taken), and keep\nwhat a failed transfer got, to resume it later")
	fs.StringVar(&cfg.stream, "O", "", "write all bodies, in the order of the URLs, to `FILE` (\"-\": standard output)")
	fs.IntVar(&cfg.parallel, "parallel", 16, "run at most `N` transfers at once")
	fs.IntVar(&cfg.perHost, "per-host", 0, "run at most `N` transfers at once to one host and port (0: no limit)")
	fs.DurationVar(&cfg.timeout, "timeout", 0, "limit each attempt of a transfer to `D` (0: no limit)")
	fs.DurationVar(&cfg.connectTimeout, "connect-timeout", 0, "limit each connect to `D` (0: 300s)")
	fs.IntVar(&cfg.maxRedirs, "max-redirs", 30, "follow at most `N` redirects (0: do not follow)")
	fs.IntVar(&cfg.retries, "retries", 2, "try a transfer that failed for a transient reason up to `N` more times")
	fs.BoolVar(&cfg.fail, "fail", true, "count a status of 400 or more as a failure, and do not save its body")
	fs.BoolVar(&cfg.compressed, "compressed", false, "ask for the bodies compressed (gzip, deflate, br or zstd) and save them decoded")
	fs.Var((*sizeValue)(&cfg.maxFileSize), "max-filesize", "fail a transfer whose body is more than `SIZE` bytes, with a suffix K, M or G\nfor KiB, MiB or GiB (0: no limit)")
	fs.BoolVar(&cfg.cookies, "cookies", true, "keep the cookies that replies set, in memory, and send them with later requests\n(redirects included) of every transfer")
	fs.BoolVar(&cfg.http11, "http1.1", false, "speak HTTP/1.1 only (by default HTTP/2 is offered to https servers, and transfers to one share a connection)")
	proxy := fs.String("x", "", "send every transfer through the proxy `URL`, [scheme://][user:password@]host[:port] with scheme http\n(the default; port 1080), https, socks4, socks4a, socks5 or socks5h; \"\": no proxy at all.\nWithout -x, as curl does, the proxy comes from the environment: http_proxy for http URLs,\nhttps_proxy (or HTTPS_PROXY) for https, else all_proxy (or ALL_PROXY)")
	noProxy := fs.String("noproxy", "", "reach the hosts of `LIST` without the proxy: a comma-separated list of names (each with its\nsubdomains), IP addresses and CIDR ranges, or * for every host. It replaces no_proxy\n(or NO_PROXY), which is read otherwise, for the proxy of -x too")
	progress := fs.String("progress", "auto", "show progress as `MODE`: bars, lines, none, or auto (bars on a terminal)")
	useDemo := fs.Bool("demo", false, "download the files of a local demo server (the default when there is no URL)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "download:", msg)
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	setO := set["o"]
	switch {
	case cfg.parallel < 1:
		return usage("-parallel must be at least 1")
	case cfg.perHost < 0 || cfg.retries < 0 || cfg.maxRedirs < 0:
		return usage("-per-host, -retries and -max-redirs cannot be negative")
	case cfg.timeout < 0 || cfg.connectTimeout < 0:
		return usage("timeouts cannot be negative")
	case setO && cfg.stream != "":
		return usage("-o and -O exclude each other")
	case !validProxy(*proxy):
		return usage("-x: unknown proxy scheme in " + *proxy)
	case *resume != "" && *resume != "-":
		return usage("-C takes \"-\" only: resume from the size of each file")
	case *resume != "" && cfg.stream != "":
		return usage("-C - resumes files, which -O does not write")
	case *resume != "" && cfg.compressed:
		return usage("-C - and -compressed exclude each other: a range counts the bytes of the coded body, a file holds the decoded one")
	}
	cfg.resume = *resume == "-"
	cfg.proxy, cfg.noProxy, cfg.proxyEnv = *proxy, *noProxy, !set["x"]
	switch {
	case set["noproxy"] && *noProxy == "" && cfg.proxyEnv:
		// Easy.NoProxy "" would mean the environment's list; a list with no entry
		// replaces it.
		cfg.noProxy = ","
	case !set["noproxy"] && !cfg.proxyEnv:
		// curl applies the environment's list to the proxy of -x too; xfer applies it
		// only to the environment's proxy.
		cfg.noProxy = os.Getenv("no_proxy")
		if cfg.noProxy == "" {
			cfg.noProxy = os.Getenv("NO_PROXY")
		}
	}
	switch cfg.progress = *progress; cfg.progress {
	case "auto":
		cfg.progress = "lines"
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb" {
			cfg.progress = "bars"
		}
	case "bars":
		cfg.forceBars = true
	case "lines", "none":
	default:
		return usage("-progress must be auto, bars, lines or none")
	}

	cfg.urls = fs.Args()
	if *input != "" {
		urls, err := readURLs(*input)
		if err != nil {
			return usage(err.Error())
		}
		if len(cfg.urls)+len(urls) == 0 {
			return usage(*input + " holds no URL")
		}
		cfg.urls = append(cfg.urls, urls...)
	}
	if len(cfg.urls) == 0 {
		*useDemo = true
	}
	cfg.demoFrom = -1
	if *useDemo {
		srv, err := demo.Start()
		if err != nil {
			fmt.Fprintln(stderr, "download:", err)
			return 1
		}
		defer srv.Close()
		// The slow ones first: they take longest.
		urls := slices.Concat(srv.SlowURLs(), srv.URLs(), srv.H2URLs(), srv.RedirectURLs(), []string{srv.FlakyURL()})
		cfg.tls = srv.TLSConfig()
		cfg.demoFrom = len(cfg.urls)
		cfg.urls = append(cfg.urls, urls...)
		cfg.discard = !setO && cfg.stream == ""
		if cfg.discard && cfg.resume {
			return usage("-C - needs the files of -o DIR to resume")
		}
		where := "discarding the bodies (-o DIR keeps them)"
		if !cfg.discard {
			where = "saving the bodies"
		}
		fmt.Fprintf(stderr, "demo: %d files served on 127.0.0.1 (%d over HTTPS, where HTTP/2 is offered), %s\n", len(urls), len(srv.H2URLs()), where)
	}

	table := stdout
	out, closeOut, err := openOutput(&cfg, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "download:", err)
		return 1
	}
	if cfg.stream == "-" {
		table = stderr // standard output carries the bodies
	}

	d := newDownloader(&cfg, out)
	err = d.run(stderr)
	if cerr := closeOut(); cerr != nil && err == nil {
		err = cerr
	}
	d.writeTable(table)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, "download:", err)
		return 1
	case d.interrupted:
		return 130
	case d.failed > 0:
		return 1
	}
	return 0
}

// sizeValue is a flag of a count of bytes, as parseSize reads it.
type sizeValue int64

func (v *sizeValue) String() string { return strconv.FormatInt(int64(*v), 10) }

func (v *sizeValue) Set(s string) error {
	n, err := parseSize(s)
	*v = sizeValue(n)
	return err
}

// parseSize reads a count of bytes as curl's --max-filesize does: digits, then optionally
// one of K, M or G (KiB, MiB, GiB) or B (bytes), in either case.
func parseSize(s string) (int64, error) {
	digits := strings.TrimRight(s, "KkMmGgBb")
	if len(s)-len(digits) > 1 {
		return 0, fmt.Errorf("bad unit in %q: use K, M, G or B", s)
	}
	n, err := strconv.ParseUint(digits, 10, 63)
	if err != nil || digits == "" {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	shift := 0
	switch s[len(digits):] {
	case "K", "k":
		shift = 10
	case "M", "m":
		shift = 20
	case "G", "g":
		shift = 30
	}
	if n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(n) << shift, nil
}

// validProxy reports whether the scheme of the proxy URL s, if it has one, is one that
// xfer speaks; the rest is checked by each transfer.
func validProxy(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return true // http
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "socks4", "socks4a", "socks5", "socks5h":
		return true
	}
	return false
}

// readURLs reads the URLs of name, one a line; "-" is standard input.
func readURLs(name string) ([]string, error) {
	in := io.Reader(os.Stdin)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	var urls []string
	err := batch.ReadAll(in, func(u string) { urls = append(urls, u) })
	return urls, err
}

// run drives every transfer to its end from the loop, with progress written to stderr.
func (d *downloader) run(stderr io.Writer) error {
	m, drv, err := newDriver(xfer.MultiOptions{
		MaxHostConnections:   d.cfg.perHost,
		ProxyFromEnvironment: d.cfg.proxyEnv,
	})
	if err != nil {
		return err
	}
	d.m = m
	d.show = newReporter(d, stderr)

	// An interrupt ends the run from the loop: the signal only sets a flag and wakes it.
	var stop atomic.Bool
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range sig {
			stop.Store(true)
			drv.wake()
		}
	})
	defer func() {
		signal.Stop(sig)
		close(sig)
		wg.Wait()
	}()

	err = d.loop(drv, &stop)
	if err != nil {
		d.interrupt() // stop what still runs, so the table is complete
	}
	d.show.close()
	if cerr := drv.close(); err == nil {
		err = cerr
	}
	return err
}

// driver is the event loop's waiting half: it waits for what the Multi asked to be
// watched, and hands what happened to the Multi.
type driver interface {
	// wait waits until a socket is ready, the Multi's timer fires, wake is called, or
	// timeout passes (negative: no limit), and has the Multi act on what happened.
	wait(timeout time.Duration) error
	// wake ends the current or next wait at once. It is safe from any goroutine.
	wake()
	// close closes the Multi, then the driver's own fds.
	close() error
}

// loop is the event loop: wait for a socket, the Multi's timer or the loop's own deadline
// (a retry's, or the progress display's), let the Multi act, then take the finished
// transfers, start retries that are due and fill the free slots.
func (d *downloader) loop(drv driver, stop *atomic.Bool) error {
	d.fill()
	for d.ended < len(d.all) {
		if stop.Load() {
			d.interrupt()
			return nil
		}
		if err := drv.wait(d.untilDeadline(time.Now())); err != nil {
			return err
		}
		d.collect()
		d.due(time.Now())
		d.fill()
	}
	return nil
}
