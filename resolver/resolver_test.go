package resolver

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"
)

func TestAAndAAAA(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60, "www.example. 300 IN A 127.0.0.1", "www.example. 300 IN A 127.0.0.2", "www.example. 300 IN AAAA ::1"))
	lp := newLoop(t, cfgFor(s))
	o := lp.resolve("www.example.")
	if o.err != nil {
		t.Fatal(o.err)
	}
	if want := addrs("127.0.0.1", "127.0.0.2", "::1"); !slices.Equal(o.addrs, want) {
		t.Errorf("addrs %v, want %v", o.addrs, want)
	}
	if a, aaaa := s.count("udp www.example. A"), s.count("udp www.example. AAAA"); a != 1 || aaaa != 1 || s.count("") != 2 {
		t.Errorf("queries: A %d, AAAA %d, all %d; want 1, 1, 2", a, aaaa, s.count(""))
	}
	if lp.removes != 2 {
		t.Errorf("%d sockets removed, want 2", lp.removes)
	}
	if _, ok := lp.r.NextTimeout(); ok {
		t.Error("NextTimeout reports a deadline with nothing in flight")
	}
}

func TestCNAMEChain(t *testing.T) {
	testutil.CheckLeaks(t)
	base := zone(60,
		"a.example. 300 IN CNAME b.example.",
		"b.example. 200 IN CNAME c.example.",
		"c.example. 100 IN A 127.0.0.3",
		"c.example. 100 IN AAAA ::3",
	)
	// A record for a name outside the chain rides along: it must be ignored.
	s := startServer(t, func(w dns.ResponseWriter, req *dns.Msg) {
		rw := &capture{ResponseWriter: w}
		base(rw, req)
		m := rw.msg
		if req.Question[0].Qtype == dns.TypeA {
			evil, _ := dns.NewRR("evil.example. 300 IN A 127.0.0.66")
			m.Answer = append([]dns.RR{evil}, m.Answer...)
		}
		w.WriteMsg(m)
	})
	lp := newLoop(t, cfgFor(s))
	o := lp.resolve("a.example.")
	if o.err != nil {
		t.Fatal(o.err)
	}
	if want := addrs("127.0.0.3", "::3"); !slices.Equal(o.addrs, want) {
		t.Errorf("addrs %v, want %v", o.addrs, want)
	}
	// The chain's smallest TTL bounds the cache entry.
	e := lp.r.cache.m[cacheKey{"a.example.", dnsmessage.TypeA}]
	if left := time.Until(e.expires); left > 100*time.Second || left < 90*time.Second {
		t.Errorf("cached for %v, want 100 s", left)
	}
}

// capture keeps the message a handler writes instead of sending it.
type capture struct {
	dns.ResponseWriter
	msg *dns.Msg
}

func (c *capture) WriteMsg(m *dns.Msg) error { c.msg = m; return nil }

func TestCNAMELimit(t *testing.T) {
	testutil.CheckLeaks(t)
	chain := func(n int) []string {
		var rrs []string
		for i := range n {
			rrs = append(rrs, "n"+string(rune('a'+i))+".example. 60 IN CNAME n"+string(rune('a'+i+1))+".example.")
		}
		return append(rrs, "n"+string(rune('a'+n))+".example. 60 IN A 127.0.0.4")
	}
	for _, tc := range []struct {
		name    string
		records []string
		err     error
	}{
		{"8 links", chain(8), nil},
		{"9 links", chain(9), ErrCNAMELoop},
		{"loop", []string{"na.example. 60 IN CNAME nb.example.", "nb.example. 60 IN CNAME na.example."}, ErrCNAMELoop},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			s := startServer(t, zone(60, tc.records...))
			lp := newLoop(t, cfgFor(s))
			o := lp.resolve("na.example.")
			if !errors.Is(o.err, tc.err) || tc.err == nil && !slices.Equal(o.addrs, addrs("127.0.0.4")) {
				t.Fatalf("got %v, %v; want error %v", o.addrs, o.err, tc.err)
			}
			if n := s.count("udp na.example. A"); n != 1 {
				t.Errorf("%d A queries, want 1 (no retry for a bad chain)", n)
			}
		})
	}
}

func TestNXDOMAIN(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60))
	lp := newLoop(t, cfgFor(s))
	o := lp.resolve("nothing.example.")
	if !errors.Is(o.err, ErrNotFound) {
		t.Fatalf("err %v, want ErrNotFound", o.err)
	}
	var e *Error
	if !errors.As(o.err, &e) || e.Name != "nothing.example." || e.Server != s.addr || e.Temporary() || e.Timeout() {
		t.Errorf("err %#v", o.err)
	}
	if msg := o.err.Error(); !strings.HasPrefix(msg, "resolver: ") || !strings.Contains(msg, "nothing.example.") || !strings.Contains(msg, "no such host") {
		t.Errorf("message %q", msg)
	}
	if n := s.count(""); n != 2 {
		t.Errorf("%d queries, want 2: NXDOMAIN is not retried", n)
	}
}

