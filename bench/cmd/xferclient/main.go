// Command xferclient runs the harness's workloads with xfer, driven from an epoll loop, and
// prints one RESULT line. With -w A (or S) -mode floor it runs the bare-loop floor instead:
// raw sockets in the same epoll set and 1 KiB reads on the same stream, no library.
//
// XFER_CPUPROFILE=file writes a CPU profile of the whole run; XFER_MEMPROFILE=file records
// every allocation and writes the heap profile at the workload's measuring point (C, C2,
// Eidle) or end (B, D, Dgz, Ehs, H, P), for go tool pprof. With -w P it runs the tunnel
// profile of tunnel.sh (tunnel.go).
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/bench/internal/measure"
)

func main() {
	cfg := measure.ParseFlags()
	if p := os.Getenv("XFER_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			measure.Fatalf("%v", err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if os.Getenv("XFER_MEMPROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	var r measure.Result
	switch {
	case (cfg.Workload == "A" || cfg.Workload == "S") && cfg.Mode == "floor":
		r = floorA(cfg)
	case cfg.Workload == "A" || cfg.Workload == "S":
		r = workA(cfg)
	case cfg.Workload == "B":
		r = requests(cfg, "http", cfg.Addrs, nil)
	case cfg.Workload == "C":
		r = workC(cfg)
	case cfg.Workload == "D" || cfg.Workload == "Dgz":
		r = workD(cfg)
	case cfg.Workload == "Ehs":
		r = requests(cfg, "https", cfg.TLSAddrs, cfg.TLSConfig())
	case cfg.Workload == "Eidle":
		r = workEidle(cfg)
	case cfg.Workload == "H":
		r = workH(cfg)
	case cfg.Workload == "C2":
		r = workC2(cfg)
	case cfg.Workload == "P":
		r = workP(cfg)
	default:
		measure.Fatalf("unknown workload %q", cfg.Workload)
	}
	r.Print()
}

// heapProfile writes the live heap to $XFER_MEMPROFILE, when it is set.
func heapProfile() {
	p := os.Getenv("XFER_MEMPROFILE")
	if p == "" {
		return
	}
	f, err := os.Create(p)
	if err != nil {
		measure.Fatalf("%v", err)
	}
	defer f.Close()
	runtime.GC()
	pprof.Lookup("heap").WriteTo(f, 0)
}

// counter is every transfer's Write callback: it takes the bytes and counts them.
type counter struct{ n int64 }

func (c *counter) write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// holdIdle adds n transfers of /hold spread over addrs, in batches, and runs the loop until
// every one has its reply header: n idle in-flight transfers.
func holdIdle(l *loop, addrs []string, n int) {
	headers := 0
	onHeader := func(line []byte) error {
		if len(line) == 2 {
			headers++
		}
		return nil
	}
	for i := 0; i < n; i++ {
		e := xfer.NewEasy("http://" + addrs[i%len(addrs)] + "/hold")
		e.HeaderLine = onHeader
		if err := l.m.Add(e); err != nil {
			measure.Fatalf("Add: %v", err)
		}
		if i%500 == 499 || i == n-1 {
			want := i + 1
			l.until(func() bool { return headers >= want }, 60*time.Second, "idle reply headers")
		}
	}
}

// workA: n idle transfers and one active transfer of cfg.Size bytes read cfg.Buf at a time;
// every SocketAction while it runs is timed. Workload S is the same with a body that the
// server sends one byte at a time, paced, so that each action reads one byte.
func workA(cfg *measure.Config) measure.Result {
	l := newLoop(xfer.MultiOptions{})
	holdIdle(l, cfg.Addrs, cfg.N)
	runtime.GC()

	var body counter
	done := false
	l.onDone = func(e *xfer.Easy, err error) {
		if err != nil {
			measure.Fatalf("active transfer: %v", err)
		}
		done = true
	}
	e := xfer.NewEasy("http://" + cfg.Addrs[0] + cfg.ActivePath())
	e.BufferSize = cfg.Buf
	e.Write = body.write
	l.calls = measure.NewCalls(cfg.ActiveReads() + 1024)

	reads0, u0, t0 := measure.ReadCalls(), measure.Now(), time.Now()
	if err := l.m.Add(e); err != nil {
		measure.Fatalf("Add: %v", err)
	}
	l.until(func() bool { return done }, 10*time.Minute, "the active transfer")
	wall, u1, reads1 := time.Since(t0), measure.Now(), measure.ReadCalls()
	if body.n != cfg.Size {
		measure.Fatalf("got %d bytes, want %d", body.n, cfg.Size)
	}
	return resultA(cfg, l.calls, reads1-reads0, u0, u1, wall)
}

// resultA returns the figures of workloads A and S, for xfer and for the floor alike: c are
// the timed calls while the active body came in wall time, from u0 to u1, and reads the
// read calls made meanwhile.
func resultA(cfg *measure.Config, c *measure.Calls, reads int64, u0, u1 measure.Usage, wall time.Duration) measure.Result {
	kib := float64(cfg.Size) / 1024
	return measure.Result{
		"us_per_kib":      c.Total.Seconds() * 1e6 / kib,
		"us_per_byte":     c.Total.Seconds() * 1e6 / float64(cfg.Size),
		"us_per_call":     c.Total.Seconds() * 1e6 / float64(c.N),
		"bytes_per_call":  float64(cfg.Size) / float64(c.N),
		"cpu_us_per_byte": (u1.CPU - u0.CPU).Seconds() * 1e6 / float64(cfg.Size),
		"p50_us":          c.Percentile(50) / 1e3,
		"p99_us":          c.Percentile(99) / 1e3,
		"ns_per_call":     float64(c.Total.Nanoseconds()) / float64(c.N),
		"reads_per_call":  float64(reads-2) / float64(c.N),
		"p99_ns":          c.Percentile(99),
		"calls":           float64(c.N),
		"cpu_s":           (u1.CPU - u0.CPU).Seconds(),
		"mib_s":           float64(cfg.Size) / (1 << 20) / wall.Seconds(),
		"idle":            float64(cfg.N),
	}
}

func workC(cfg *measure.Config) measure.Result {
	l := newLoop(xfer.MultiOptions{})
	base := measure.Footprint()
	holdIdle(l, cfg.Addrs, cfg.N)
	m := measure.Footprint()
	heapProfile()
	runtime.KeepAlive(l) // the Multi and its transfers are what is measured
	return measure.PerTransfer(base, m, cfg.N).Merge(measure.Result{
		"gc_heap_goal_kib": float64(m.HeapGoal) / 1024,
	})
}

// workD: one GET of cfg.Size bytes with the default buffer. Dgz: the same body gzip-coded
// by the server, asked for with AcceptEncoding "*" and decoded by the library; cfg.Size
// is the decoded length.
func workD(cfg *measure.Config) measure.Result {
	l := newLoop(xfer.MultiOptions{})
	var body counter
	done := false
	l.onDone = func(e *xfer.Easy, err error) {
		if err != nil {
			measure.Fatalf("transfer: %v", err)
		}
		done = true
	}
	e := xfer.NewEasy("http://" + cfg.Addrs[0] + cfg.DPath())
	if cfg.Workload == "Dgz" {
		e.AcceptEncoding = "*"
	}
	e.Write = body.write
	u0, t0 := measure.Now(), time.Now()
	l.m.Add(e)
	l.until(func() bool { return done }, 10*time.Minute, "the transfer")
	wall, u1 := time.Since(t0), measure.Now()
	if body.n != cfg.Size {
		measure.Fatalf("got %d body bytes, want %d", body.n, cfg.Size)
	}
	heapProfile()
	return measure.PerMiB(u0, u1, cfg.Size, wall)
}
