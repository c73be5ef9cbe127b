// Package demo is the server behind the example programs' -demo flag: a net/http server on
// 127.0.0.1 that serves 30 bodies from 0 B to 1 MiB in the three framings of HTTP/1.1
// (Content-Length, chunked, and ended by closing the connection), so the examples run on a
// machine with no network.
package demo

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// sizes are the lengths of the bodies served, in bytes.
var sizes = [...]int{
	0, 1, 2, 100, 512, 1000, 1024, 1460, 2048, 4096,
	8000, 8192, 16384, 32768, 65535, 65536, 65537, 100000, 131072, 200000,
	262144, 300000, 400000, 500000, 524288, 600000, 750000, 800000, 1000000, 1 << 20,
}

// framings are how the bodies are delimited, in turn.
var framings = [...]string{"length", "chunked", "close"}

// content is what every body is cut from.
var content = func() []byte {
	b := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(7, 11))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// Server is a running demo server.
type Server struct {
	srv   *http.Server
	urls  []string
	sizes map[string]int // path → body size
	done  chan struct{}
}

// Start starts a server on 127.0.0.1 with an ephemeral port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{sizes: map[string]int{}, done: make(chan struct{})}
	base := "http://" + ln.Addr().String()
	for i, size := range sizes {
		p := fmt.Sprintf("/%s/%02d-%d.bin", framings[i%len(framings)], i, size)
		s.sizes[p] = size
		s.urls = append(s.urls, base+p)
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// URLs returns the URLs of the bodies the server serves.
func (s *Server) URLs() []string { return s.urls }

// Close stops the server and closes its connections.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	size, ok := s.sizes[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	body := content[:size]
	w.Header().Set("Content-Type", "application/octet-stream")
	switch framing, _, _ := strings.Cut(r.URL.Path[1:], "/"); framing {
	case "length":
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(body)
	case "chunked":
		// Flushing before the handler returns makes net/http send the body chunked.
		w.(http.Flusher).Flush()
		for len(body) > 0 {
			n := min(len(body), 100000)
			w.Write(body[:n])
			w.(http.Flusher).Flush()
			body = body[n:]
		}
	case "close":
		conn, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		writeClosing(bw, body)
	}
}

// writeClosing writes a reply whose body ends where the connection does.
func writeClosing(bw *bufio.ReadWriter, body []byte) {
	bw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n")
	bw.Write(body)
	bw.Flush()
}