func TestServerFailure(t *testing.T) {
	testutil.CheckLeaks(t)
	for _, rcode := range []int{dns.RcodeServerFailure, dns.RcodeRefused} {
		t.Run(dns.RcodeToString[rcode], func(t *testing.T) {
			testutil.CheckLeaks(t)
			s := startServer(t, func(w dns.ResponseWriter, req *dns.Msg) {
				m := new(dns.Msg)
				m.SetRcode(req, rcode)
				w.WriteMsg(m)
			})
			lp := newLoop(t, cfgFor(s))
			o := lp.resolve("www.example.")
			if !errors.Is(o.err, ErrServerFailure) || errors.Is(o.err, ErrNotFound) {
				t.Fatalf("err %v, want ErrServerFailure", o.err)
			}
			if msg := o.err.Error(); !strings.Contains(msg, dns.RcodeToString[rcode]) || !strings.HasPrefix(msg, "resolver: lookup www.example. on ") {
				t.Errorf("message %q", msg)
			}
			var e *Error
			if !errors.As(o.err, &e) || !e.Temporary() {
				t.Errorf("not temporary: %v", o.err)
			}
			// Attempts (2) x servers (1) x types (2), no waiting for timeouts.
			if n := s.count(""); n != 4 {
				t.Errorf("%d queries, want 4", n)
			}
		})
	}
}

func TestNoData(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60,
		"txt.example. 60 IN TXT \"no address\"",
		"v4.example. 60 IN A 127.0.0.7",
	))
	lp := newLoop(t, cfgFor(s))
	o := lp.resolve("txt.example.")
	if !errors.Is(o.err, ErrNoData) || errors.Is(o.err, ErrNotFound) {
		t.Fatalf("err %v, want ErrNoData", o.err)
	}
	if !strings.Contains(o.err.Error(), "no address") {
		t.Errorf("message %q", o.err)
	}
	o = lp.resolve("v4.example.")
	if o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.7")) {
		t.Fatalf("A only: %v, %v", o.addrs, o.err)
	}
}

func TestSilentServer(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, nil)
	cfg := cfgFor(s)
	cfg.Timeout = 100 * time.Millisecond
	lp := newLoop(t, cfg)
	start := time.Now()
	o := lp.resolve("www.example.")
	took := time.Since(start)
	if !errors.Is(o.err, ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", o.err)
	}
	var e *Error
	if !errors.As(o.err, &e) || !e.Timeout() || !e.Temporary() {
		t.Errorf("err %#v", o.err)
	}
	if a, aaaa := s.count("udp www.example. A"), s.count("udp www.example. AAAA"); a != 2 || aaaa != 2 {
		t.Errorf("queries: A %d, AAAA %d; want 2 each (Attempts)", a, aaaa)
	}
	if took < 2*cfg.Timeout {
		t.Errorf("failed after %v, before Attempts x Timeout", took)
	}
	// Every try had a socket of its own: 4 announced, 4 removed.
	if lp.removes != 4 {
		t.Errorf("%d sockets removed, want 4", lp.removes)
	}
}

func TestFailover(t *testing.T) {
	testutil.CheckLeaks(t)
	silent := startServer(t, nil)
	good := startServer(t, zone(60, "www.example. 60 IN A 127.0.0.8"))
	cfg := cfgFor(silent, good)
	cfg.Timeout = 100 * time.Millisecond
	lp := newLoop(t, cfg)
	o := lp.resolve("www.example.")
	if o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.8")) {
		t.Fatalf("got %v, %v", o.addrs, o.err)
	}
	if silent.count("") != 2 || good.count("") != 2 {
		t.Errorf("queries: silent %d, good %d; want 2 each", silent.count(""), good.count(""))
	}
}

func TestFailoverAfterServfail(t *testing.T) {
	testutil.CheckLeaks(t)
	bad := startServer(t, func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeServerFailure)
		w.WriteMsg(m)
	})
	good := startServer(t, zone(60, "www.example. 60 IN A 127.0.0.8"))
	cfg := cfgFor(bad, good)
	cfg.Timeout = 5 * time.Second
	lp := newLoop(t, cfg)
	start := time.Now()
	o := lp.resolve("www.example.")
	if o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.8")) {
		t.Fatalf("got %v, %v", o.addrs, o.err)
	}
	if time.Since(start) >= cfg.Timeout {
		t.Error("waited for a timeout after SERVFAIL")
	}
	if bad.count("") != 2 || good.count("") != 2 {
		t.Errorf("queries: bad %d, good %d; want 2 each", bad.count(""), good.count(""))
	}
}

