package resolver

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/net/dns/dnsmessage"
)

// These tests run the protocol core on bytes alone: no sockets.

const testID = 0x1234

var testQ = dnsmessage.Question{Name: dnsmessage.MustNewName("www.example."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}

// msgOpt changes a reply under construction.
type msgOpt func(h *dnsmessage.Header, qs *[]dnsmessage.Question, an, ns *[]dnsmessage.Resource)

// build packs a reply to testQ: NOERROR with ID testID, changed by opts.
func build(t testing.TB, opts ...msgOpt) []byte {
	t.Helper()
	h := dnsmessage.Header{ID: testID, Response: true, RecursionAvailable: true}
	qs := []dnsmessage.Question{testQ}
	var an, ns []dnsmessage.Resource
	for _, o := range opts {
		o(&h, &qs, &an, &ns)
	}
	m := dnsmessage.Message{Header: h, Questions: qs, Answers: an, Authorities: ns}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rrHeader(name string, t dnsmessage.Type, ttl uint32) dnsmessage.ResourceHeader {
	return dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: t, Class: dnsmessage.ClassINET, TTL: ttl}
}

func withA(name string, ttl uint32, a string) msgOpt {
	return func(_ *dnsmessage.Header, _ *[]dnsmessage.Question, an, _ *[]dnsmessage.Resource) {
		*an = append(*an, dnsmessage.Resource{Header: rrHeader(name, dnsmessage.TypeA, ttl), Body: &dnsmessage.AResource{A: netip.MustParseAddr(a).As4()}})
	}
}

func withCNAME(name string, ttl uint32, target string) msgOpt {
	return func(_ *dnsmessage.Header, _ *[]dnsmessage.Question, an, _ *[]dnsmessage.Resource) {
		*an = append(*an, dnsmessage.Resource{Header: rrHeader(name, dnsmessage.TypeCNAME, ttl), Body: &dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(target)}})
	}
}

func withSOA(ttl, minimum uint32) msgOpt {
	return func(_ *dnsmessage.Header, _ *[]dnsmessage.Question, _, ns *[]dnsmessage.Resource) {
		*ns = append(*ns, dnsmessage.Resource{Header: rrHeader("example.", dnsmessage.TypeSOA, ttl), Body: &dnsmessage.SOAResource{
			NS: dnsmessage.MustNewName("ns.example."), MBox: dnsmessage.MustNewName("host.example."), MinTTL: minimum,
		}})
	}
}

func withHeader(f func(h *dnsmessage.Header)) msgOpt {
	return func(h *dnsmessage.Header, _ *[]dnsmessage.Question, _, _ *[]dnsmessage.Resource) { f(h) }
}

func withQuestions(f func(qs *[]dnsmessage.Question)) msgOpt {
	return func(_ *dnsmessage.Header, qs *[]dnsmessage.Question, _, _ *[]dnsmessage.Resource) { f(qs) }
}

