package main

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"sync/atomic"
)

// The HTTP/2 listeners: net/http's server over TLS, ALPN "h2" (and "http/1.1" for a
// client that does not offer h2), with the server's default HTTP/2 settings (250
// concurrent streams per connection). They serve /small and /hold as the HTTP/1.1
// listeners do; the connections and the held streams are counted for /stats.

var (
	nH2      atomic.Int64 // HTTP/2-listener connections open now
	nH2Total atomic.Int64 // ... accepted since the start
	nH2Held  atomic.Int64 // /hold streams whose reply header was sent and that wait now
)

// serveH2 serves the HTTP/2 workloads on lns with the certificate of cfg.
func serveH2(lns []net.Listener, cfg *tls.Config) {
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"text/plain"}
		h["Content-Length"] = []string{"13"}
		io.WriteString(w, "hello, world\n")
	})
	// /hold: a reply header announcing 1 TiB, flushed, then nothing until the client
	// resets the stream or leaves.
	mux.HandleFunc("/hold", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/octet-stream"}
		h["Content-Length"] = []string{"1099511627776"}
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		nH2Held.Add(1)
		defer nH2Held.Add(-1)
		<-r.Context().Done()
	})
	tc := cfg.Clone()
	tc.NextProtos = []string{"h2", "http/1.1"}
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetHTTP2(true)
	srv := &http.Server{
		Handler:   mux,
		TLSConfig: tc,
		Protocols: &protos,
		ErrorLog:  log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				nH2.Add(1)
				nH2Total.Add(1)
			case http.StateClosed, http.StateHijacked:
				nH2.Add(-1)
			}
		},
	}
	for _, ln := range lns {
		go srv.ServeTLS(ln, "", "")
	}
}
