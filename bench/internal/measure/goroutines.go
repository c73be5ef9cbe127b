package measure

import (
	"sync"
	"sync/atomic"
	"time"
)

// HoldIdle runs workload C for a client that holds each transfer in a goroutine of its own,
// as the users of net/http and fasthttp write it. For each of cfg.N URLs of /hold, spread
// over cfg.Addrs, it calls start, which starts that goroutine: it GETs the URL, adds 1 to
// headers once the reply header is in, and waits for release, which never comes, with the
// body unread. The goroutines are the client's, as what they hold is what is measured.
// HoldIdle starts them in batches of 500, each once the previous ones have their headers,
// and returns the figures of PerTransfer once all have.
func HoldIdle(cfg *Config, start func(url string, headers *atomic.Int64, release <-chan struct{})) Result {
	return HoldIdleAt(cfg, func(i int) string { return "http://" + cfg.Addrs[i%len(cfg.Addrs)] + "/hold" }, start)
}

// HoldIdleAt is HoldIdle with the URL of the i-th transfer given by url (workload C2: all
// of them on one HTTP/2 origin).
func HoldIdleAt(cfg *Config, url func(i int) string, start func(url string, headers *atomic.Int64, release <-chan struct{})) Result {
	base := Footprint()
	var headers atomic.Int64
	release := make(chan struct{})
	for i := range cfg.N {
		start(url(i), &headers, release)
		if i%500 == 499 {
			waitCount(&headers, int64(i+1), 60*time.Second)
		}
	}
	waitCount(&headers, int64(cfg.N), 60*time.Second)
	return PerTransfer(base, Footprint(), cfg.N)
}

// waitCount waits until c reaches want, polling every millisecond, and fails the run when
// it has not after limit.
func waitCount(c *atomic.Int64, want int64, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for c.Load() < want {
		if time.Now().After(deadline) {
			Fatalf("timed out: %d of %d", c.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// IdleTLS runs workload Eidle for a client that makes each request in a goroutine of its
// own: cfg.N goroutines, released together, call get with a URL of /small, spread over
// cfg.TLSAddrs, and end. Once they have, and the client's connections wait idle, IdleTLS
// returns the figures of PerIdleConn.
func IdleTLS(cfg *Config, get func(url string)) Result {
	base := Footprint()
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range cfg.N {
		url := "https://" + cfg.TLSAddrs[i%len(cfg.TLSAddrs)] + "/small"
		wg.Go(func() {
			<-ready
			get(url)
		})
	}
	close(ready)
	wg.Wait()
	m := Settle() // once the goroutines' stacks are gone
	conns := WaitServerConns(cfg.Addrs[0], true, cfg.N, 2*time.Second)
	return PerIdleConn(base, m, conns)
}
