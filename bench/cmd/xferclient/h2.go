package main

import (
	"runtime"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/bench/internal/measure"
)

// workH: cfg.N GETs of /small over HTTPS with HTTP/2, cfg.Conc streams in flight on one
// connection. Every transfer sets PipeWait and keeps the default HTTPVersion (h2 offered by
// ALPN); the Multi opens at most cfg.Conc streams per connection. The run fails unless the
// server accepted exactly one connection during it and the replies were HTTP/2.
func workH(cfg *measure.Config) measure.Result {
	if len(cfg.H2Addrs) == 0 {
		measure.Fatalf("workload H needs -h2addrs")
	}
	l := newLoop(xfer.MultiOptions{MaxConcurrentStreams: cfg.Conc})
	url := "https://" + cfg.H2Addrs[0] + "/small"
	tc := cfg.TLSConfig()
	var body counter
	started, finished := 0, 0
	firstDone := 0 // transfers whose first run ended: their Info is checked
	connects := 0  // connections those opened (Info.NumConnects)
	l.onDone = func(e *xfer.Easy, err error) {
		if err != nil {
			measure.Fatalf("%s: %v", e.URL, err)
		}
		if st := e.Status(); st != 200 {
			measure.Fatalf("%s: status %d", e.URL, st)
		}
		if e.Private == nil { // the first run of this Easy: check the protocol once
			in := e.Info()
			if in.Proto != "HTTP/2.0" && in.Proto != "HTTP/2" {
				measure.Fatalf("%s: reply over %s, want HTTP/2", e.URL, in.Proto)
			}
			connects += in.NumConnects
			firstDone++
			e.Private = true
		}
		finished++
		l.m.Remove(e)
		if started < cfg.N {
			started++
			l.m.Add(e)
		}
	}
	slots := min(cfg.Conc, cfg.N)
	easies := make([]*xfer.Easy, slots)
	for i := range easies {
		e := xfer.NewEasy(url)
		e.Write = body.write
		e.TLSConfig = tc
		e.PipeWait = true
		easies[i] = e
	}
	st0 := serverStats(cfg)
	runtime.GC()
	u0, t0 := measure.Now(), time.Now()
	for _, e := range easies {
		started++
		l.m.Add(e)
	}
	l.until(func() bool { return finished == cfg.N }, 10*time.Minute, "the requests")
	wall, u1 := time.Since(t0), measure.Now()
	if body.n != int64(13*cfg.N) {
		measure.Fatalf("got %d body bytes, want %d", body.n, 13*cfg.N)
	}
	heapProfile()
	conns := serverStats(cfg)["h2total"] - st0["h2total"]
	if conns != 1 || connects != 1 {
		measure.Fatalf("the %d requests used %d connections (server's count; the first %d transfers opened %d), want 1",
			cfg.N, conns, firstDone, connects)
	}
	return measure.PerRequest(u0, u1, cfg.N, wall).Merge(measure.Result{"conns": float64(conns)})
}

// workC2: cfg.N GETs of /hold over HTTP/2 on one origin, cfg.Conc streams per connection
// (MaxConcurrentStreams) and at most N/Conc connections (MaxHostConnections), each with its
// reply header received: N idle in-flight streams. RSS and Go heap per stream.
func workC2(cfg *measure.Config) measure.Result {
	if len(cfg.H2Addrs) == 0 {
		measure.Fatalf("workload C2 needs -h2addrs")
	}
	conns := (cfg.N + cfg.Conc - 1) / cfg.Conc
	l := newLoop(xfer.MultiOptions{MaxConcurrentStreams: cfg.Conc, MaxHostConnections: conns})
	url := "https://" + cfg.H2Addrs[0] + "/hold"
	tc := cfg.TLSConfig()
	headers := 0
	onHeader := func(line []byte) error {
		if len(line) == 2 {
			headers++
		}
		return nil
	}
	base := measure.Footprint()
	for i := 0; i < cfg.N; i++ {
		e := xfer.NewEasy(url)
		e.HeaderLine = onHeader
		e.TLSConfig = tc
		e.PipeWait = true
		if err := l.m.Add(e); err != nil {
			measure.Fatalf("Add: %v", err)
		}
		if i%500 == 499 || i == cfg.N-1 {
			want := i + 1
			l.until(func() bool { return headers >= want }, 60*time.Second, "idle reply headers")
		}
	}
	m := measure.Footprint()
	heapProfile()
	st := serverStats(cfg)
	runtime.KeepAlive(l)
	return measure.PerTransfer(base, m, cfg.N).Merge(measure.Result{
		"conns": float64(st["h2"]), "held": float64(st["h2held"]),
	})
}

// serverStats returns the workload server's counts (cmd/server's /stats).
func serverStats(cfg *measure.Config) map[string]int {
	st, err := measure.ServerStats(cfg.Addrs[0])
	if err != nil {
		measure.Fatalf("server stats: %v", err)
	}
	return st
}
