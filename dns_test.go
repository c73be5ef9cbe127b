//go:build linux

package xfer

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/xfer-go/xfer/internal/testutil"
	"github.com/xfer-go/xfer/resolver"
	"golang.org/x/sys/unix"
)

// dnsServer answers A and AAAA queries for names under .test from a table, on 127.0.0.1,
// and counts the queries.
type dnsServer struct {
	addr    netip.AddrPort
	mu      sync.Mutex
	queries map[string]int
	a, aaaa map[string]string // name → address; "" answers nothing
}

func newDNSServer(t testing.TB) *dnsServer {
	s := &dnsServer{queries: map[string]int{}, a: map[string]string{}, aaaa: map[string]string{}}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = netip.MustParseAddrPort(pc.LocalAddr().String())
	srv := &dns.Server{PacketConn: pc, Handler: s}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return s
}

func (s *dnsServer) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	q := r.Question[0]
	name := strings.TrimSuffix(strings.ToLower(q.Name), ".")
	s.mu.Lock()
	s.queries[name+"/"+dns.TypeToString[q.Qtype]]++
	a, okA := s.a[name]
	aaaa, okAAAA := s.aaaa[name]
	s.mu.Unlock()
	switch {
	case !okA && !okAAAA:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeA && a != "":
		rr, _ := dns.NewRR(fmt.Sprintf("%s 60 IN A %s", q.Name, a))
		m.Answer = append(m.Answer, rr)
	case q.Qtype == dns.TypeAAAA && aaaa != "":
		rr, _ := dns.NewRR(fmt.Sprintf("%s 60 IN AAAA %s", q.Name, aaaa))
		m.Answer = append(m.Answer, rr)
	}
	if len(m.Answer) == 0 { // negative answers carry the zone's SOA, so they are cached (RFC 2308)
		soa, _ := dns.NewRR("test. 60 IN SOA ns.test. admin.test. 1 60 60 60 60")
		m.Ns = append(m.Ns, soa)
	}
	w.WriteMsg(m)
}

// set makes name answer with a (A) and aaaa (AAAA); "" answers that type with no record.
func (s *dnsServer) set(name, a, aaaa string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.a[name], s.aaaa[name] = a, aaaa
}

func (s *dnsServer) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[key]
}

func (s *dnsServer) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.queries {
		n += c
	}
	return n
}

