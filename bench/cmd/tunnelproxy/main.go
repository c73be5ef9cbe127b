// Command tunnelproxy is the tunnel profile's helper (tunnel.sh), on loopback: a minimal
// HTTP proxy that answers CONNECT and nothing else, or a TCP relay that holds every piece
// of data it forwards for -delay in each direction, so that a client's round trips show
// in its wall time.
//
//	tunnelproxy                          a CONNECT proxy
//	tunnelproxy -relay ADDR -delay 25ms  a relay to ADDR (the origin, or the proxy)
//
// It listens on -listen (127.0.0.1, a free port) and prints "READY addr=HOST:PORT" once it
// does. The proxy dials the CONNECT target, replies "200 Connection established" and then
// copies both ways with io.Copy, which splices between the two TCP sockets: the proxy's
// own CPU stays small, and it is not what the profile measures anyway.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "listen address")
	relay := flag.String("relay", "", "be a relay to this address instead of a proxy")
	delay := flag.Duration("delay", 0, "relay: hold each piece of data this long, in each direction")
	flag.Parse()
	log.SetPrefix("tunnelproxy: ")
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("READY addr=%s\n", ln.Addr())
	os.Stdout.Sync()
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		if *relay != "" {
			go relayConn(c.(*net.TCPConn), *relay, *delay)
		} else {
			go connect(c.(*net.TCPConn))
		}
	}
}

// connect serves one CONNECT request, then copies both ways until either side closes.
func connect(c *net.TCPConn) {
	defer c.Close()
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return
	}
	f := strings.Fields(line)
	for { // the rest of the head
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if l == "\r\n" || l == "\n" {
			break
		}
	}
	if len(f) != 3 || f[0] != "CONNECT" {
		io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	o, err := net.Dial("tcp", f[1])
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	oc := o.(*net.TCPConn)
	defer oc.Close()
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	if n := r.Buffered(); n > 0 { // what the client sent after the head
		b, _ := r.Peek(n)
		if _, err := oc.Write(b); err != nil {
			return
		}
	}
	pipe(c, oc)
}

// pipe copies both ways between a and b, and returns when both directions have ended.
func pipe(a, b *net.TCPConn) {
	done := make(chan struct{})
	go func() {
		io.Copy(b, a)
		b.CloseWrite()
		close(done)
	}()
	io.Copy(a, b)
	a.CloseWrite()
	<-done
}

// piece is data read at some time, to be written delay later.
type piece struct {
	b  []byte
	at time.Time
}

// relayConn forwards c to addr and back, each piece of data delay after it was read.
func relayConn(c *net.TCPConn, addr string, delay time.Duration) {
	defer c.Close()
	o, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	oc := o.(*net.TCPConn)
	defer oc.Close()
	done := make(chan struct{})
	go func() {
		delayed(oc, c, delay)
		close(done)
	}()
	delayed(c, oc, delay)
	<-done
}

// delayed copies from src to dst, holding each piece delay: a reader queues what it
// reads with the time, a writer writes it when its time comes, so that data in flight
// keeps flowing as over a link with that one-way latency.
func delayed(dst, src *net.TCPConn, delay time.Duration) {
	q := make(chan piece, 1024)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 64<<10)
			n, err := src.Read(b)
			if n > 0 {
				q <- piece{b[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	for p := range q {
		time.Sleep(time.Until(p.at.Add(delay)))
		if _, err := dst.Write(p.b); err != nil {
			break
		}
	}
	dst.CloseWrite()
	for range q { // let the reader end
	}
}
