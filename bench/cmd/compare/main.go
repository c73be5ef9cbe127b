// Command compare runs the harness: for every workload it starts a fresh workload server,
// runs each client as its own process, repeats that -reps times alternating the order of
// the clients, and prints tables of the medians with the ratios xfer/peer and a check of the
// targets. compare.sh builds the programs and runs it.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xfer-go/xfer/bench/internal/measure"
)

// client is one program (and variant) measured in a workload.
type client struct {
	name string   // column label
	bin  string   // program in -bin
	args []string // extra arguments
}

var (
	xferC     = client{"xfer", "xferclient", nil}
	curlC     = client{"libcurl", "curlclient", nil}
	curl1C    = client{"libcurl-1read", "curlclient", []string{"-mode", "1read"}}
	floorGoC  = client{"floor-go", "xferclient", []string{"-mode", "floor"}}
	floorCC   = client{"floor-c", "curlclient", []string{"-mode", "floor"}}
	nethttpC  = client{"net/http", "nethttpclient", nil}
	fasthttpC = client{"fasthttp", "fasthttpclient", nil}
	tlsFloorC = client{"crypto/tls-floor", "nethttpclient", []string{"-mode", "tlsfloor"}}
	h2loadC   = client{"h2load", "h2loadclient", nil}
)

// workload is one row group of the report: the same arguments given to every client.
type workload struct {
	id      string // A0, A1000, B, ...
	title   string
	args    []string
	clients []client
	metrics []string // columns, in order
	pin     bool     // server on the last CPU, client on CPU 0 (a quieter per-call timing)
	repsX   int      // runs per client are this many times -reps (0: once): for short runs
	oneConn bool     // the run fails unless the server accepted exactly one HTTP/2 connection
	srvArgs []string // extra arguments for the server
}

type sizes struct {
	aN           []int
	aSize, dSize int64
	bN, cN, eN   int
	hN, c2N      int   // workload H: requests over HTTP/2; C2: idle HTTP/2 streams
	sN           []int // workload S: idle transfers
	sSize        int64 // workload S: bytes of the active body, one per read
}

