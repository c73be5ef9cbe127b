//go:build linux

package xfer

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"golang.org/x/sys/unix"
)

// h2Streamer is a cleartext HTTP/2 server that answers the first request on a connection
// with a header, then sends DATA frames on it when told (send), reading and dropping
// whatever the client sends (its WINDOW_UPDATEs).
type h2Streamer struct {
	ln     net.Listener
	ready  chan struct{} // closed once the reply header went out
	fr     *http2.Framer
	stream uint32
	conn   net.Conn
	wg     sync.WaitGroup
}

func newH2Streamer(tb testing.TB) *h2Streamer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &h2Streamer{ln: ln, ready: make(chan struct{})}
	s.wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.conn = c
		if _, err := io.ReadFull(c, make([]byte, len(http2.ClientPreface))); err != nil {
			return
		}
		fr := http2.NewFramer(c, c)
		fr.WriteSettings()
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				return
			}
			if sf, ok := f.(*http2.SettingsFrame); ok && !sf.IsAck() {
				fr.WriteSettingsAck()
			}
			if h, ok := f.(*http2.HeadersFrame); ok {
				var block bytes.Buffer
				hpack.NewEncoder(&block).WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: h.StreamID, BlockFragment: block.Bytes(), EndHeaders: true})
				s.fr, s.stream = fr, h.StreamID
				close(s.ready)
				break
			}
		}
		for {
			if _, err := fr.ReadFrame(); err != nil {
				return
			}
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		if s.conn != nil {
			s.conn.Close()
		}
		s.wg.Wait()
	})
	return s
}

// BenchmarkHTTP2StreamReceive measures the receive path of a running HTTP/2 stream: each
// iteration the server sends one DATA frame of 1 KiB, the loop's epoll reports the socket,
// and SocketAction feeds the connection and delivers the bytes to Write, crediting the
// window. In the steady state it allocates nothing.
func BenchmarkHTTP2StreamReceive(b *testing.B) {
	srv := newH2Streamer(b)
	l := newBenchLoop(b)
	m, ep, events, drive := l.m, l.ep, l.events, l.drive
	e := NewEasy("http://" + srv.ln.Addr().String() + "/")
	e.HTTPVersion = HTTPVersion2PriorKnowledge
	received := 0
	e.Write = func(p []byte) (int, error) { received += len(p); return len(p), nil }
	m.Add(e)
	for deadline := time.Now().Add(10 * time.Second); e.Status() == 0; drive(10) {
		if time.Now().After(deadline) {
			b.Fatal("no reply header")
		}
	}
	<-srv.ready
	chunk := make([]byte, 1024)
	var inside time.Duration
	actions := 0
	// A first stretch lets the stream's window and the buffers reach their steady size.
	for range 2000 {
		srv.fr.WriteData(srv.stream, false, chunk)
		drive(1000)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := srv.fr.WriteData(srv.stream, false, chunk); err != nil {
			b.Fatal(err)
		}
		k, _ := unix.EpollWait(ep, events, 1000)
		for _, ev := range events[:max(k, 0)] {
			t0 := time.Now()
			m.SocketAction(int(ev.Fd), epollEvent(ev.Events))
			inside += time.Since(t0)
			actions++
		}
		if l.timerDue {
			l.timerDue = false
			m.SocketAction(SocketTimeout, 0)
		}
	}
	b.ReportMetric(float64(inside.Nanoseconds())/float64(max(actions, 1)), "ns/action")
	b.ReportMetric(float64(actions)/float64(b.N), "actions/op")
	if received < b.N*len(chunk) {
		b.Fatalf("received %d bytes of %d", received, (b.N+2000)*len(chunk))
	}
	if msg, _ := m.InfoRead(); msg != nil {
		b.Fatalf("the transfer ended: %v", msg.Err)
	}
}
