//go:build linux

package tlsconn

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

// TestIdleMemory measures the Go heap held by established, idle Conns: after
// a handshake and one small reply, and after one full 16 KiB record
// (crypto/tls keeps its grown input buffer). The Conn's own buffers must be
// released; what remains is crypto/tls's state.
func TestIdleMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	const n = 100
	for _, v := range versions {
		for _, reply := range []int{5, 16 << 10} {
			t.Run(fmt.Sprintf("%s/%dB", v.name, reply), func(t *testing.T) {
				testutil.CheckLeaks(t)
				pki := newPKI(t, v.v)
				pki.server.DynamicRecordSizingDisabled = true // one full record
				cfg := pki.client()
				msg := make([]byte, reply)
				establish := func() *Conn {
					d := openPair(t, cfg, func(nc net.Conn) {
						s := tls.Server(nc, pki.server)
						s.Write(msg)
						io.Copy(io.Discard, s)
					})
					defer d.shutdown()
					if err := d.handshake(); err != nil {
						t.Fatal(err)
					}
					if err := d.readFull(make([]byte, reply)); err != nil {
						t.Fatal(err)
					}
					if _, err := d.c.Read(make([]byte, 1)); err != ErrWouldBlock {
						t.Fatalf("Read = %v", err)
					}
					if d.c.tr.in.b != nil || d.c.tr.out.b != nil {
						t.Fatal("an idle Conn holds a buffer")
					}
					return d.c
				}
				establish() // warm up
				conns := make([]*Conn, n)
				before := heapInUse()
				for i := range conns {
					conns[i] = establish()
				}
				after := heapInUse()
				per := float64(after-before) / n / 1024
				t.Logf("%s, idle after a %d-byte record: %.1f KiB heap per Conn", v.name, reply, per)
				if reply < 1024 && per > 24 {
					t.Errorf("%.1f KiB per idle Conn", per)
				}
				runtime.KeepAlive(conns)

				// The same with the standard client over net.Pipe, for comparison.
				plain := func() *tls.Conn {
					cp, sp := net.Pipe()
					done := make(chan struct{})
					go func() {
						defer close(done)
						s := tls.Server(sp, pki.server)
						s.Write(msg)
						io.Copy(io.Discard, s)
						sp.Close()
					}()
					tc := tls.Client(cp, cfg)
					if _, err := io.ReadFull(tc, make([]byte, reply)); err != nil {
						t.Fatal(err)
					}
					cp.Close()
					<-done
					return tc
				}
				plain()
				tcs := make([]*tls.Conn, n)
				before = heapInUse()
				for i := range tcs {
					tcs[i] = plain()
				}
				after = heapInUse()
				t.Logf("%s, idle after a %d-byte record: %.1f KiB heap per tls.Conn over net.Pipe",
					v.name, reply, float64(after-before)/n/1024)
				runtime.KeepAlive(tcs)
			})
		}
	}
}

func heapInUse() uint64 {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
