package resolver

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/xfer-go/xfer/internal/testutil"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

// This file holds the test harness: a DNS server on 127.0.0.1 built with
// miekg/dns that counts what it is asked, a poll(2) loop that drives a
// Resolver, and the goroutine and fd leak checks every test runs.

func TestMain(m *testing.M) {
	// Bring up the runtime's network poller before any test counts fds:
	// its epoll fd lives as long as the process.
	testutil.StartNetpoller()
	goleak.VerifyTestMain(m)
}

// server is a DNS server on 127.0.0.1, UDP and TCP on one port.
type server struct {
	addr     netip.AddrPort
	udp, tcp *dns.Server

	mu      sync.Mutex
	handler func(w dns.ResponseWriter, req *dns.Msg)
	counts  map[string]int // "udp foo.example. A" → queries received
	ports   map[int]bool   // client source ports seen
	ids     map[uint16]bool
}

// startServer starts a server answering with h; nil h answers nothing.
func startServer(t *testing.T, h func(w dns.ResponseWriter, req *dns.Msg)) *server {
	t.Helper()
	return startServerTCP(t, h, nil)
}

// startServerTCP is startServer with the TCP side served by tcp, one call
// per connection, instead of h, when tcp is not nil.
func startServerTCP(t *testing.T, h func(w dns.ResponseWriter, req *dns.Msg), tcp func(c net.Conn)) *server {
	t.Helper()
	s := &server{handler: h, counts: map[string]int{}, ports: map[int]bool{}, ids: map[uint16]bool{}}
	var pc net.PacketConn
	var ln net.Listener
	for i := 0; ; i++ {
		var err error
		pc, err = net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err = net.Listen("tcp4", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		if i == 20 {
			t.Fatal(err)
		}
	}
	s.addr = pc.LocalAddr().(*net.UDPAddr).AddrPort()
	mux := dns.HandlerFunc(s.serve)
	var started sync.WaitGroup
	started.Add(2)
	s.udp = &dns.Server{PacketConn: pc, Handler: mux, NotifyStartedFunc: started.Done}
	go s.udp.ActivateAndServe()
	if tcp == nil {
		s.tcp = &dns.Server{Listener: ln, Handler: mux, NotifyStartedFunc: started.Done}
		go s.tcp.ActivateAndServe()
	} else {
		started.Done()
		var conns sync.WaitGroup
		conns.Add(1)
		go func() {
			defer conns.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				conns.Add(1)
				go func() {
					defer conns.Done()
					defer c.Close()
					c.SetDeadline(time.Now().Add(10 * time.Second))
					s.mu.Lock()
					s.counts["tcp"]++
					s.mu.Unlock()
					tcp(c)
				}()
			}
		}()
		t.Cleanup(func() {
			ln.Close()
			conns.Wait()
		})
	}
	started.Wait()
	t.Cleanup(func() {
		s.udp.Shutdown()
		if s.tcp != nil {
			s.tcp.Shutdown()
		}
	})
	return s
}

func (s *server) serve(w dns.ResponseWriter, req *dns.Msg) {
	s.mu.Lock()
	if len(req.Question) == 1 {
		q := req.Question[0]
		s.counts[fmt.Sprintf("%s %s %s", w.RemoteAddr().Network(), strings.ToLower(q.Name), dns.TypeToString[q.Qtype])]++
	}
	if a, ok := w.RemoteAddr().(*net.UDPAddr); ok {
		s.ports[a.Port] = true
	}
	s.ids[req.Id] = true
	h := s.handler
	s.mu.Unlock()
	if h != nil {
		h(w, req)
	}
}

// count returns how many queries the server got; key is "udp NAME TYPE",
// "tcp NAME TYPE", or "" for all of them.
func (s *server) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		return s.counts[key]
	}
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// zone answers from a table of records in presentation format; names with
// no record at all are NXDOMAIN, names with records of other types NODATA.
// Negative answers carry an SOA with a minimum of negTTL seconds.
func zone(negTTL uint32, records ...string) func(w dns.ResponseWriter, req *dns.Msg) {
	var rrs []dns.RR
	for _, s := range records {
		rr, err := dns.NewRR(s)
		if err != nil {
			panic(err)
		}
		rrs = append(rrs, rr)
	}
	return func(w dns.ResponseWriter, req *dns.Msg) {
		w.WriteMsg(answer(req, negTTL, rrs))
	}
}

