package resolver

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

func TestNameList(t *testing.T) {
	testutil.CheckLeaks(t)
	search := []string{"corp.example", "example"}
	for _, tc := range []struct {
		host  string
		ndots int
		want  []string
	}{
		{"foo", 1, []string{"foo.corp.example.", "foo.example.", "foo."}},
		{"foo.bar", 1, []string{"foo.bar.", "foo.bar.corp.example.", "foo.bar.example."}},
		{"foo.bar", 2, []string{"foo.bar.corp.example.", "foo.bar.example.", "foo.bar."}},
		{"foo", 0, []string{"foo.", "foo.corp.example.", "foo.example."}},
		{"foo.", 1, []string{"foo."}},
		{strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 60), 5,
			[]string{strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 60) + "."}},
	} {
		if got := nameList(tc.host, search, tc.ndots); !slices.Equal(got, tc.want) {
			t.Errorf("nameList(%q, ndots %d) = %q, want %q", tc.host, tc.ndots, got, tc.want)
		}
	}
}

func TestValidName(t *testing.T) {
	testutil.CheckLeaks(t)
	for name, want := range map[string]bool{
		"www.example.com": true, "www.example.com.": true, "a": true, "_srv.x-y.example": true,
		"": false, ".": false, "a..b": false, "-a.example": false, "a-.example": false,
		"a b": false, "a\x00.example": false, "1234": false, "a.b\\.c": false,
		strings.Repeat("a", 63): true, strings.Repeat("a", 64): false,
		strings.Repeat("a.", 126) + "a": true, strings.Repeat("a.", 127): true, strings.Repeat("a.", 127) + "a": false,
	} {
		if got := validName(name); got != want {
			t.Errorf("validName(%q) = %v", name, got)
		}
	}
}

func TestSearchAndNdots(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60,
		"foo.corp.example. 60 IN A 127.0.0.21",
		"bar. 60 IN A 127.0.0.22",
		"foo.bar.corp.example. 60 IN A 127.0.0.23",
		"txt.corp.example. 60 IN TXT \"x\"",
	))
	cfg := cfgFor(s)
	cfg.Search, cfg.Ndots = []string{"corp.example."}, 1
	lp := newLoop(t, cfg)

	// Fewer dots than ndots: the search domain first.
	if o := lp.resolve("foo"); o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.21")) {
		t.Errorf("foo: %v, %v", o.addrs, o.err)
	}
	if s.count("udp foo. A") != 0 {
		t.Error("foo was asked as given although the search domain had it")
	}
	// Then as given.
	if o := lp.resolve("bar"); o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.22")) {
		t.Errorf("bar: %v, %v", o.addrs, o.err)
	}
	if s.count("udp bar.corp.example. A") != 1 || s.count("udp bar. A") != 1 {
		t.Error("bar: not asked in order")
	}
	// ndots dots: as given first, then the search domain.
	if o := lp.resolve("foo.bar"); o.err != nil || !slices.Equal(o.addrs, addrs("127.0.0.23")) {
		t.Errorf("foo.bar: %v, %v", o.addrs, o.err)
	}
	if s.count("udp foo.bar. A") != 1 || s.count("udp foo.bar.corp.example. A") != 1 {
		t.Error("foo.bar: not asked in order")
	}
	// Rooted: never searched.
	if o := lp.resolve("foo.bar."); !errors.Is(o.err, ErrNotFound) {
		t.Errorf("foo.bar.: %v", o.err)
	}
	if s.count("udp foo.bar.corp.example. A") != 1 {
		t.Error("a rooted name was searched")
	}
	// NODATA for one name and NXDOMAIN for the rest: no data.
	if o := lp.resolve("txt"); !errors.Is(o.err, ErrNoData) {
		t.Errorf("txt: %v, want ErrNoData", o.err)
	} else if e := new(Error); !errors.As(o.err, &e) || e.Name != "txt" {
		t.Errorf("txt: error names %q", e.Name)
	}
}

func TestSpecialNamesAskNothing(t *testing.T) {
	testutil.CheckLeaks(t)
	s := startServer(t, zone(60, "myhost. 60 IN A 127.0.0.9", "myhost.corp.example. 60 IN A 127.0.0.9"))
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("# comment\n::5 myhost\n127.0.0.5 MyHost myhost.corp.example # trailing\nbad-address other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := cfgFor(s)
	cfg.HostsFile, cfg.Search = hosts, []string{"corp.example"}
	lp := newLoop(t, cfg)
	for _, tc := range []struct {
		host string
		want []string
		err  error
	}{
		{"myhost", []string{"127.0.0.5", "::5"}, nil},
		{"MYHOST.", []string{"127.0.0.5", "::5"}, nil},
		{"myhost.corp.example", []string{"127.0.0.5"}, nil},
		{"localhost", []string{"127.0.0.1", "::1"}, nil},
		{"www.localhost.", []string{"127.0.0.1", "::1"}, nil},
		{"127.0.0.1", []string{"127.0.0.1"}, nil},
		{"::1", []string{"::1"}, nil},
		{"hidden.onion", nil, ErrNotFound},
		{"no-such-host.invalid", nil, ErrNotFound},
		{"bad..name", nil, ErrInvalidName},
		{"", nil, ErrInvalidName},
		{strings.Repeat("a", 64) + ".example", nil, ErrInvalidName},
	} {
		o := new(outcome)
		lp.r.Lookup(tc.host, o.done)
		if o.calls != 1 || !errors.Is(o.err, tc.err) || !slices.Equal(o.addrs, addrs(tc.want...)) {
			t.Errorf("%q: %d calls, %v, %v", tc.host, o.calls, o.addrs, o.err)
		}
		if tc.err != nil && !strings.HasPrefix(o.err.Error(), "resolver: lookup ") {
			t.Errorf("%q: message %q", tc.host, o.err)
		}
	}
	if n := s.count(""); n != 0 || lp.calls != 0 {
		t.Errorf("%d queries, %d watch calls; want none", n, lp.calls)
	}
}

func TestLookupHostsRereads(t *testing.T) {
	testutil.CheckLeaks(t)
	hosts := filepath.Join(t.TempDir(), "hosts")
	write := func(content string, mtime time.Time) {
		if err := os.WriteFile(hosts, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(hosts, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	write("127.0.0.5 a\n", now.Add(-time.Hour))
	r, err := New(Config{HostsFile: hosts})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.LookupHosts("A."); !slices.Equal(got, addrs("127.0.0.5")) {
		t.Errorf("first read: %v", got)
	}
	got := r.LookupHosts("a")
	got[0] = netip.Addr{}
	if got := r.LookupHosts("a"); !slices.Equal(got, addrs("127.0.0.5")) {
		t.Errorf("table changed through a returned slice: %v", got)
	}
	write("127.0.0.6 a\n", now)
	if got := r.LookupHosts("a"); !slices.Equal(got, addrs("127.0.0.6")) {
		t.Errorf("after a change: %v", got)
	}
	os.Remove(hosts)
	if got := r.LookupHosts("a"); got != nil {
		t.Errorf("after removal: %v", got)
	}
}