func TestFailoverPortUnreachable(t *testing.T) {
	testutil.CheckLeaks(t)
	// A port nothing listens on: the ICMP error ends the try at once.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	pc.Close()
	good := startServer(t, zone(60, "www.example. 60 IN A 127.0.0.8"))
	cfg := cfgFor(good)
	cfg.Servers = append([]netip.AddrPort{closed}, cfg.Servers...)
	cfg.Timeout = 5 * time.Second
	lp := newLoop(t, cfg)
	start := time.Now()
	o := lp.resolve("www.example.")
	if o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.8")) {
		t.Fatalf("got %v, %v", o.addrs, o.err)
	}
	if time.Since(start) >= cfg.Timeout {
		t.Error("waited for a timeout on a closed port")
	}
}

func TestTruncatedRetriesOverTCP(t *testing.T) {
	testutil.CheckLeaks(t)
	full := zone(60, "big.example. 60 IN A 127.0.0.11", "big.example. 60 IN A 127.0.0.12", "big.example. 60 IN AAAA ::11")
	s := startServer(t, func(w dns.ResponseWriter, req *dns.Msg) {
		if w.RemoteAddr().Network() == "udp" {
			m := new(dns.Msg)
			m.SetReply(req)
			m.Truncated = true
			rr, _ := dns.NewRR("big.example. 60 IN A 127.0.0.99")
			m.Answer = []dns.RR{rr} // a partial answer: never used
			w.WriteMsg(m)
			return
		}
		full(w, req)
	})
	lp := newLoop(t, cfgFor(s))
	o := lp.resolve("big.example.")
	if o.err != nil {
		t.Fatal(o.err)
	}
	if want := addrs("127.0.0.11", "127.0.0.12", "::11"); !slices.Equal(o.addrs, want) {
		t.Errorf("addrs %v, want %v", o.addrs, want)
	}
	for _, k := range []string{"udp big.example. A", "udp big.example. AAAA", "tcp big.example. A", "tcp big.example. AAAA"} {
		if n := s.count(k); n != 1 {
			t.Errorf("%s: %d queries, want 1", k, n)
		}
	}
	if lp.removes != 4 {
		t.Errorf("%d sockets removed, want 4 (2 UDP, 2 TCP)", lp.removes)
	}
}

// truncate answers every UDP query with TC set.
func truncate(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Truncated = true
	w.WriteMsg(m)
}

