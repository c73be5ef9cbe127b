package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xfer-go/xfer/bench/internal/svgchart"
)

// Publishing: a full run writes its tables into bench/RESULTS.md, its charts next to it and
// its summary into the README's Performance section, each between the two marker lines
// below, so that the three always come from one run. The text around the markers is
// written by hand and left alone.

var (
	publish = flag.Bool("publish", false, "write the tables into RESULTS.md, the charts beside it and the summary into the README (default: on a full run, without -quick or -only)")
	docsDir = flag.String("docs", ".", "the bench directory: RESULTS.md and the charts are here, the README one level up")
)

const (
	beginMark = "<!-- begin: written by bench/compare.sh from one run; edits here are overwritten -->"
	endMark   = "<!-- end: written by bench/compare.sh -->"
)

// readmeClients are the README table's columns.
var readmeClients = []string{"xfer", "libcurl", "net/http", "fasthttp"}

// shouldPublish reports whether this run writes the documents: -publish when given,
// otherwise a full run (every workload at full size).
func shouldPublish() bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "publish" })
	if set {
		return *publish
	}
	return !*quick && *only == ""
}

// publishDocs writes the run's tables and chart links into RESULTS.md, the charts beside
// it, and the summary into the README.
func publishDocs(results string, cs []chartFile, readme string) error {
	writeCharts(*docsDir, cs)
	var links strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&links, "![%s](%s)\n\n", c.title, c.name)
	}
	if err := replaceMarked(filepath.Join(*docsDir, "RESULTS.md"), results+links.String()); err != nil {
		return err
	}
	return replaceMarked(filepath.Join(*docsDir, "..", "README.md"), readme)
}

// replaceMarked replaces what lies between the marker lines of file with text.
func replaceMarked(file, text string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	i, j := bytes.Index(b, []byte(beginMark)), bytes.Index(b, []byte(endMark))
	if i < 0 || j < i {
		return fmt.Errorf("%s: no %q ... %q lines", file, beginMark, endMark)
	}
	var out bytes.Buffer
	out.Write(b[:i+len(beginMark)])
	out.WriteString("\n" + strings.TrimRight(text, "\n") + "\n")
	out.Write(b[j:])
	return os.WriteFile(file, out.Bytes(), 0o644)
}

// readmeSummary is the README's Performance table and the two charts, from the run.
func readmeSummary(r results, s sizes, about string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s Lower is better except for requests/s.\n\n", about)
	b.WriteString("| workload |")
	for _, c := range readmeClients {
		fmt.Fprintf(&b, " %s |", c)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(readmeClients)) + "\n")
	row := func(label, id, metric string) {
		fmt.Fprintf(&b, "| %s |", label)
		for _, c := range readmeClients {
			fmt.Fprintf(&b, " %s |", readmeNum(r.med(id, c, metric)))
		}
		b.WriteString("\n")
	}
	aFirst, aLast := s.aN[0], s.aN[len(s.aN)-1]
	sFirst, sLast := s.sN[0], s.sN[len(s.sN)-1]
	th := func(n int) string { return svgchart.Thousands(float64(n)) }
	row(fmt.Sprintf("A: µs inside the action per KiB read (1 active of %d MiB, 1 KiB reads), %s idle", s.aSize>>20, th(aFirst)), "A"+strconv.Itoa(aFirst), "us_per_kib")
	row(fmt.Sprintf("A: the same with %s idle transfers", th(aLast)), "A"+strconv.Itoa(aLast), "us_per_kib")
	row(fmt.Sprintf("S: µs per action, each reading one byte (%s bytes), %s idle", th(int(s.sSize)), th(sFirst)), "S"+strconv.Itoa(sFirst), "us_per_call")
	row(fmt.Sprintf("S: the same with %s idle transfers", th(sLast)), "S"+strconv.Itoa(sLast), "us_per_call")
	row(fmt.Sprintf("B: %s small keep-alive GETs, 100 in flight: requests/s", th(s.bN)), "B", "rps")
	row("B: client CPU µs per request", "B", "cpu_us_per")
	row("B: Go allocations per request", "B", "allocs_per")
	row(fmt.Sprintf("C: RSS KiB per idle in-flight transfer (%s)", th(s.cN)), "C", "rss_kib_per_xfer")
	row(fmt.Sprintf("D: client CPU ms per MiB (%d MiB, default buffer)", s.dSize>>20), "D", "cpu_ms_per_mib")
	row(fmt.Sprintf("Dgz: client CPU ms per decoded MiB (%d MiB of text, gzip-coded, decoded by the client)", s.dSize>>20), "Dgz", "cpu_ms_per_mib")
	row("Dgz: decoded MiB/s", "Dgz", "mib_s")
	row("E: full TLS 1.3 handshakes per second (100 in flight)", "Ehs", "rps")
	row("E: client CPU µs per handshake", "Ehs", "cpu_us_per")
	row(fmt.Sprintf("E: RSS KiB per idle TLS connection (%s)", th(s.eN)), "Eidle", "tls_idle_kib")
	row(fmt.Sprintf("H: %s small GETs over HTTP/2, 100 streams on one connection: requests/s", th(s.hN)), "H", "rps")
	row("H: client CPU µs per request", "H", "cpu_us_per")
	row("H: Go allocations per request", "H", "allocs_per")
	row(fmt.Sprintf("C2: RSS KiB per idle in-flight HTTP/2 stream (%s, 100 per connection)", th(s.c2N)), "C2", "rss_kib_per_xfer")
	a, z := "A"+strconv.Itoa(aLast), "S"+strconv.Itoa(sLast)
	fmt.Fprintf(&b, "\nA bare epoll loop doing the same 1 KiB reads costs %s µs/KiB in Go and %s in C "+
		"(%s idle); doing S's one-byte reads, %s µs per action in Go and %s in C. "+
		"The libcurl column is libcurl as it comes; RESULTS.md also has it with one read per action. "+
		"Over HTTP/2 (H), nghttp2's h2load, a C load generator on one connection, spends %s µs of CPU per request "+
		"and does %s requests/s; fasthttp has no HTTP/2, nor transparent decoding (Dgz). "+
		"Decoding gzip (Dgz), xfer and net/http both run compress/flate, libcurl runs zlib.\n\n",
		num(r.med(a, "floor-go", "us_per_kib")), num(r.med(a, "floor-c", "us_per_kib")), th(aLast),
		num(r.med(z, "floor-go", "us_per_call")), num(r.med(z, "floor-c", "us_per_call")),
		num(r.med("H", "h2load", "cpu_us_per")), readmeNum(r.med("H", "h2load", "rps")))
	b.WriteString("![µs per action against idle transfers, one byte per read](bench/chart-s-per-action.svg)\n")
	b.WriteString("![memory per idle in-flight transfer](bench/chart-memory-per-idle.svg)\n")
	return b.String()
}

// readmeNum formats a figure for the README: thousands grouped, "–" when not measured.
func readmeNum(v float64) string {
	if !math.IsNaN(v) && math.Abs(v) >= 1000 {
		return svgchart.Thousands(v)
	}
	return num(v)
}