// answer builds the reply to req from rrs, following CNAMEs as a recursive
// server would.
func answer(req *dns.Msg, negTTL uint32, rrs []dns.RR) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	exists := false
	for hops := 0; hops < 20; hops++ {
		next := ""
		for _, rr := range rrs {
			h := rr.Header()
			if strings.ToLower(h.Name) != name {
				continue
			}
			exists = true
			switch {
			case h.Rrtype == q.Qtype:
				m.Answer = append(m.Answer, rr)
			case h.Rrtype == dns.TypeCNAME:
				m.Answer = append(m.Answer, rr)
				next = strings.ToLower(rr.(*dns.CNAME).Target)
			}
		}
		if next == "" {
			break
		}
		name = next
	}
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	if len(m.Answer) == 0 {
		soa, _ := dns.NewRR(fmt.Sprintf("example. %d IN SOA ns.example. host.example. 1 3600 600 86400 %d", negTTL, negTTL))
		m.Ns = append(m.Ns, soa)
	}
	return m
}

// loop drives a Resolver with poll(2) as an application would, and records
// what the WatchFunc was told.
type loop struct {
	t       *testing.T
	r       *Resolver
	watched map[int]int16 // fd → poll events
	removes int           // stop-watching calls, each made while the fd was open
	calls   int
}

// newLoop makes a Resolver for cfg driven by a poll loop; it is closed,
// and checked to hold no socket, when the test ends.
func newLoop(t *testing.T, cfg Config) *loop {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lp := &loop{t: t, r: r, watched: map[int]int16{}}
	r.SetWatch(lp.watch)
	t.Cleanup(func() {
		r.Close()
		if len(lp.watched) != 0 || len(r.socks) != 0 {
			t.Errorf("after Close: %d fds watched, %d sockets open", len(lp.watched), len(r.socks))
		}
	})
	return lp
}

func (lp *loop) watch(fd int, read, write bool) {
	lp.calls++
	var ev int16
	if read {
		ev |= unix.POLLIN
	}
	if write {
		ev |= unix.POLLOUT
	}
	old, known := lp.watched[fd]
	if known && old == ev || !known && ev == 0 {
		lp.t.Errorf("WatchFunc(%d, %v, %v) told no change", fd, read, write)
	}
	if ev != 0 {
		lp.watched[fd] = ev
		return
	}
	// Removal must come while the fd is still open.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		lp.t.Errorf("WatchFunc(%d, false, false) after the fd was closed: %v", fd, err)
	}
	lp.removes++
	delete(lp.watched, fd)
}

// run drives the loop until done reports true or limit passes.
func (lp *loop) run(limit time.Duration, done func() bool) {
	lp.t.Helper()
	end := time.Now().Add(limit)
	for !done() {
		now := time.Now()
		if now.After(end) {
			lp.t.Fatalf("loop: not done after %v", limit)
		}
		wait := end.Sub(now)
		if d, ok := lp.r.NextTimeout(); ok {
			wait = min(wait, max(d.Sub(now), 0))
		} else if len(lp.watched) == 0 {
			lp.t.Fatal("loop: nothing watched and no timeout, but not done")
		}
		lp.poll(wait)
	}
}

// poll waits up to wait once and hands what it saw to the resolver.
func (lp *loop) poll(wait time.Duration) {
	fds := make([]unix.PollFd, 0, len(lp.watched))
	for fd, ev := range lp.watched {
		fds = append(fds, unix.PollFd{Fd: int32(fd), Events: ev})
	}
	ms := int((wait + time.Millisecond - 1) / time.Millisecond)
	n, err := unix.Poll(fds, ms)
	if err != nil && err != unix.EINTR {
		lp.t.Fatal(err)
	}
	for _, p := range fds {
		if n <= 0 || p.Revents == 0 {
			continue
		}
		rd := p.Revents&(unix.POLLIN|unix.POLLERR|unix.POLLHUP) != 0
		wr := p.Revents&(unix.POLLOUT|unix.POLLERR|unix.POLLHUP) != 0
		lp.r.ProcessFd(int(p.Fd), rd, wr)
	}
	lp.r.ProcessTimeouts(time.Now())
}

// outcome is what a lookup's done received.
type outcome struct {
	calls int
	addrs []netip.Addr
	err   error
}

func (o *outcome) done(addrs []netip.Addr, err error) {
	o.calls++
	o.addrs, o.err = addrs, err
}

// resolve looks host up and drives the loop until done is called.
func (lp *loop) resolve(host string) *outcome {
	lp.t.Helper()
	o := new(outcome)
	lp.r.Lookup(host, o.done)
	lp.run(10*time.Second, func() bool { return o.calls > 0 })
	if o.calls != 1 {
		lp.t.Fatalf("done called %d times", o.calls)
	}
	return o
}

func cfgFor(servers ...*server) Config {
	cfg := Config{Timeout: 2 * time.Second, Attempts: 2, HostsFile: os.DevNull}
	for _, s := range servers {
		cfg.Servers = append(cfg.Servers, s.addr)
	}
	return cfg
}

func addrs(s ...string) []netip.Addr {
	var a []netip.Addr
	for _, x := range s {
		a = append(a, netip.MustParseAddr(x))
	}
	return a
}
