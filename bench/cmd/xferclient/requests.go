package main

import (
	"crypto/tls"
	"runtime"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/bench/internal/measure"
)

// requests: cfg.N GETs of /small with cfg.Conc in flight. Over http the connections are
// kept alive and reused (B); over https every request takes a new connection, so each one
// is a full handshake (Ehs). Slot i always asks addrs[i%len(addrs)].
func requests(cfg *measure.Config, scheme string, addrs []string, tc *tls.Config) measure.Result {
	l := newLoop(xfer.MultiOptions{})
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
	slots := min(cfg.Conc, cfg.N)
	easies := make([]*xfer.Easy, slots)
	for i := range easies {
		e := xfer.NewEasy(scheme + "://" + addrs[i%len(addrs)] + "/small")
		e.Write = body.write
		e.TLSConfig = tc
		e.ForbidReuse = tc != nil
		easies[i] = e
	}
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
	return measure.PerRequest(u0, u1, cfg.N, wall)
}

// workEidle: cfg.N https GETs of /small started together, so each opens its own
// connection; when all are done the connections wait idle in the cache. RSS per idle TLS
// connection, minus the baseline, divided by the connections the server holds.
func workEidle(cfg *measure.Config) measure.Result {
	l := newLoop(xfer.MultiOptions{MaxConnects: 4 * cfg.N})
	tc := cfg.TLSConfig()
	finished := 0
	l.onDone = func(e *xfer.Easy, err error) {
		if err != nil {
			measure.Fatalf("%s: %v", e.URL, err)
		}
		finished++
		l.m.Remove(e) // the connection stays in the cache; the Easy is the application's
	}
	base := measure.Footprint()
	for i := range cfg.N {
		e := xfer.NewEasy("https://" + cfg.TLSAddrs[i%len(cfg.TLSAddrs)] + "/small")
		e.TLSConfig = tc
		l.m.Add(e)
	}
	l.until(func() bool { return finished == cfg.N }, 5*time.Minute, "the TLS requests")
	m := measure.Settle() // as the Go peers do, for finished goroutines
	conns := measure.WaitServerConns(cfg.Addrs[0], true, cfg.N, 2*time.Second)
	heapProfile()
	l.step(0)
	return measure.PerIdleConn(base, m, conns)
}