func plan(s sizes) []workload {
	var ws []workload
	aMetrics := []string{"us_per_kib", "ns_per_call", "reads_per_call", "p99_ns", "calls", "mib_s"}
	for _, n := range s.aN {
		ws = append(ws, workload{
			id:      "A" + strconv.Itoa(n),
			title:   fmt.Sprintf("A: %d idle + 1 active transfer of %d MiB, 1 KiB reads", n, s.aSize>>20),
			args:    []string{"-w", "A", "-n", strconv.Itoa(n), "-size", strconv.FormatInt(s.aSize, 10), "-buf", "1024"},
			clients: []client{xferC, curlC, curl1C, floorGoC, floorCC},
			metrics: aMetrics,
			pin:     *pinA && runtime.NumCPU() > 1,
		})
	}
	peers := []client{xferC, curlC, nethttpC, fasthttpC}
	ws = append(ws,
		workload{id: "B", title: fmt.Sprintf("B: %d small GETs, 100 in flight, keep-alive", s.bN),
			args: []string{"-w", "B", "-n", strconv.Itoa(s.bN), "-conc", "100"}, clients: peers, repsX: 3,
			metrics: []string{"rps", "cpu_s", "cpu_us_per", "sys_share", "allocs_per", "maxrss_kib", "server_us_per"}},
		workload{id: "C", title: fmt.Sprintf("C: %d idle in-flight transfers", s.cN),
			args: []string{"-w", "C", "-n", strconv.Itoa(s.cN)}, clients: peers,
			metrics: []string{"rss_kib_per_xfer", "heap_kib_per_xfer", "base_rss_kib", "rss_kib"}},
		workload{id: "D", title: fmt.Sprintf("D: one transfer of %d MiB, default buffer", s.dSize>>20),
			args: []string{"-w", "D", "-size", strconv.FormatInt(s.dSize, 10)}, clients: peers, repsX: 3,
			metrics: []string{"cpu_ms_per_mib", "sys_share", "mib_s", "maxrss_kib"}},
		workload{id: "Dgz", title: fmt.Sprintf("Dgz: one transfer of %d MiB gzip-coded (text, about 3× smaller), decoded by the client, default buffer", s.dSize>>20),
			args: []string{"-w", "Dgz", "-size", strconv.FormatInt(s.dSize, 10)}, clients: []client{xferC, curlC, nethttpC}, repsX: 3,
			metrics: []string{"cpu_ms_per_mib", "sys_share", "mib_s", "allocs_per_mib", "maxrss_kib"},
			// The server codes the body once, before it says READY; the file keeps it
			// for the next runs' servers.
			srvArgs: []string{"-gz", strconv.FormatInt(s.dSize, 10), "-gzcache", filepath.Join(*outDir, fmt.Sprintf("gz-%d.gz", s.dSize))}},
		workload{id: "Ehs", title: fmt.Sprintf("E: %d HTTPS GETs, each a new connection (full handshake), 100 in flight", s.eN),
			args: []string{"-w", "Ehs", "-n", strconv.Itoa(s.eN), "-conc", "100"}, clients: peers, repsX: 3,
			metrics: []string{"rps", "cpu_us_per", "sys_share", "allocs_per", "maxrss_kib", "server_us_per"}},
		workload{id: "Eidle", title: fmt.Sprintf("E: %d idle keep-alive TLS connections", s.eN),
			args: []string{"-w", "Eidle", "-n", strconv.Itoa(s.eN)}, clients: append(slices.Clone(peers), tlsFloorC),
			metrics: []string{"tls_idle_kib", "tls_heap_kib", "conns", "hs_per_s"}},
	)
	ws = append(ws, planS(s)...)
	ws = append(ws,
		workload{id: "H", title: fmt.Sprintf("H: %d small GETs over HTTPS with HTTP/2, 100 streams in flight on one connection", s.hN),
			args:    []string{"-w", "H", "-n", strconv.Itoa(s.hN), "-conc", "100"},
			clients: []client{xferC, curlC, nethttpC, h2loadC}, repsX: 3, oneConn: true,
			metrics: []string{"rps", "cpu_s", "cpu_us_per", "sys_share", "allocs_per", "maxrss_kib", "server_us_per", "h2_conns"}},
		workload{id: "C2", title: fmt.Sprintf("C2: %d idle in-flight HTTP/2 streams, 100 per connection", s.c2N),
			args:    []string{"-w", "C2", "-n", strconv.Itoa(s.c2N), "-conc", "100"},
			clients: []client{xferC, curlC, nethttpC},
			metrics: []string{"rss_kib_per_xfer", "heap_kib_per_xfer", "conns", "held", "base_rss_kib", "rss_kib"}},
	)
	return ws
}

// results: workload id -> client name -> metric -> one value per repetition.
type results map[string]map[string]map[string][]float64

func (r results) add(w, c string, m map[string]float64) {
	if r[w] == nil {
		r[w] = map[string]map[string][]float64{}
	}
	if r[w][c] == nil {
		r[w][c] = map[string][]float64{}
	}
	for k, v := range m {
		r[w][c][k] = append(r[w][c][k], v)
	}
}

