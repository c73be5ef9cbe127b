// Command fasthttpclient runs the harness's workloads with github.com/valyala/fasthttp's
// Client and prints one RESULT line.
package main

import (
	"crypto/tls"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/xfer-go/xfer/bench/internal/measure"
)

func main() {
	cfg := measure.ParseFlags()
	var r measure.Result
	switch cfg.Workload {
	case "B":
		r = requests(cfg, "http", cfg.Addrs, nil)
	case "C":
		r = workC(cfg)
	case "D":
		r = workD(cfg)
	case "Ehs":
		r = requests(cfg, "https", cfg.TLSAddrs, cfg.TLSConfig())
	case "Eidle":
		r = workEidle(cfg)
	default:
		measure.Fatalf("unknown workload %q", cfg.Workload)
	}
	r.Print()
}

func client(tc *tls.Config, conns int, stream bool) *fasthttp.Client {
	return &fasthttp.Client{
		TLSConfig:           tc,
		MaxConnsPerHost:     conns,
		MaxIdleConnDuration: 5 * time.Minute,
		StreamResponseBody:  stream,
		MaxConnWaitTimeout:  time.Minute,
	}
}

// requests: cfg.N GETs of /small from cfg.Conc goroutines with pooled Request and Response
// objects; keep-alive over http (B), a new connection each over https (Ehs). Goroutine i
// always asks addrs[i%len(addrs)].
func requests(cfg *measure.Config, scheme string, addrs []string, tc *tls.Config) measure.Result {
	c := client(tc, cfg.Conc, false)
	var next, bytes atomic.Int64
	var wg sync.WaitGroup
	runtime.GC()
	u0, t0 := measure.Now(), time.Now()
	for i := range min(cfg.Conc, cfg.N) {
		url := scheme + "://" + addrs[i%len(addrs)] + "/small"
		wg.Go(func() {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			for next.Add(1) <= int64(cfg.N) {
				req.Reset()
				req.SetRequestURI(url)
				if tc != nil {
					req.SetConnectionClose()
				}
				if err := c.Do(req, resp); err != nil {
					measure.Fatalf("%s: %v", url, err)
				}
				if resp.StatusCode() != 200 {
					measure.Fatalf("%s: status %d", url, resp.StatusCode())
				}
				bytes.Add(int64(len(resp.Body())))
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

// workC: cfg.N GETs of /hold with response streaming, each in its goroutine; Do returns
// after the header and the body stays unread: N idle in-flight transfers.
func workC(cfg *measure.Config) measure.Result {
	c := client(nil, cfg.N, true)
	return measure.HoldIdle(cfg, func(url string, headers *atomic.Int64, release <-chan struct{}) {
		go func() {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			req.SetRequestURI(url)
			if err := c.Do(req, resp); err != nil {
				measure.Fatalf("%s: %v", url, err)
			}
			headers.Add(1)
			<-release
			resp.CloseBodyStream()
		}()
	})
}

// workD: one GET of cfg.Size bytes, streamed and read with a 64 KiB buffer (without
// streaming, Do would hold the whole body in memory).
func workD(cfg *measure.Config) measure.Result {
	c := client(nil, 1, true)
	buf := make([]byte, 64<<10)
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://" + cfg.Addrs[0] + "/bytes?n=" + strconv.FormatInt(cfg.Size, 10))
	u0, t0 := measure.Now(), time.Now()
	if err := c.Do(req, resp); err != nil {
		measure.Fatalf("%v", err)
	}
	var n int64
	body := resp.BodyStream()
	for {
		k, err := body.Read(buf)
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			measure.Fatalf("%v", err)
		}
	}
	resp.CloseBodyStream()
	wall, u1 := time.Since(t0), measure.Now()
	if n != cfg.Size {
		measure.Fatalf("got %d bytes, want %d", n, cfg.Size)
	}
	return measure.PerMiB(u0, u1, cfg.Size, wall)
}

// workEidle: cfg.N https GETs of /small started together; afterwards their connections wait
// idle in the client's pool.
func workEidle(cfg *measure.Config) measure.Result {
	c := client(cfg.TLSConfig(), cfg.N, false)
	r := measure.IdleTLS(cfg, func(url string) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI(url)
		if err := c.Do(req, resp); err != nil {
			measure.Fatalf("%s: %v", url, err)
		}
		fasthttp.ReleaseRequest(req)
		fasthttp.ReleaseResponse(resp)
	})
	runtime.KeepAlive(c)
	return r
}
