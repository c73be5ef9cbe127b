package main

import (
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xfer-go/xfer/bench/internal/measure"
)

// h2Client is net/http's client over HTTP/2: ForceAttemptHTTP2 with the harness's TLS
// configuration, and at most conns connections to the host, which the streams share.
func h2Client(cfg *measure.Config, conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:     cfg.TLSConfig(),
		ForceAttemptHTTP2:   true,
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: conns,
		DisableCompression:  true,
		IdleConnTimeout:     5 * time.Minute,
	}}
}

// workH: cfg.N GETs of /small over HTTP/2 from cfg.Conc goroutines, all on one connection
// (MaxConnsPerHost 1). Every reply must be HTTP/2.
func workH(cfg *measure.Config) measure.Result {
	if len(cfg.H2Addrs) == 0 {
		measure.Fatalf("workload H needs -h2addrs")
	}
	c := h2Client(cfg, 1)
	url := "https://" + cfg.H2Addrs[0] + "/small"
	var next, bytes atomic.Int64
	var wg sync.WaitGroup
	runtime.GC()
	u0, t0 := measure.Now(), time.Now()
	for range min(cfg.Conc, cfg.N) {
		wg.Go(func() {
			buf := make([]byte, 512)
			for next.Add(1) <= int64(cfg.N) {
				bytes.Add(getH2(c, url, buf))
			}
		})
	}
	wg.Wait()
	wall, u1 := time.Since(t0), measure.Now()
	if bytes.Load() != int64(13*cfg.N) {
		measure.Fatalf("got %d body bytes, want %d", bytes.Load(), 13*cfg.N)
	}
	return measure.PerRequest(u0, u1, cfg.N, wall)
}

// getH2 is get, failing unless the reply came over HTTP/2.
func getH2(c *http.Client, url string, buf []byte) int64 {
	resp, err := c.Get(url)
	if err != nil {
		measure.Fatalf("%s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		measure.Fatalf("%s: reply over %s, want HTTP/2", url, resp.Proto)
	}
	if resp.StatusCode != 200 {
		measure.Fatalf("%s: status %d", url, resp.StatusCode)
	}
	var n int64
	for {
		k, err := resp.Body.Read(buf)
		n += int64(k)
		if err != nil {
			if err != io.EOF {
				measure.Fatalf("%s: %v", url, err)
			}
			return n
		}
	}
}

// workC2: cfg.N GETs of /hold over HTTP/2, each in its goroutine, holding the response
// with its body unread, on at most N/cfg.Conc connections (MaxConnsPerHost). net/http
// packs as many streams on a connection as the server allows (250 here), not cfg.Conc.
func workC2(cfg *measure.Config) measure.Result {
	if len(cfg.H2Addrs) == 0 {
		measure.Fatalf("workload C2 needs -h2addrs")
	}
	c := h2Client(cfg, (cfg.N+cfg.Conc-1)/cfg.Conc)
	url := "https://" + cfg.H2Addrs[0] + "/hold"
	r := measure.HoldIdleAt(cfg, func(int) string { return url }, func(url string, headers *atomic.Int64, release <-chan struct{}) {
		go func() {
			resp, err := c.Get(url)
			if err != nil {
				measure.Fatalf("%s: %v", url, err)
			}
			if resp.ProtoMajor != 2 {
				measure.Fatalf("%s: reply over %s, want HTTP/2", url, resp.Proto)
			}
			headers.Add(1)
			<-release
			resp.Body.Close()
		}()
	})
	st, err := measure.ServerStats(cfg.Addrs[0])
	if err != nil {
		measure.Fatalf("server stats: %v", err)
	}
	return r.Merge(measure.Result{"conns": float64(st["h2"]), "held": float64(st["h2held"])})
}
