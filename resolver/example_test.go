package resolver_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/miekg/dns"
	"github.com/xfer-go/xfer/resolver"
	"golang.org/x/sys/unix"
)

// This example drives a Resolver on its own with a poll(2) loop: the
// WatchFunc keeps the set of fds to poll, ProcessFd handles the ready ones
// and ProcessTimeouts the retries. The name server is a small one started
// on 127.0.0.1 for the example.
func Example() {
	server, stop := startExampleServer()
	defer stop()

	r, err := resolver.New(resolver.Config{
		Servers:   []netip.AddrPort{server},
		Timeout:   time.Second,
		HostsFile: os.DevNull, // leave this machine's hosts file out of it
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()

	watched := make(map[int]int16) // fd → poll events
	r.SetWatch(func(fd int, read, write bool) {
		var events int16
		if read {
			events |= unix.POLLIN
		}
		if write {
			events |= unix.POLLOUT
		}
		if events == 0 {
			delete(watched, fd) // the resolver closes fd right after
			return
		}
		watched[fd] = events
	})

	finished := false
	r.Lookup("www.example.", func(addrs []netip.Addr, err error) {
		finished = true
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(addrs)
	})

	for !finished {
		wait := -1 // ms; nothing to wait for: block
		if deadline, ok := r.NextTimeout(); ok {
			wait = int((max(time.Until(deadline), 0) + time.Millisecond - 1) / time.Millisecond)
		}
		fds := make([]unix.PollFd, 0, len(watched))
		for fd, events := range watched {
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: events})
		}
		if _, err := unix.Poll(fds, wait); err != nil && err != unix.EINTR {
			fmt.Println(err)
			return
		}
		for _, p := range fds {
			if p.Revents != 0 {
				readable := p.Revents&(unix.POLLIN|unix.POLLERR|unix.POLLHUP) != 0
				writable := p.Revents&(unix.POLLOUT|unix.POLLERR|unix.POLLHUP) != 0
				r.ProcessFd(int(p.Fd), readable, writable)
			}
		}
		r.ProcessTimeouts(time.Now())
	}
	// Output: [127.0.0.1 ::1]
}

// startExampleServer starts a name server on 127.0.0.1 that gives every
// name the address 127.0.0.1 and ::1.
func startExampleServer() (netip.AddrPort, func()) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{
		PacketConn:        pc,
		NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(req)
			q := req.Question[0]
			switch q.Qtype {
			case dns.TypeA:
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(127, 0, 0, 1)})
			case dns.TypeAAAA:
				m.Answer = append(m.Answer, &dns.AAAA{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeAAAA, Class: dns.ClassINET, Ttl: 60}, AAAA: net.IPv6loopback})
			}
			w.WriteMsg(m)
		}),
	}
	go srv.ActivateAndServe()
	<-started
	return pc.LocalAddr().(*net.UDPAddr).AddrPort(), func() { srv.Shutdown() }
}
