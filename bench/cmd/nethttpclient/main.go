// Command nethttpclient runs the harness's workloads with net/http's Client, a goroutine per
// request as its users write it, and prints one RESULT line (over HTTP/2 in workloads H and
// C2: h2.go). With -w Eidle -mode tlsfloor it measures crypto/tls's own floor instead:
// tls.Client connections that did one request each and are then held, with no goroutine and
// no HTTP client around them.
package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

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
	case "D", "Dgz":
		r = workD(cfg)
	case "Ehs":
		r = requests(cfg, "https", cfg.TLSAddrs, cfg.TLSConfig())
	case "H":
		r = workH(cfg)
	case "C2":
		r = workC2(cfg)
	case "Eidle":
		if cfg.Mode == "tlsfloor" {
			r = tlsFloor(cfg)
		} else {
			r = workEidle(cfg)
		}
	default:
		measure.Fatalf("unknown workload %q", cfg.Workload)
	}
	r.Print()
}

func client(tc *tls.Config, conns int, keepAlive bool) *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:     tc,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		DisableKeepAlives:   !keepAlive,
		DisableCompression:  true,
		IdleConnTimeout:     5 * time.Minute,
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

// workD: one GET of cfg.Size bytes read with a 64 KiB buffer. Dgz: the same with the
// Transport's transparent gzip (DisableCompression false: it asks for gzip and decodes
// the gzip-coded body); cfg.Size is the decoded length.
func workD(cfg *measure.Config) measure.Result {
	c := client(nil, 1, true)
	if cfg.Workload == "Dgz" {
		c.Transport.(*http.Transport).DisableCompression = false
	}
	buf := make([]byte, 64<<10)
	u0, t0 := measure.Now(), time.Now()
	n := get(c, "http://"+cfg.Addrs[0]+cfg.DPath(), buf)
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

// tlsFloor: cfg.N tls.Client connections made together, as the other clients make theirs,
// each by its own goroutine that does one GET of /small on it, reads the reply with a
// scratch buffer, leaves the connection in a slice and ends. What remains is crypto/tls's
// own cost per idle connection (with net.Conn's), without a goroutine or an HTTP client.
func tlsFloor(cfg *measure.Config) measure.Result {
	tc := cfg.TLSConfig()
	conns := make([]*tls.Conn, cfg.N)
	base := measure.Footprint()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range cfg.N {
		addr := cfg.TLSAddrs[i%len(cfg.TLSAddrs)]
		wg.Go(func() {
			<-start
			raw, err := net.Dial("tcp", addr)
			if err != nil {
				measure.Fatalf("dial %s: %v", addr, err)
			}
			host, _, _ := net.SplitHostPort(addr)
			cc := tc.Clone() // as tls.Dial does, to set the server name
			cc.ServerName = host
			c := tls.Client(raw, cc)
			c.SetDeadline(time.Now().Add(time.Minute))
			fmt.Fprintf(c, "GET /small HTTP/1.1\r\nHost: %s\r\n\r\n", host)
			r := bufio.NewReaderSize(c, 512)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					measure.Fatalf("%s: %v", addr, err)
				}
				if line == "\r\n" {
					break
				}
			}
			io.ReadFull(r, make([]byte, 13))
			c.SetDeadline(time.Time{})
			conns[i] = c
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(t0)
	m := measure.Settle()
	open := measure.WaitServerConns(cfg.Addrs[0], true, cfg.N, 2*time.Second)
	runtime.KeepAlive(conns)
	return measure.PerIdleConn(base, m, open).Merge(measure.Result{
		"hs_per_s": float64(cfg.N) / wall.Seconds(),
	})
}
