// Command xferhttpclient runs the harness's workloads as nethttpclient does, with net/http's
// Client and a goroutine per request, but with xferhttp's Transport under the Client: the
// figures beside nethttpclient's are what switching one field costs or saves. The
// Transport has XFERHTTP_LOOPS event loops (2 when unset).
package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/bench/internal/measure"
	"github.com/xfer-go/xfer/xferhttp"
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

func client(tc *tls.Config, conns int, keepAlive bool) *http.Client {
	loops := 2
	if s := os.Getenv("XFERHTTP_LOOPS"); s != "" {
		loops, _ = strconv.Atoi(s)
	}
	return &http.Client{Transport: &xferhttp.Transport{
		Loops: loops,
		Multi: xfer.MultiOptions{MaxConnects: conns},
		Easy: func(req *http.Request, e *xfer.Easy) {
			e.TLSConfig = tc
			e.ForbidReuse = !keepAlive
		},
	}}
}

// get does one GET and reads the body with buf; it returns the body length.
func get(c *http.Client, url string, buf []byte) int64 {
	resp, err := c.Get(url)
	if err != nil {
		measure.Fatalf("%s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		measure.Fatalf("%s: status %d", url, resp.StatusCode)
	}
	var n int64
	for {
		k, err := resp.Body.Read(buf)
		n += int64(k)
		if err == io.EOF {
			return n
		}
		if err != nil {
			measure.Fatalf("%s: %v", url, err)
		}
	}
}

// requests: cfg.N GETs of /small from cfg.Conc goroutines; keep-alive over http (B), a new
// connection each over https (Ehs). Goroutine i always asks addrs[i%len(addrs)].
func requests(cfg *measure.Config, scheme string, addrs []string, tc *tls.Config) measure.Result {
	c := client(tc, cfg.Conc, tc == nil)
	var next atomic.Int64
	var bytes atomic.Int64
	var wg sync.WaitGroup
	runtime.GC()
	u0, t0 := measure.Now(), time.Now()
	for i := range min(cfg.Conc, cfg.N) {
		url := scheme + "://" + addrs[i%len(addrs)] + "/small"
		wg.Go(func() {
			buf := make([]byte, 512)
			for next.Add(1) <= int64(cfg.N) {
				bytes.Add(get(c, url, buf))
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

// workC: cfg.N GETs of /hold, each in its goroutine, holding the response with its body
// unread: N idle in-flight transfers.
func workC(cfg *measure.Config) measure.Result {
	c := client(nil, cfg.N, true)
	return measure.HoldIdle(cfg, func(url string, headers *atomic.Int64, release <-chan struct{}) {
		go func() {
			resp, err := c.Get(url)
			if err != nil {
				measure.Fatalf("%s: %v", url, err)
			}
			headers.Add(1)
			<-release
			resp.Body.Close()
		}()
	})
}

// workD: one GET of cfg.Size bytes read with a 64 KiB buffer.
func workD(cfg *measure.Config) measure.Result {
	c := client(nil, 1, true)
	buf := make([]byte, 64<<10)
	u0, t0 := measure.Now(), time.Now()
	n := get(c, "http://"+cfg.Addrs[0]+"/bytes?n="+strconv.FormatInt(cfg.Size, 10), buf)
	wall, u1 := time.Since(t0), measure.Now()
	if n != cfg.Size {
		measure.Fatalf("got %d bytes, want %d", n, cfg.Size)
	}
	return measure.PerMiB(u0, u1, cfg.Size, wall)
}

// workEidle: cfg.N https GETs of /small started together; afterwards their connections wait
// idle in the Transport's pool.
func workEidle(cfg *measure.Config) measure.Result {
	c := client(cfg.TLSConfig(), cfg.N, true)
	r := measure.IdleTLS(cfg, func(url string) { get(c, url, make([]byte, 512)) })
	runtime.KeepAlive(c)
	return r
}