// resolverFor returns a resolver that asks s, with an empty hosts file.
func (s *dnsServer) resolver(t testing.TB) *resolver.Resolver {
	hosts := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(hosts, []byte("127.0.0.1 fromhosts.test\n"), 0o644)
	r, err := resolver.New(resolver.Config{Servers: []netip.AddrPort{s.addr}, Timeout: 3 * time.Second, Attempts: 2, HostsFile: hosts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestTransfersByName(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dnsSrv := newDNSServer(t)
	for i := 0; i < 50; i++ {
		dnsSrv.set(fmt.Sprintf("h%d.test", i), "127.0.0.1", "")
	}
	l := newEpollLoop(t, MultiOptions{Resolver: dnsSrv.resolver(t)})
	udpOpen, udpRemoved := map[int]bool{}, 0
	l.onSocket = func(fd int, what Poll, _ any) error {
		typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
		switch {
		case err != nil:
			t.Errorf("fd %d announced %v is not open: %v", fd, what, err)
		case typ != unix.SOCK_DGRAM:
		case what == PollRemove:
			delete(udpOpen, fd)
			udpRemoved++
		default:
			udpOpen[fd] = true
		}
		return nil
	}
	g0 := clientGoroutines()
	var es []*Easy
	for i := 0; i < 1000; i++ {
		e := NewEasy(fmt.Sprintf("http://h%d.test:%s/body?size=100&seed=%d", i%50, port, i))
		es = append(es, e)
		l.m.Add(e)
	}
	nx := NewEasy("http://missing.test:" + port + "/")
	hosts := NewEasy("http://fromhosts.test:" + port + "/body?size=5")
	l.m.Add(nx)
	l.m.Add(hosts)
	gmax := g0
	for end := time.Now().Add(30 * time.Second); l.ndone < len(es)+2 && time.Now().Before(end); {
		l.step(100 * time.Millisecond)
		gmax = max(gmax, clientGoroutines())
	}
	for _, e := range es {
		if err := l.done[e]; err != nil {
			t.Fatalf("%s: %v", e.URL, err)
		}
		if e.Info().NameLookup <= 0 {
			t.Fatalf("NameLookup %v", e.Info().NameLookup)
		}
	}
	var re *resolver.Error
	if err := l.done[nx]; !errors.Is(err, ErrCouldntResolveHost) || !errors.As(err, &re) || !strings.Contains(err.Error(), "missing.test") {
		t.Fatalf("unknown name: %v", err)
	}
	if err := l.done[hosts]; err != nil {
		t.Fatalf("hosts file name: %v", err)
	}
	if q := dnsSrv.total(); q > 102 {
		t.Fatalf("%d queries for 50 names (and one unknown)", q)
	}
	if dnsSrv.count("fromhosts.test/A") != 0 {
		t.Fatal("a hosts-file name was asked of the DNS server")
	}
	if udpRemoved == 0 || len(udpOpen) != 0 {
		t.Fatalf("resolver UDP sockets: %d removed, still watched %v", udpRemoved, udpOpen)
	}
	if gmax != g0 {
		t.Fatalf("goroutines went from %d to %d", g0, gmax)
	}
	// Within the TTL, no new query.
	before := dnsSrv.total()
	e := NewEasy(fmt.Sprintf("http://h1.test:%s/body?size=1", port))
	l.m.Add(e)
	l.run(l.ndone+1, 5*time.Second)
	if err := l.done[e]; err != nil || dnsSrv.total() != before {
		t.Fatalf("cached name: %v, %d new queries", err, dnsSrv.total()-before)
	}
}

// clientGoroutines counts the goroutines that the test's servers did not start.
func clientGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		switch {
		case strings.Contains(g, "created by net/http"), strings.Contains(g, "created by github.com/miekg/dns"):
		case strings.Contains(g, "runtime.runCleanups"), strings.Contains(g, "runtime.runFinalizers"):
			// The runtime's own, counted as a user goroutine only while it runs one.
		default:
			count++
		}
	}
	return count
}

// blackholeV6 listens on [::1]:port with a full backlog, so connects there never finish.
func blackholeV6(t testing.TB, port int) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skip("no IPv6:", err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(fd, &unix.SockaddrInet6{Port: port, Addr: netip.IPv6Loopback().As16()}); err != nil {
		unix.Close(fd)
		t.Skip("cannot bind [::1]:", port, err)
	}
	unix.Listen(fd, 0)
	// Fill the backlog.
	var fills []net.Conn
	for i := 0; i < 4; i++ {
		d := net.Dialer{Timeout: 100 * time.Millisecond}
		if c, err := d.Dial("tcp6", fmt.Sprintf("[::1]:%d", port)); err == nil {
			fills = append(fills, c)
		}
	}
	t.Cleanup(func() {
		for _, c := range fills {
			c.Close()
		}
		unix.Close(fd)
	})
}

func TestHappyEyeballs(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	_, portStr, _ := net.SplitHostPort(srv.Listener.Addr().String())
	var port int
	fmt.Sscan(portStr, &port)
	blackholeV6(t, port)
	dnsSrv := newDNSServer(t)
	dnsSrv.set("both.test", "127.0.0.1", "::1")
	l := newEpollLoop(t, MultiOptions{Resolver: dnsSrv.resolver(t)})
	e := NewEasy(fmt.Sprintf("http://both.test:%d/body?size=10", port))
	e.ConnectTimeout = 3 * time.Second
	start := time.Now()
	l.m.Add(e)
	l.run(1, 5*time.Second)
	if err := l.done[e]; err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	if ra := e.Info().RemoteAddr; !ra.Addr().Is4() || el < eyeballsDelay || el > e.ConnectTimeout {
		t.Fatalf("connected to %v after %v", ra, el)
	}
	if len(l.watched) != 1 {
		t.Fatalf("the losing attempt is still watched: %v", l.watched)
	}
}
