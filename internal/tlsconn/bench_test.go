//go:build linux

package tlsconn

import (
	"crypto/tls"
	"net"
	"testing"
)

// BenchmarkHandshake measures full handshakes per second against a
// tls.Server on the other end of a net.Pipe (server in a goroutine, as the
// peer would be): "Conn" drives this package's Conn from the benchmark
// goroutine, moving the bytes between Outbound/Feed and the pipe;
// "tls.Client" is the standard library's blocking client on the same pipe.
// Both include the server's work; the difference is the client side.
func BenchmarkHandshake(b *testing.B) {
	for _, v := range versions {
		pki := newPKI(b, v.v)
		ccfg := pki.client()
		b.Run(v.name+"/Conn", func(b *testing.B) {
			buf := make([]byte, 64<<10)
			b.ReportAllocs()
			for b.Loop() {
				cp, sp := net.Pipe()
				done := make(chan error, 1)
				go func() {
					done <- tls.Server(sp, pki.server).Handshake()
					sp.Close()
				}()
				c := Client(ccfg)
				for {
					ok, err := c.Handshake()
					for out := c.Outbound(); out != nil; out = c.Outbound() {
						n, err := cp.Write(out)
						if err != nil {
							b.Fatal(err)
						}
						c.Consumed(n)
					}
					if err != nil {
						b.Fatal(err)
					}
					if ok {
						break
					}
					n, err := cp.Read(buf)
					if err != nil {
						b.Fatal(err)
					}
					c.Feed(buf[:n])
				}
				cp.Close()
				if err := <-done; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
		b.Run(v.name+"/tls.Client", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				cp, sp := net.Pipe()
				done := make(chan error, 1)
				go func() {
					done <- tls.Server(sp, pki.server).Handshake()
					sp.Close()
				}()
				if err := tls.Client(cp, ccfg).Handshake(); err != nil {
					b.Fatal(err)
				}
				cp.Close()
				if err := <-done; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
	}
}

// BenchmarkRead measures the steady state of a receiving connection: the
// server sends 16 KiB writes over a socketpair, the benchmark goroutine
// reads the socket, feeds, and reads plaintext until ErrWouldBlock.
func BenchmarkRead(b *testing.B) {
	for _, v := range versions {
		b.Run(v.name, func(b *testing.B) {
			pki := newPKI(b, v.v)
			const size = 16 << 10
			total := make(chan int, 1)
			d := startTLS(b, pki.client(), pki.server, func(s *tls.Conn) {
				if s.Handshake() != nil {
					return
				}
				n := <-total
				msg := make([]byte, size)
				for range n {
					if _, err := s.Write(msg); err != nil {
						return
					}
				}
				s.Close()
			})
			if err := d.handshake(); err != nil {
				b.Fatal(err)
			}
			p := make([]byte, 64<<10)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			total <- b.N
			want := b.N * size
			for got := 0; got < want; {
				n, err := d.c.Read(p)
				got += n
				switch {
				case err == ErrWouldBlock:
					d.pump()
				case err != nil && got < want:
					b.Fatalf("after %d bytes: %v", got, err)
				}
			}
		})
	}
}

// BenchmarkWrite measures the steady state of a sending connection: 16 KiB
// Writes, flushed to a socketpair whose other end discards them.
func BenchmarkWrite(b *testing.B) {
	for _, v := range versions {
		b.Run(v.name, func(b *testing.B) {
			pki := newPKI(b, v.v)
			d := startTLS(b, pki.client(), pki.server, func(s *tls.Conn) {
				buf := make([]byte, 64<<10)
				for {
					if _, err := s.Read(buf); err != nil {
						return
					}
				}
			})
			if err := d.handshake(); err != nil {
				b.Fatal(err)
			}
			msg := make([]byte, 16<<10)
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := d.c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if err := d.flush(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