func TestPackQuery(t *testing.T) {
	testutil.CheckLeaks(t)
	b, err := packQuery([]byte{0, 0}, testID, testQ)
	if err != nil {
		t.Fatal(err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(b[2:]); err != nil {
		t.Fatal(err)
	}
	if m.ID != testID || m.Response || !m.RecursionDesired || len(m.Questions) != 1 || m.Questions[0] != testQ ||
		len(m.Additionals) != 1 || m.Additionals[0].Header.Type != dnsmessage.TypeOPT || m.Additionals[0].Header.Class != ednsSize {
		t.Errorf("query %+v", m)
	}
}

func TestParseReply(t *testing.T) {
	testutil.CheckLeaks(t)
	for _, tc := range []struct {
		name      string
		msg       []byte
		tcp       bool
		addrs     []string
		err       error // reply.err
		ttl       uint32
		cacheable bool
		truncated bool
	}{
		{name: "A", msg: build(t, withA("www.example.", 300, "127.0.0.1"), withA("www.example.", 200, "127.0.0.2")),
			addrs: []string{"127.0.0.1", "127.0.0.2"}, ttl: 200, cacheable: true},
		{name: "case-insensitive question and owner", msg: build(t, withQuestions(func(qs *[]dnsmessage.Question) {
			(*qs)[0].Name = dnsmessage.MustNewName("WWW.Example.")
		}), withA("wWw.EXAMPLE.", 300, "127.0.0.1")), addrs: []string{"127.0.0.1"}, ttl: 300, cacheable: true},
		{name: "CNAME chain out of order", msg: build(t,
			withA("c.example.", 50, "127.0.0.3"),
			withCNAME("b.example.", 100, "c.example."),
			withCNAME("www.example.", 30, "b.example."),
			withA("elsewhere.example.", 1, "127.0.0.66")),
			addrs: []string{"127.0.0.3"}, ttl: 30, cacheable: true},
		{name: "TTL with top bit set", msg: build(t, withA("www.example.", 0x80000000, "127.0.0.1")),
			addrs: []string{"127.0.0.1"}, ttl: 0, cacheable: true},
		{name: "only other owners", msg: build(t, withA("evil.example.", 60, "127.0.0.66"), withSOA(60, 30)),
			err: ErrNoData, ttl: 30, cacheable: true},
		{name: "NODATA without SOA", msg: build(t), err: ErrNoData},
		{name: "NXDOMAIN", msg: build(t, withHeader(func(h *dnsmessage.Header) { h.RCode = dnsmessage.RCodeNameError }), withSOA(20, 600)),
			err: ErrNotFound, ttl: 20, cacheable: true},
		{name: "NXDOMAIN without SOA", msg: build(t, withHeader(func(h *dnsmessage.Header) { h.RCode = dnsmessage.RCodeNameError })),
			err: ErrNotFound},
		{name: "SERVFAIL", msg: build(t, withHeader(func(h *dnsmessage.Header) { h.RCode = dnsmessage.RCodeServerFailure })),
			err: ErrServerFailure},
		{name: "REFUSED", msg: build(t, withHeader(func(h *dnsmessage.Header) { h.RCode = dnsmessage.RCodeRefused })),
			err: ErrServerFailure},
		{name: "truncated over UDP", msg: build(t, withHeader(func(h *dnsmessage.Header) { h.Truncated = true }), withA("www.example.", 60, "127.0.0.1")),
			truncated: true},
		{name: "truncated over TCP", tcp: true, msg: build(t, withHeader(func(h *dnsmessage.Header) { h.Truncated = true }), withA("www.example.", 60, "127.0.0.1")),
			addrs: []string{"127.0.0.1"}, ttl: 60, cacheable: true},
		{name: "CNAME loop", msg: build(t, withCNAME("www.example.", 60, "b.example."), withCNAME("b.example.", 60, "www.example.")),
			err: ErrCNAMELoop},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := parseReply(tc.msg, testID, testQ, tc.tcp)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.addrs, addrs(tc.addrs...)) || !errors.Is(rep.err, tc.err) || (tc.err == nil) != (rep.err == nil) ||
				rep.ttl != tc.ttl || rep.cacheable != tc.cacheable || rep.truncated != tc.truncated {
				t.Errorf("got %+v", rep)
			}
		})
	}
}

func TestParseReplyMismatch(t *testing.T) {
	testutil.CheckLeaks(t)
	other := func(f func(q *dnsmessage.Question)) msgOpt {
		return withQuestions(func(qs *[]dnsmessage.Question) { f(&(*qs)[0]) })
	}
	for name, msg := range map[string][]byte{
		"ID":            build(t, withHeader(func(h *dnsmessage.Header) { h.ID++ })),
		"not a reply":   build(t, withHeader(func(h *dnsmessage.Header) { h.Response = false })),
		"opcode":        build(t, withHeader(func(h *dnsmessage.Header) { h.OpCode = 4 })),
		"name":          build(t, other(func(q *dnsmessage.Question) { q.Name = dnsmessage.MustNewName("evil.example.") })),
		"type":          build(t, other(func(q *dnsmessage.Question) { q.Type = dnsmessage.TypeAAAA })),
		"class":         build(t, other(func(q *dnsmessage.Question) { q.Class = dnsmessage.ClassCHAOS })),
		"no question":   build(t, withQuestions(func(qs *[]dnsmessage.Question) { *qs = nil })),
		"two questions": build(t, withQuestions(func(qs *[]dnsmessage.Question) { *qs = append(*qs, testQ) })),
	} {
		if _, err := parseReply(msg, testID, testQ, false); err != errMismatch {
			t.Errorf("%s: %v, want a mismatch", name, err)
		}
	}
}