// med returns the median of a metric, NaN when it was not measured.
func (r results) med(w, c, m string) float64 {
	v := slices.Clone(r[w][c][m])
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

var (
	binDir  = flag.String("bin", "bin", "where the built programs are")
	outDir  = flag.String("out", "out", "where logs, the certificate and raw results go")
	quick   = flag.Bool("quick", false, "each workload once, at small sizes: checks the harness")
	reps    = flag.Int("reps", 3, "repetitions of each workload")
	only    = flag.String("only", "", "run only the workloads whose id starts with one of these (comma-separated)")
	timeout = flag.Duration("timeout", 10*time.Minute, "limit for one client run")
	pinA    = flag.Bool("pin", true, "workloads A and S: pin the client to CPU 0 and the server to the last CPU")
)

// pinned returns the command line of prog, run under taskset on cpu when pin is set.
func pinned(pin bool, cpu int, prog string, args ...string) *exec.Cmd {
	if !pin {
		return exec.Command(prog, args...)
	}
	return exec.Command("taskset", append([]string{"-c", strconv.Itoa(cpu), prog}, args...)...)
}

func main() {
	flag.Parse()
	s := sizes{aN: []int{0, 1000, 9000, 19000}, aSize: 100 << 20, dSize: 100 << 20, bN: 20000, cN: 10000, eN: 2000,
		sN: []int{0, 1000, 9000, 19000}, sSize: 10000, hN: 20000, c2N: 10000}
	if *quick {
		s = sizes{aN: []int{0, 1000}, aSize: 10 << 20, dSize: 10 << 20, bN: 2000, cN: 500, eN: 200,
			sN: []int{0, 1000}, sSize: 2000, hN: 2000, c2N: 500}
		*reps = 1
	}
	os.MkdirAll(filepath.Join(*outDir, "logs"), 0o755)
	res := results{}
	started := time.Now()
	ws := plan(s)
	for _, w := range ws {
		if !selected(w.id) {
			continue
		}
		for rep := 0; rep < *reps*max(w.repsX, 1); rep++ {
			// Alternate: each repetition starts with the next client.
			for i := range w.clients {
				c := w.clients[(i+rep)%len(w.clients)]
				m, err := runOnce(w, c, rep)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%-6s %-16s rep %d: %v\n", w.id, c.name, rep+1, err)
					continue
				}
				res.add(w.id, c.name, m)
				fmt.Fprintf(os.Stderr, "%-6s %-16s rep %d: %s\n", w.id, c.name, rep+1, brief(w, m))
			}
		}
	}
	raw, _ := json.MarshalIndent(res, "", " ")
	os.WriteFile(filepath.Join(*outDir, "raw.json"), raw, 0o644)

	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", machine())
	var moreRuns []string // the workloads given more runs, and how many
	for _, w := range ws {
		if w.repsX > 1 && selected(w.id) {
			moreRuns = append(moreRuns, fmt.Sprintf("%s: %s", w.id, runs(*reps*w.repsX)))
		}
	}
	if len(moreRuns) > 0 {
		fmt.Fprintf(&b, "Short workloads get more runs (%s). ", strings.Join(moreRuns, ", "))
	}
	fmt.Fprintf(&b, "Medians of %d run(s) per client%s; workloads A and S pinned (client CPU 0, server CPU %d): %v; wall time of the whole run %s.\n\n",
		*reps, map[bool]string{true: " (-quick sizes)", false: ""}[*quick], runtime.NumCPU()-1, *pinA, time.Since(started).Round(time.Second))
	for _, w := range ws {
		if selected(w.id) {
			table(&b, res, w)
		}
	}
	targets(&b, res, s)
	sub := fmt.Sprintf("%d CPUs, %s, %s; medians of %s per client%s", runtime.NumCPU(), runtime.Version(),
		curlVersion(), runs(*reps), map[bool]string{true: ", -quick sizes", false: ""}[*quick])
	cs := charts(ws, res, s, sub)
	writeCharts(*outDir, cs)
	os.WriteFile(filepath.Join(*outDir, "results.md"), []byte(b.String()), 0o644)
	if shouldPublish() {
		more := ""
		if len(moreRuns) > 0 {
			more = " (" + strings.Join(moreRuns, ", ") + ")"
		}
		about := fmt.Sprintf("One run of `bench/compare.sh%s` on a %d-CPU machine (Linux %s, %s, %s), client and server on the same machine, medians of %s per client%s.",
			map[bool]string{true: " -quick", false: ""}[*quick], runtime.NumCPU(), kernel(), runtime.Version(), curlVersion(), runs(*reps), more)
		if err := publishDocs(b.String(), cs, readmeSummary(res, s, about)); err != nil {
			fmt.Fprintf(os.Stderr, "compare: %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "compare: wrote %s, %d charts beside it and the README's table\n", filepath.Join(*docsDir, "RESULTS.md"), len(cs))
	}
	fmt.Print(b.String())
}

func selected(id string) bool {
	if *only == "" {
		return true
	}
	for p := range strings.SplitSeq(*only, ",") {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func brief(w workload, m map[string]float64) string {
	var parts []string
	for _, k := range w.metrics {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%s", k, num(v)))
		}
	}
	return strings.Join(parts, " ")
}

// runOnce starts a fresh server, runs one client against it and returns its RESULT.
func runOnce(w workload, c client, rep int) (map[string]float64, error) {
	cert := filepath.Join(*outDir, "cert.pem")
	srv := pinned(w.pin, runtime.NumCPU()-1, filepath.Join(*binDir, "server"), append([]string{"-cert", cert}, w.srvArgs...)...)
	stdin, _ := srv.StdinPipe()
	stdout, _ := srv.StdoutPipe()
	logName := fmt.Sprintf("%s-%s-%d", w.id, strings.ReplaceAll(c.name, "/", "_"), rep+1)
	srvLog, _ := os.Create(filepath.Join(*outDir, "logs", logName+".server.log"))
	defer srvLog.Close()
	srv.Stderr = srvLog
	if err := srv.Start(); err != nil {
		return nil, err
	}
	defer func() {
		stdin.Close()
		srv.Process.Kill()
		srv.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("server: %v", err)
	}
	var port, tlsPort, h2Port int
	if _, err := fmt.Sscanf(line, "READY port=%d tlsport=%d h2port=%d", &port, &tlsPort, &h2Port); err != nil {
		return nil, fmt.Errorf("server said %q", line)
	}
	var addrs, tlsAddrs, h2Addrs []string
	for i := 1; i <= 8; i++ {
		addrs = append(addrs, fmt.Sprintf("127.0.0.%d:%d", i, port))
		tlsAddrs = append(tlsAddrs, fmt.Sprintf("127.0.0.%d:%d", i, tlsPort))
		h2Addrs = append(h2Addrs, fmt.Sprintf("127.0.0.%d:%d", i, h2Port))
	}
	args := append(slices.Clone(w.args), c.args...)
	args = append(args, "-addrs", strings.Join(addrs, ","), "-tlsaddrs", strings.Join(tlsAddrs, ","),
		"-h2addrs", strings.Join(h2Addrs, ","), "-ca", cert)
	cmd := pinned(w.pin, 0, filepath.Join(*binDir, c.bin), args...)
	cliLog, _ := os.Create(filepath.Join(*outDir, "logs", logName+".log"))
	defer cliLog.Close()
	fmt.Fprintf(cliLog, "$ %s %s\n", c.bin, strings.Join(args, " "))
	cmd.Stderr = cliLog
	out, _ := cmd.StdoutPipe()
	var st0 map[string]int
	if w.oneConn {
		if st0, err = measure.ServerStats(addrs[0]); err != nil {
			return nil, fmt.Errorf("server stats: %v", err)
		}
	}
	srvCPU0 := procCPU(srv.Process.Pid)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	timer := time.AfterFunc(*timeout, func() { cmd.Process.Kill() })
	defer timer.Stop()
	body, _ := io.ReadAll(out)
	cliLog.Write(body)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%v (see %s.log)", err, logName)
	}
	srvCPU := procCPU(srv.Process.Pid) - srvCPU0
	for l := range strings.SplitSeq(string(body), "\n") {
		if js, ok := strings.CutPrefix(l, "RESULT "); ok {
			m := map[string]float64{}
			if err := json.Unmarshal([]byte(js), &m); err != nil {
				return nil, err
			}
			// The server's CPU while the client ran, per request where the client
			// counts requests: on a machine the two share, it bounds requests/s.
			if m["cpu_us_per"] > 0 && srvCPU >= 0 {
				requests := m["cpu_s"] * 1e6 / m["cpu_us_per"]
				m["server_us_per"] = srvCPU.Seconds() * 1e6 / requests
			}
			if w.oneConn {
				// Whatever the client says: the connections the server accepted.
				st1, err := measure.ServerStats(addrs[0])
				if err != nil {
					return nil, fmt.Errorf("server stats: %v", err)
				}
				m["h2_conns"] = float64(st1["h2total"] - st0["h2total"])
				if m["h2_conns"] != 1 {
					return nil, fmt.Errorf("FAIL: the server accepted %v HTTP/2 connections during the run, want 1 (see %s.log)", m["h2_conns"], logName)
				}
			}
			return m, nil
		}
	}
	return nil, fmt.Errorf("no RESULT line (see %s.log)", logName)
}

var metricNames = map[string]string{
	"us_per_kib":        "µs/KiB in action",
	"us_per_call":       "µs/action",
	"us_per_byte":       "µs/byte in action",
	"bytes_per_call":    "bytes/action",
	"p50_us":            "median µs/action",
	"p99_us":            "p99 µs/action",
	"cpu_us_per_byte":   "client CPU µs/byte",
	"ns_per_call":       "ns/call",
	"reads_per_call":    "reads/call",
	"p99_ns":            "p99 ns/call",
	"calls":             "calls",
	"mib_s":             "MiB/s (wall)",
	"rps":               "requests/s",
	"cpu_s":             "client CPU s",
	"cpu_us_per":        "CPU µs/request",
	"maxrss_kib":        "peak RSS KiB",
	"rss_kib_per_xfer":  "RSS KiB/transfer",
	"heap_kib_per_xfer": "Go heap+stack KiB/transfer",
	"base_rss_kib":      "baseline RSS KiB",
	"rss_kib":           "RSS KiB",
	"cpu_ms_per_mib":    "CPU ms/MiB",
	"tls_idle_kib":      "RSS KiB/idle TLS conn",
	"conns":             "conns held",
	"h2_conns":          "connections (server's count)",
	"held":              "streams held (server's count)",
	"tls_heap_kib":      "Go heap+stack KiB/idle TLS conn",
	"hs_per_s":          "handshakes/s",
	"sys_share":         "kernel share of CPU",
	"allocs_per":        "Go allocs/request",
	"allocs_per_mib":    "Go allocs/MiB",
	"server_us_per":     "server CPU µs/request",
}

func table(b *strings.Builder, r results, w workload) {
	fmt.Fprintf(b, "### %s\n\n| client |", w.title)
	for _, m := range w.metrics {
		fmt.Fprintf(b, " %s |", metricNames[m])
	}
	fmt.Fprintf(b, "\n|---|%s\n", strings.Repeat("---:|", len(w.metrics)))
	for _, c := range w.clients {
		fmt.Fprintf(b, "| %s |", c.name)
		for _, m := range w.metrics {
			fmt.Fprintf(b, " %s |", num(r.med(w.id, c.name, m)))
		}
		b.WriteString("\n")
	}
	for _, c := range w.clients[1:] {
		fmt.Fprintf(b, "| *xfer/%s* |", c.name)
		for _, m := range w.metrics {
			fmt.Fprintf(b, " %s |", ratio(r.med(w.id, "xfer", m), r.med(w.id, c.name, m)))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.Abs(v) >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// rowFunc adds a line to the targets table: the target, the measured figure, whether it
// is met, and whether it could be checked (its figures were measured) at all.
type rowFunc func(name, measured string, ok bool, known bool)

// targets prints the targets with the measured figure and whether it is met.
func targets(b *strings.Builder, r results, s sizes) {
	b.WriteString("### Targets\n\n| target | measured | met |\n|---|---|---|\n")
	row := func(name, measured string, ok bool, known bool) {
		mark := "–"
		if known {
			mark = map[bool]string{true: "yes", false: "**no**"}[ok]
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", name, measured, mark)
	}
	for _, n := range s.aN {
		id := "A" + strconv.Itoa(n)
		x := r.med(id, "xfer", "us_per_kib")
		fg, fc := r.med(id, "floor-go", "us_per_kib"), r.med(id, "floor-c", "us_per_kib")
		row(fmt.Sprintf("A N=%d: xfer ≤ 1.5 µs/KiB", n), num(x)+" µs/KiB", x <= 1.5, !math.IsNaN(x))
		row(fmt.Sprintf("A N=%d: µs/KiB ≤ 1.1× the bare C recv loop (floor-c)", n), ratio(x, fc), x <= 1.1*fc, !math.IsNaN(x*fc))
		row(fmt.Sprintf("A N=%d: ≤ 1.3× the Go floor", n), ratio(x, fg), x <= 1.3*fg, !math.IsNaN(x*fg))
	}
	if len(s.aN) > 1 {
		first, last := "A"+strconv.Itoa(s.aN[0]), "A"+strconv.Itoa(s.aN[len(s.aN)-1])
		g := r.med(last, "xfer", "us_per_kib")/r.med(first, "xfer", "us_per_kib") - 1
		row(fmt.Sprintf("A: growth ≤ 10%% from N=%d to N=%d", s.aN[0], s.aN[len(s.aN)-1]), fmt.Sprintf("%+.1f%%", 100*g), g <= 0.10, !math.IsNaN(g))
	}
	xc, cc, fc := r.med("B", "xfer", "cpu_us_per"), r.med("B", "libcurl", "cpu_us_per"), r.med("B", "fasthttp", "cpu_us_per")
	row("B: CPU/request ≤ 0.5× libcurl's", ratio(xc, cc), xc <= 0.5*cc, !math.IsNaN(xc*cc))
	row("B: CPU/request ≤ fasthttp's", ratio(xc, fc), xc <= fc, !math.IsNaN(xc*fc))
	row("B: CPU/request ≤ 0.8× fasthttp's", ratio(xc, fc), xc <= 0.8*fc, !math.IsNaN(xc*fc))
	xm := r.med("C", "xfer", "rss_kib_per_xfer")
	row("C: ≤ 2 KiB per idle in-flight transfer", num(xm)+" KiB", xm <= 2, !math.IsNaN(xm))
	xd, cd := r.med("D", "xfer", "cpu_ms_per_mib"), r.med("D", "libcurl", "cpu_ms_per_mib")
	row("D: CPU/MiB ≤ libcurl's", ratio(xd, cd), xd <= cd, !math.IsNaN(xd*cd))
	xh, nh := r.med("Ehs", "xfer", "rps"), r.med("Ehs", "net/http", "rps")
	row("E: handshakes/s ≥ net/http's", ratio(xh, nh), xh >= nh, !math.IsNaN(xh*nh))
	xi, fi := r.med("Eidle", "xfer", "tls_idle_kib"), r.med("Eidle", "crypto/tls-floor", "tls_idle_kib")
	row("E: idle TLS conn ≤ crypto/tls floor + 2 KiB (RSS)", fmt.Sprintf("%s vs %s KiB", num(xi), num(fi)), xi <= fi+2, !math.IsNaN(xi*fi))
	xh2, fh2 := r.med("Eidle", "xfer", "tls_heap_kib"), r.med("Eidle", "crypto/tls-floor", "tls_heap_kib")
	row("E: idle TLS conn ≤ crypto/tls floor + 2 KiB (Go heap)", fmt.Sprintf("%s vs %s KiB", num(xh2), num(fh2)), xh2 <= fh2+2, !math.IsNaN(xh2*fh2))
	targetsS(row, r, s)
	xc, nc, cc, hc := r.med("H", "xfer", "cpu_us_per"), r.med("H", "net/http", "cpu_us_per"), r.med("H", "libcurl", "cpu_us_per"), r.med("H", "h2load", "cpu_us_per")
	row("H: CPU/request ≤ 0.5× net/http's (HTTP/2)", ratio(xc, nc), xc <= 0.5*nc, !math.IsNaN(xc*nc))
	row("H: CPU/request ≤ libcurl's (HTTP/2)", ratio(xc, cc), xc <= cc, !math.IsNaN(xc*cc))
	row("H: CPU/request ≤ 1.5× h2load's", ratio(xc, hc), xc <= 1.5*hc, !math.IsNaN(xc*hc))
	x2 := r.med("C2", "xfer", "rss_kib_per_xfer")
	row("C2: ≤ 1 KiB RSS per idle in-flight HTTP/2 stream", num(x2)+" KiB", x2 <= 1, !math.IsNaN(x2))
	b.WriteString("\n")
}

// procCPU returns the user and system CPU time process pid has used, from
// /proc/pid/stat (in clock ticks of 10 ms); -1 when it cannot be read.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name (which is in parentheses and may hold spaces):
	// state is the 3rd field, utime and stime the 14th and 15th.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

// machine describes where the run happened.
func machine() string {
	cpu := "?"
	if f, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for l := range strings.SplitSeq(string(f), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	curl, _ := exec.Command(filepath.Join(*binDir, "curlclient"), "-w", "version").Output()
	return fmt.Sprintf("Machine: %d CPUs (%s), Linux %s, %s, %s",
		runtime.NumCPU(), cpu, kernel(), runtime.Version(), strings.TrimSpace(string(curl)))
}

// runs says "1 run" or "n runs".
func runs(n int) string {
	if n == 1 {
		return "1 run"
	}
	return strconv.Itoa(n) + " runs"
}

// kernel returns the kernel's release.
func kernel() string {
	k, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(k))
}

// curlVersion returns libcurl's version and its TLS library, as "libcurl 7.88.1 with OpenSSL/3.0.19".
func curlVersion() string {
	out, _ := exec.Command(filepath.Join(*binDir, "curlclient"), "-w", "version").Output()
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return "libcurl ?"
	}
	v := strings.Replace(f[0], "/", " ", 1)
	if len(f) > 1 {
		v += " with " + f[1]
	}
	return v
}
