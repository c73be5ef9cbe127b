package resolver

import (
	"encoding/binary"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/net/dns/dnsmessage"
)

// FuzzReply hands random bytes to a pending query as the reply to its A
// question over UDP and to its AAAA question over TCP. The ID is set to the
// query's so that the bytes get past the first check. Nothing may panic, and
// done may be called at most once.
func FuzzReply(f *testing.F) {
	testutil.CheckLeaks(f)
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		r, err := New(Config{
			Servers:   []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:9")}, // discard: never read
			Timeout:   time.Hour,
			HostsFile: os.DevNull,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		calls := 0
		r.Lookup("fuzz.example.", func(addrs []netip.Addr, err error) {
			calls++
			if (err == nil) == (len(addrs) == 0) {
				t.Errorf("done(%v, %v)", addrs, err)
			}
		})
		l := r.lookups["fuzz.example."]
		if l == nil {
			t.Fatal("no lookup in flight")
		}
		for i, tcp := range []bool{false, true} {
			e := &l.ex[i]
			if e.finished || e.fd < 0 {
				continue
			}
			b := slices.Clone(msg)
			if len(b) >= 2 {
				binary.BigEndian.PutUint16(b, e.id)
			}
			r.handleReply(e, b, tcp)
		}
		r.deliver()
		if calls > 1 {
			t.Errorf("done called %d times", calls)
		}
	})
}

// fuzzSeeds are replies to "fuzz.example." of both types; the corpus under
// testdata/fuzz/FuzzReply holds more.
func fuzzSeeds(t testing.TB) [][]byte {
	name := dnsmessage.MustNewName("fuzz.example.")
	var seeds [][]byte
	for _, qt := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{Response: true, RecursionAvailable: true})
		b.EnableCompression()
		b.StartQuestions()
		b.Question(dnsmessage.Question{Name: name, Type: qt, Class: dnsmessage.ClassINET})
		b.StartAnswers()
		h := dnsmessage.ResourceHeader{Name: name, Type: dnsmessage.TypeCNAME, Class: dnsmessage.ClassINET, TTL: 60}
		target := dnsmessage.MustNewName("target.example.")
		b.CNAMEResource(h, dnsmessage.CNAMEResource{CNAME: target})
		h.Name = target
		b.AResource(h, dnsmessage.AResource{A: [4]byte{127, 0, 0, 1}})
		b.AAAAResource(h, dnsmessage.AAAAResource{AAAA: netip.IPv6Loopback().As16()})
		msg, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, msg)
	}
	return seeds
}
