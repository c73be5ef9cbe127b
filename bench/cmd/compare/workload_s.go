package main

import (
	"flag"
	"fmt"
	"math"
	"runtime"
	"strconv"
)

// Workload S is the seed's experiment: N idle transfers and one active transfer whose
// every read takes one byte. The workload server sends the active body one byte per write,
// -sgap µs apart (its /paced endpoint), so each readiness event of the active socket has
// one byte to read, for xfer, libcurl and the bare loops alike; each action is timed.

var sGap = flag.Int("sgap", 100, "workload S: µs the server waits after each byte of the active body")

// planS returns the row groups of workload S, one per count of idle transfers.
func planS(s sizes) []workload {
	var ws []workload
	for _, n := range s.sN {
		ws = append(ws, workload{
			id:    "S" + strconv.Itoa(n),
			title: fmt.Sprintf("S: %d idle + 1 active transfer of %d bytes, one byte per read (%d µs apart)", n, s.sSize, *sGap),
			args: []string{"-w", "S", "-n", strconv.Itoa(n), "-size", strconv.FormatInt(s.sSize, 10),
				"-buf", "1024", "-gap", strconv.Itoa(*sGap)},
			clients: []client{xferC, curlC, curl1C, floorGoC, floorCC},
			metrics: []string{"us_per_call", "p50_us", "p99_us", "us_per_byte", "bytes_per_call", "cpu_us_per_byte", "calls"},
			pin:     *pinA && runtime.NumCPU() > 1,
		})
	}
	return ws
}

// targetsS checks workload S: per action, at most 1.2× the bare C loop and 0.5× libcurl's
// best mode at every N, and flat (at most 10 % growth) from the first N to the last. The
// targets are on the mean µs per action; the median's ratio is printed beside it, as on a
// shared machine a few preempted actions can move the mean of a run.
func targetsS(row rowFunc, r results, s sizes) {
	both := func(id, a, b string, bMode string) (float64, float64, string) {
		x, y := r.med(id, a, "us_per_call"), r.med(id, b, "us_per_call")
		xm, ym := r.med(id, a, "p50_us"), r.med(id, b, "p50_us")
		if bMode != "" {
			y = math.Min(y, r.med(id, bMode, "us_per_call"))
			ym = math.Min(ym, r.med(id, bMode, "p50_us"))
		}
		return x, y, ratio(x, y) + " (median " + ratio(xm, ym) + ")"
	}
	for _, n := range s.sN {
		id := "S" + strconv.Itoa(n)
		x, fc, m := both(id, "xfer", "floor-c", "")
		row(fmt.Sprintf("S N=%d: µs/action ≤ 1.2× the bare C loop (floor-c)", n), m, x <= 1.2*fc, !math.IsNaN(x*fc))
		x, best, m := both(id, "xfer", "libcurl", "libcurl-1read")
		row(fmt.Sprintf("S N=%d: µs/action ≤ 0.5× libcurl's best mode", n), m, x <= 0.5*best, !math.IsNaN(x*best))
	}
	if len(s.sN) > 1 {
		first, last := "S"+strconv.Itoa(s.sN[0]), "S"+strconv.Itoa(s.sN[len(s.sN)-1])
		g := r.med(last, "xfer", "us_per_call")/r.med(first, "xfer", "us_per_call") - 1
		gm := r.med(last, "xfer", "p50_us")/r.med(first, "xfer", "p50_us") - 1
		row(fmt.Sprintf("S: µs/action grows ≤ 10%% from N=%d to N=%d", s.sN[0], s.sN[len(s.sN)-1]),
			fmt.Sprintf("%+.1f%% (median %+.1f%%)", 100*g, 100*gm), g <= 0.10, !math.IsNaN(g))
	}
}
