package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"runtime"
	"time"

	"github.com/xfer-go/xfer/bench/internal/measure"
	"golang.org/x/sys/unix"
)

// floorA is workload A (or S) without a library: n idle connections with their /hold reply
// header read, all in one epoll set, and one connection streaming cfg.Size bytes (in S, one
// byte per write, paced) that the loop reads cfg.Buf at a time until a read comes back
// short, as xfer does. Each handling of a ready event is timed.
func floorA(cfg *measure.Config) measure.Result {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		measure.Fatalf("epoll_create1: %v", err)
	}
	hdr := make([]byte, 4096)
	for i := 0; i < cfg.N; i++ {
		fd := dialBlocking(cfg.Addrs[i%len(cfg.Addrs)])
		writeAll(fd, "GET /hold HTTP/1.1\r\nHost: bench\r\n\r\n")
		got := 0
		for !bytes.Contains(hdr[:got], []byte("\r\n\r\n")) {
			n, err := unix.Read(fd, hdr[got:])
			if n <= 0 {
				measure.Fatalf("reading a /hold reply: %v", err)
			}
			got += n
		}
		unix.SetNonblock(fd, true)
		unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)})
	}
	runtime.GC()

	fd := dialBlocking(cfg.Addrs[0])
	unix.SetNonblock(fd, true)
	unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)})
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", cfg.Size)
	want := int64(len(head)) + cfg.Size
	buf := make([]byte, cfg.Buf)
	events := make([]unix.EpollEvent, 1024)
	calls := measure.NewCalls(cfg.ActiveReads() + 1024)

	reads0, u0, t0 := measure.ReadCalls(), measure.Now(), time.Now()
	writeAll(fd, "GET "+cfg.ActivePath()+" HTTP/1.1\r\nHost: bench\r\n\r\n")
	var got int64
	for got < want {
		n, err := unix.EpollWait(ep, events, 1000)
		if err != nil && err != unix.EINTR {
			measure.Fatalf("epoll_wait: %v", err)
		}
		for _, ev := range events[:max(n, 0)] {
			if int(ev.Fd) != fd {
				measure.Fatalf("an idle connection became ready")
			}
			c0 := time.Now()
			for {
				k, _ := unix.Read(fd, buf)
				if k > 0 {
					got += int64(k)
				}
				if k < len(buf) {
					break
				}
			}
			calls.Add(time.Since(c0))
		}
	}
	wall, u1, reads1 := time.Since(t0), measure.Now(), measure.ReadCalls()
	if got != want {
		measure.Fatalf("got %d bytes, want %d", got, want)
	}
	return resultA(cfg, calls, reads1-reads0, u0, u1, wall)
}

func dialBlocking(addr string) int {
	ap := netip.MustParseAddrPort(addr)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		measure.Fatalf("socket: %v", err)
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		measure.Fatalf("connect %s: %v", addr, err)
	}
	return fd
}

func writeAll(fd int, s string) {
	for b := []byte(s); len(b) > 0; {
		n, err := unix.Write(fd, b)
		if err != nil {
			measure.Fatalf("write: %v", err)
		}
		b = b[n:]
	}
}