// readTCPQuery reads one length-prefixed query from c.
func readTCPQuery(c net.Conn) (*dns.Msg, error) {
	var l [2]byte
	if _, err := io.ReadFull(c, l[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(c, b); err != nil {
		return nil, err
	}
	m := new(dns.Msg)
	return m, m.Unpack(b)
}

func TestTCPPartialReads(t *testing.T) {
	testutil.CheckLeaks(t)
	rrs := []dns.RR{}
	for _, s := range []string{"slow.example. 60 IN A 127.0.0.13", "slow.example. 60 IN AAAA ::13"} {
		rr, _ := dns.NewRR(s)
		rrs = append(rrs, rr)
	}
	// The TCP side sends its reply a byte at a time.
	s := startServerTCP(t, truncate, func(c net.Conn) {
		req, err := readTCPQuery(c)
		if err != nil {
			return
		}
		b, _ := answer(req, 60, rrs).Pack()
		b = append([]byte{byte(len(b) >> 8), byte(len(b))}, b...)
		for i := range b {
			if _, err := c.Write(b[i : i+1]); err != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	lp := newLoop(t, cfgFor(s))
	o := lp.resolve("slow.example.")
	if o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.13", "::13")) {
		t.Fatalf("got %v, %v", o.addrs, o.err)
	}
	if n := s.count("tcp"); n != 2 {
		t.Errorf("%d TCP connections, want 2", n)
	}
}

func TestTCPBadReplies(t *testing.T) {
	testutil.CheckLeaks(t)
	for _, tc := range []struct {
		name string
		tcp  func(c net.Conn)
		err  error
	}{
		{"stall after a 0xFFFF prefix", func(c net.Conn) {
			if _, err := readTCPQuery(c); err == nil {
				c.Write(append([]byte{0xff, 0xff}, make([]byte, 10)...))
				io.Copy(io.Discard, c) // until the resolver closes
			}
		}, ErrTimeout},
		{"close mid-reply", func(c net.Conn) {
			if _, err := readTCPQuery(c); err == nil {
				c.Write(append([]byte{0xff, 0xff}, make([]byte, 10)...))
			}
		}, io.ErrUnexpectedEOF},
		{"wrong ID", func(c net.Conn) {
			if req, err := readTCPQuery(c); err == nil {
				m := answer(req, 60, mustRRs("www.example. 60 IN A 127.0.0.66"))
				m.Id++
				b, _ := m.Pack()
				c.Write(append([]byte{byte(len(b) >> 8), byte(len(b))}, b...))
				io.Copy(io.Discard, c)
			}
		}, ErrMalformedReply},
		{"garbage", func(c net.Conn) {
			if _, err := readTCPQuery(c); err == nil {
				c.Write([]byte{0, 5, 1, 2, 3, 4, 5})
				io.Copy(io.Discard, c)
			}
		}, ErrMalformedReply},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			s := startServerTCP(t, truncate, tc.tcp)
			cfg := cfgFor(s)
			cfg.Timeout, cfg.Attempts = 100*time.Millisecond, 1
			lp := newLoop(t, cfg)
			o := lp.resolve("www.example.")
			if !errors.Is(o.err, tc.err) {
				t.Fatalf("err %v, want %v", o.err, tc.err)
			}
			// One UDP try per type, each followed by one TCP try: no loop back to UDP.
			if u, c := s.count("udp www.example. A")+s.count("udp www.example. AAAA"), s.count("tcp"); u != 2 || c != 2 {
				t.Errorf("%d UDP queries, %d TCP connections; want 2, 2", u, c)
			}
		})
	}
}

func TestSpoofedRepliesIgnored(t *testing.T) {
	testutil.CheckLeaks(t)
	genuine := mustRRs("www.example. 60 IN A 127.0.0.10")
	spoof := mustRRs("www.example. 60 IN A 127.0.0.66")
	s := startServer(t, func(w dns.ResponseWriter, req *dns.Msg) {
		if req.Question[0].Qtype != dns.TypeA {
			w.WriteMsg(answer(req, 60, genuine)) // NODATA
			return
		}
		send := func(change func(m *dns.Msg)) {
			m := answer(req, 60, spoof)
			change(m)
			w.WriteMsg(m)
		}
		send(func(m *dns.Msg) { m.Id++ })
		send(func(m *dns.Msg) { m.Question[0].Name = "evil.example." })
		send(func(m *dns.Msg) { m.Question[0].Qtype = dns.TypeMX })
		send(func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS })
		send(func(m *dns.Msg) { m.Response = false })
		send(func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) })
		w.Write(nil)                       // an empty datagram
		w.Write([]byte("not a DNS reply")) // garbage
		// The right answer, but from another port.
		if c, err := net.DialUDP("udp4", nil, w.RemoteAddr().(*net.UDPAddr)); err == nil {
			b, _ := answer(req, 60, spoof).Pack()
			c.Write(b)
			c.Close()
		}
		time.Sleep(20 * time.Millisecond) // let that one arrive first
		m := answer(req, 60, genuine)
		m.Question[0].Name = strings.ToUpper(m.Question[0].Name) // case does not matter
		w.WriteMsg(m)
	})
	lp := newLoop(t, cfgFor(s))
	o := lp.resolve("www.example.")
	if o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.10")) {
		t.Fatalf("got %v, %v; want the genuine 127.0.0.10", o.addrs, o.err)
	}
	if n := s.count("udp www.example. A"); n != 1 {
		t.Errorf("%d A queries, want 1", n)
	}
}

func TestFromServer(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := netip.MustParseAddrPort("127.0.0.1:5353")
	for _, tc := range []struct {
		sa   unix.Sockaddr
		want bool
	}{
		{&unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: 5353}, true},
		{&unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: 5354}, false},
		{&unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 2}, Port: 5353}, false},
		{&unix.SockaddrInet6{Addr: netip.MustParseAddr("::ffff:127.0.0.1").As16(), Port: 5353}, false},
		{nil, false},
	} {
		if got := fromServer(tc.sa, srv); got != tc.want {
			t.Errorf("fromServer(%v) = %v", tc.sa, got)
		}
	}
	srv6 := netip.MustParseAddrPort("[::1]:53")
	if !fromServer(&unix.SockaddrInet6{Addr: srv6.Addr().As16(), Port: 53}, srv6) {
		t.Error("fromServer rejects the IPv6 server")
	}
}

func TestFloodOfDatagrams(t *testing.T) {
	testutil.CheckLeaks(t)
	genuine := mustRRs("www.example. 60 IN A 127.0.0.10")
	s := startServer(t, func(w dns.ResponseWriter, req *dns.Msg) {
		// More datagrams than one ProcessFd call reads, then the answer.
		for range 3 * udpReadBudget {
			w.Write(nil)
		}
		w.WriteMsg(answer(req, 60, genuine))
	})
	lp := newLoop(t, cfgFor(s))
	o := lp.resolve("www.example.")
	if o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.10")) {
		t.Fatalf("got %v, %v", o.addrs, o.err)
	}
}

func mustRRs(records ...string) []dns.RR {
	var rrs []dns.RR
	for _, s := range records {
		rr, err := dns.NewRR(s)
		if err != nil {
			panic(err)
		}
		rrs = append(rrs, rr)
	}
	return rrs
}
