// Package measure holds what every Go client of the harness uses to measure itself and to
// report: CPU time and peak RSS from getrusage, the current RSS and read-syscall count from
// /proc, snapshots of the memory held (memory.go), per-call latency samples, the server's
// connection counts, the figures of each workload (figures.go), and the one RESULT line a
// client prints for the orchestrator. For the clients that make each request in a goroutine
// of their own, it also runs workloads C and Eidle around the client's requests
// (goroutines.go).
package measure

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Usage is a snapshot of the process's resource use.
type Usage struct {
	CPU    time.Duration // user + system, all threads
	Sys    time.Duration // system alone
	MaxRSS int64         // peak resident set, KiB
	Allocs uint64        // Go heap allocations so far (runtime.MemStats.Mallocs)
}

// Now returns the process's resource use so far.
func Now() Usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Usage{CPU: cpu, Sys: time.Duration(ru.Stime.Nano()), MaxRSS: ru.Maxrss, Allocs: ms.Mallocs}
}

// Merge adds the entries of o to r and returns r.
func (r Result) Merge(o Result) Result {
	for k, v := range o {
		r[k] = v
	}
	return r
}

// RSS returns the current resident set size in KiB (VmRSS).
func RSS() int64 { return procField("/proc/self/status", "VmRSS:") }

// ReadCalls returns how many read-family system calls (read, readv, pread) the process made
// so far (syscr of /proc/self/io). recv and recvfrom are not counted by the kernel there.
func ReadCalls() int64 { return procField("/proc/self/io", "syscr:") }

func procField(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return -1
}

// Calls accumulates the duration of calls: their sum, count and each sample, for
// percentiles.
type Calls struct {
	Total   time.Duration
	N       int
	samples []int32 // nanoseconds, saturated
}

// NewCalls returns a Calls with room for capHint samples preallocated, so recording does
// not allocate in the measured loop.
func NewCalls(capHint int) *Calls { return &Calls{samples: make([]int32, 0, capHint)} }

// Add records one call of duration d.
func (c *Calls) Add(d time.Duration) {
	c.Total += d
	c.N++
	ns := min(int64(d), 1<<31-1)
	c.samples = append(c.samples, int32(ns))
}

// Percentile returns the p-th percentile (0..100) of the recorded durations, in ns.
func (c *Calls) Percentile(p float64) float64 {
	if len(c.samples) == 0 {
		return 0
	}
	s := slices.Clone(c.samples)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return float64(s[i])
}

// Result is what a client reports: metric name to value.
type Result map[string]float64

// Print writes r as the single "RESULT {json}" line the orchestrator reads.
func (r Result) Print() {
	b, _ := json.Marshal(r)
	fmt.Printf("RESULT %s\n", b)
}

// Fatalf reports a failed run and exits non-zero.
func Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// ServerConns asks the workload server at addr how many plain and TLS connections it holds
// open (not counting the one asking).
func ServerConns(addr string) (plain, tls int, err error) {
	st, err := ServerStats(addr)
	return st["plain"] - 1, st["tls"], err
}

// ServerStats returns the counts the workload server at addr reports on /stats, by name
// (plain, tls, h2, h2total, h2held; see cmd/server). The plain count includes the
// connection asking.
func ServerStats(addr string) (map[string]int, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == "\r\n" {
			break
		}
	}
	body, _ := r.ReadString('\n')
	st := map[string]int{}
	for _, f := range strings.Fields(body) {
		k, v, ok := strings.Cut(f, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			return nil, fmt.Errorf("/stats said %q", body)
		}
		st[k] = n
	}
	return st, nil
}

// WaitServerConns waits until the server reports at least want connections of the kind
// (tls or plain), or the deadline passes; it returns the last count.
func WaitServerConns(addr string, tls bool, want int, d time.Duration) int {
	deadline := time.Now().Add(d)
	last := -1
	for {
		p, t, err := ServerConns(addr)
		if err == nil {
			last = p
			if tls {
				last = t
			}
			if last >= want {
				return last
			}
		}
		if time.Now().After(deadline) {
			return last
		}
		time.Sleep(20 * time.Millisecond)
	}
}
