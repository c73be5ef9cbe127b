//go:build linux

package xfer

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkTLSHandshake measures full TLS handshakes (each followed by one small GET) to a
// local server: xfer on its loop beside net/http, in one run. Session resumption is off on
// both sides so each iteration is a full handshake; the server shares the machine.
func BenchmarkTLSHandshake(b *testing.B) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	roots := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		name := map[uint16]string{tls.VersionTLS12: "TLS1.2", tls.VersionTLS13: "TLS1.3"}[v]
		cfg := &tls.Config{RootCAs: roots, MinVersion: v, MaxVersion: v, SessionTicketsDisabled: true}
		b.Run(name+"/xfer", func(b *testing.B) {
			m, err := NewMulti(MultiOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			e := NewEasy(srv.URL)
			e.TLSConfig = cfg
			e.ForbidReuse = true
			b.ReportAllocs()
			for b.Loop() {
				m.Add(e)
				for {
					running, _ := m.Perform()
					if running == 0 {
						break
					}
					m.Wait(time.Second, nil)
				}
				if msg, _ := m.InfoRead(); msg == nil || msg.Err != nil {
					b.Fatal(msg)
				}
				m.Remove(e)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
		b.Run(name+"/net-http", func(b *testing.B) {
			tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.Get(srv.URL)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
	}
}
