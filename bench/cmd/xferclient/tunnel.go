package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/bench/internal/measure"
)

// workP is the tunnel profile (tunnel.sh, not a workload of the comparison): cfg.N GETs of
// cfg.Path over https from the origin at cfg.TLSAddrs[0], cfg.Conc in flight, either
// directly or through a CONNECT tunnel of the HTTP proxy at cfg.Proxy. -mode says which
// and how connections are used:
//
//	direct-fresh, tunnel-fresh   a new connection (and tunnel) for every request:
//	                             FreshConnect and ForbidReuse
//	direct-reuse, tunnel-reuse   keep-alive: the connections (tunnels) are reused
//
// It reports workload B's figures (PerRequest) and the wall time per request.
func workP(cfg *measure.Config) measure.Result {
	via, use, ok := strings.Cut(cfg.Mode, "-")
	if !ok || (via != "direct" && via != "tunnel") || (use != "fresh" && use != "reuse") {
		measure.Fatalf("workload P: -mode is direct-fresh, direct-reuse, tunnel-fresh or tunnel-reuse, not %q", cfg.Mode)
	}
	if via == "tunnel" && cfg.Proxy == "" {
		measure.Fatalf("workload P: a tunnel needs -proxy")
	}
	want := int64(13) // /small's body
	if n, ok := strings.CutPrefix(cfg.Path, "/bytes?n="); ok {
		want, _ = strconv.ParseInt(n, 10, 64)
	}
	l := newLoop(xfer.MultiOptions{})
	tc := cfg.TLSConfig()
	var body counter
	started, finished := 0, 0
	l.onDone = func(e *xfer.Easy, err error) {
		if err != nil {
			measure.Fatalf("%s: %v", e.URL, err)
		}
		if st := e.Status(); st != 200 {
			measure.Fatalf("%s: status %d", e.URL, st)
		}
		finished++
		l.m.Remove(e)
		if started < cfg.N {
			started++
			l.m.Add(e)
		}
	}
	easies := make([]*xfer.Easy, min(cfg.Conc, cfg.N))
	for i := range easies {
		e := xfer.NewEasy("https://" + cfg.TLSAddrs[0] + cfg.Path)
		e.Write = body.write
		e.TLSConfig = tc
		if via == "tunnel" {
			e.Proxy = "http://" + cfg.Proxy
		}
		e.FreshConnect = use == "fresh"
		e.ForbidReuse = use == "fresh"
		easies[i] = e
	}
	u0, t0 := measure.Now(), time.Now()
	for _, e := range easies {
		started++
		l.m.Add(e)
	}
	l.until(func() bool { return finished == cfg.N }, 10*time.Minute, "the requests")
	wall, u1 := time.Since(t0), measure.Now()
	if body.n != want*int64(cfg.N) {
		measure.Fatalf("got %d body bytes, want %d", body.n, want*int64(cfg.N))
	}
	heapProfile()
	return measure.PerRequest(u0, u1, cfg.N, wall).Merge(measure.Result{
		"wall_ms_per": wall.Seconds() * 1e3 / float64(cfg.N),
	})
}
