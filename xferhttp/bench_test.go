//go:build linux

package xferhttp

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchServerEnv makes the test binary serve /small (a 13-byte body) and print its address,
// so that a benchmark's CPU and allocation figures are the client's alone.
const benchServerEnv = "XFERHTTP_BENCH_SERVER"

func serveBench() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "13")
		io.WriteString(w, "hello, world\n")
	}))
	fmt.Println(srv.Listener.Addr().String())
	io.Copy(io.Discard, os.Stdin)
}

// benchServer starts the child server and returns its base URL.
func benchServer(b *testing.B) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	return "http://" + strings.TrimSpace(line) + "/small"
}

// cpuTime is this process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRoundTrip compares net/http's Transport and xferhttp's (two loops) on GETs of a
// small body, 100 requests in flight, through http.Client, against a server in another
// process. It reports client CPU and Go allocations per request.
func BenchmarkRoundTrip(b *testing.B) {
	url := benchServer(b)
	transports := []struct {
		name string
		rt   func() http.RoundTripper
	}{
		{"net-http", func() http.RoundTripper {
			return &http.Transport{DisableCompression: true, MaxIdleConns: 100, MaxIdleConnsPerHost: 100}
		}},
		{"xferhttp", func() http.RoundTripper { return &Transport{Loops: 2} }},
	}
	for _, tr := range transports {
		b.Run(tr.name, func(b *testing.B) {
			rt := tr.rt()
			defer func() {
				if c, ok := rt.(interface{ Close() error }); ok {
					c.Close()
				}
				rt.(interface{ CloseIdleConnections() }).CloseIdleConnections()
			}()
			client := &http.Client{Transport: rt}
			get := func(buf []byte) {
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				for {
					if _, err := resp.Body.Read(buf); err != nil {
						break
					}
				}
				resp.Body.Close()
			}
			get(make([]byte, 512)) // the first connection
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			cpu0 := cpuTime()
			b.ResetTimer()
			b.SetParallelism(max(1, 100/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				buf := make([]byte, 512)
				for pb.Next() {
					get(buf)
				}
			})
			b.StopTimer()
			cpu := cpuTime() - cpu0
			runtime.ReadMemStats(&ms1)
			n := float64(b.N)
			b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-µs/req")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/n, "allocs/req")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/n, "B/req")
		})
	}
}
