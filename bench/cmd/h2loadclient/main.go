// Command h2loadclient runs workload H with nghttp2's h2load, a C event-loop HTTP/2 load
// generator: `h2load -n N -c 1 -m CONC -t 1 https://ADDR/small`, one connection and one
// thread, the reference for what one HTTP/2 connection can carry. It prints one RESULT line
// as the other clients do. The client CPU is h2load's user and system time from wait4's
// rusage, less that of `h2load --version` (the process's start: loading and linking its
// libraries), which the other clients do not count either; requests/s is h2load's own
// figure (from its first connect to its last reply). The run fails unless every request
// succeeded with a 2xx.
package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/xfer-go/xfer/bench/internal/measure"
)

func main() {
	cfg := measure.ParseFlags()
	if cfg.Workload != "H" {
		measure.Fatalf("h2load runs workload H only, not %q", cfg.Workload)
	}
	if len(cfg.H2Addrs) == 0 {
		measure.Fatalf("workload H needs -h2addrs")
	}
	_, start, _ := run("--version")
	url := "https://" + cfg.H2Addrs[0] + "/small"
	out, ru, wall := run("-n", strconv.Itoa(cfg.N), "-c", "1", "-m", strconv.Itoa(cfg.Conc), "-t", "1", url)
	os.Stderr.Write(out)
	if m := regexp.MustCompile(`requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored`).FindSubmatch(out); m == nil ||
		atoi(m[2]) != cfg.N || atoi(m[3]) != cfg.N || atoi(m[4]) != 0 || atoi(m[5]) != 0 {
		measure.Fatalf("h2load did not complete %d requests", cfg.N)
	}
	if m := regexp.MustCompile(`status codes: (\d+) 2xx`).FindSubmatch(out); m == nil || atoi(m[1]) != cfg.N {
		measure.Fatalf("h2load: not every reply was 2xx")
	}
	rps := float64(cfg.N) / wall.Seconds()
	if m := regexp.MustCompile(`finished in [^,]+, ([0-9.]+) req/s`).FindSubmatch(out); m != nil {
		rps, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	cpu := cpuOf(ru) - cpuOf(start)
	measure.Result{
		"rps":         rps,
		"cpu_s":       cpu.Seconds(),
		"cpu_us_per":  cpu.Seconds() * 1e6 / float64(cfg.N),
		"sys_share":   (sysOf(ru) - sysOf(start)).Seconds() / cpu.Seconds(),
		"maxrss_kib":  float64(ru.Maxrss),
		"start_cpu_s": cpuOf(start).Seconds(),
		"wall_s":      wall.Seconds(),
	}.Print()
}

// run runs h2load with args and returns its output, its rusage and its wall time.
func run(args ...string) ([]byte, *syscall.Rusage, time.Duration) {
	var out bytes.Buffer
	cmd := exec.Command("h2load", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		measure.Fatalf("h2load %v: %v\n%s", args, err, out.Bytes())
	}
	return out.Bytes(), cmd.ProcessState.SysUsage().(*syscall.Rusage), time.Since(t0)
}

func cpuOf(ru *syscall.Rusage) time.Duration { return sysOf(ru) + time.Duration(ru.Utime.Nano()) }
func sysOf(ru *syscall.Rusage) time.Duration { return time.Duration(ru.Stime.Nano()) }

func atoi(b []byte) int { n, _ := strconv.Atoi(string(b)); return n }