// raw assembles a reply to testQ by hand: header counts, then the question,
// then answer bytes as given.
func raw(ancount uint16, answer ...byte) []byte {
	b := []byte{0x12, 0x34, 0x81, 0x80, 0, 1, byte(ancount >> 8), byte(ancount), 0, 0, 0, 0}
	b = append(b, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1)
	return append(b, answer...)
}

// rr is an answer record of type A, class IN, TTL 60 after name.
func rr(name []byte, rdata ...byte) []byte {
	b := append(slices.Clone(name), 0, 1, 0, 1, 0, 0, 0, 60)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rdata)))
	return append(b, rdata...)
}

func TestParseReplyMalformed(t *testing.T) {
	testutil.CheckLeaks(t)
	const ans = 29 // offset of the answer section in raw
	long := []byte{}
	for range 4 {
		long = append(long, 63)
		long = append(long, make([]byte, 63)...)
	}
	long = append(long, 0)
	for name, msg := range map[string][]byte{
		"short header":           {0x12, 0x34, 0x81},
		"question cut":           raw(0)[:20],
		"pointer to itself":      raw(1, rr([]byte{0xc0, ans}, 127, 0, 0, 1)...),
		"pointers to each other": raw(1, rr([]byte{0xc0, ans + 2, 0xc0, ans}, 127, 0, 0, 1)...),
		"pointer past the end":   raw(1, rr([]byte{0xc0, 0xff}, 127, 0, 0, 1)...),
		"label type 01":          raw(1, rr([]byte{0x40, 'a', 0}, 127, 0, 0, 1)...),
		"label type 10":          raw(1, rr([]byte{0x80, 'a', 0}, 127, 0, 0, 1)...),
		"name over 255 octets":   raw(1, rr(long, 127, 0, 0, 1)...),
		"RDLENGTH past the end":  raw(1, rr([]byte{0xc0, 12}, 127, 0, 0, 1)[:2+10+2]...),
		"ANCOUNT 65535, one RR":  raw(65535, rr([]byte{0xc0, 12}, 127, 0, 0, 1)...),
		"A with RDLENGTH 5":      raw(1, rr([]byte{0xc0, 12}, 127, 0, 0, 1, 9)...),
		"AAAA-sized A":           raw(1, rr([]byte{0xc0, 12}, make([]byte, 16)...)...),
	} {
		if _, err := parseReply(msg, testID, testQ, false); !errors.Is(err, ErrMalformedReply) {
			t.Errorf("%s: %v, want ErrMalformedReply", name, err)
		}
	}
	// The same hand assembly, well formed, is accepted.
	rep, err := parseReply(raw(1, rr([]byte{0xc0, 12}, 127, 0, 0, 1)...), testID, testQ, false)
	if err != nil || !slices.Equal(rep.addrs, addrs("127.0.0.1")) {
		t.Errorf("well formed: %+v, %v", rep, err)
	}
}

func TestErrorMessages(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := netip.MustParseAddrPort("127.0.0.1:53")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&Error{Name: "a.example", Server: srv, Err: ErrNotFound}, "resolver: lookup a.example on 127.0.0.1:53: no such host"},
		{&Error{Name: "a.example", Err: ErrTimeout}, "resolver: lookup a.example: no answer from any server (timeout)"},
		{&Error{Name: "a.example", Server: srv, Err: rcodeError{dnsmessage.RCodeRefused}}, "resolver: lookup a.example on 127.0.0.1:53: server failure (REFUSED)"},
		{&Error{Name: "a.example", Server: srv, Err: malformed(errBadRDLength)}, "resolver: lookup a.example on 127.0.0.1:53: malformed reply: address record of the wrong length"},
		{ErrNoData, "resolver: no address for the name"},
		{rcodeError{dnsmessage.RCode(12)}, "resolver: server failure (rcode 12)"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}
