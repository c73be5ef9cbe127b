package resolver

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

func TestParseResolvConf(t *testing.T) {
	testutil.CheckLeaks(t)
	dir := t.TempDir()
	write := func(content string) string {
		p := filepath.Join(dir, "resolv.conf")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	loopbacks := []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:53"), netip.MustParseAddrPort("[::1]:53")}
	for _, tc := range []struct {
		name, content, hostname string
		want                    Config
	}{
		{"full", `# generated
nameserver 127.0.0.1
nameserver ::1
nameserver ::ffff:127.0.0.1
nameserver not-an-address
; comment
domain first.example
search corp.example. example   # the last of search and domain wins
options ndots:2 timeout:3 attempts:4 rotate edns0
`, "box.lan", Config{
			Servers: []netip.AddrPort{
				netip.MustParseAddrPort("127.0.0.1:53"), netip.MustParseAddrPort("[::1]:53"), netip.MustParseAddrPort("127.0.0.1:53"),
			},
			Search: []string{"corp.example", "example"}, Ndots: 2, Timeout: 3 * time.Second, Attempts: 4, Rotate: true,
		}},
		{"defaults and host domain", "\n", "box.home.example", Config{
			Servers: loopbacks, Search: []string{"home.example"}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2,
		}},
		{"domain", "nameserver 127.0.0.1\ndomain corp.example\n", "box.lan", Config{
			Servers: loopbacks[:1], Search: []string{"corp.example"}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2,
		}},
		{"clamped", "options ndots:99 timeout:0 attempts:100\noptions timeout:99\nsearch .\n", "box.lan", Config{
			Servers: loopbacks, Ndots: 15, Timeout: 30 * time.Second, Attempts: 5,
		}},
		{"bad options", "options ndots: timeout:x attempts\nnameserver\n", "", Config{
			Servers: loopbacks, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseResolvConf(write(tc.content), tc.hostname)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}

	got, err := parseResolvConf(filepath.Join(dir, "missing"), "box")
	if err != nil || !reflect.DeepEqual(got.Servers, loopbacks) || got.Search != nil {
		t.Errorf("missing file: %+v, %v", got, err)
	}
	if _, err := parseResolvConf(dir, "box"); err == nil {
		t.Error("a directory read as resolv.conf")
	}
}

func TestSystemConfig(t *testing.T) {
	testutil.CheckLeaks(t)
	cfg, err := SystemConfig()
	if err != nil {
		t.Skip("no readable /etc/resolv.conf:", err)
	}
	if len(cfg.Servers) == 0 || cfg.Timeout <= 0 || cfg.Attempts <= 0 {
		t.Errorf("%+v", cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

func TestNewChecksConfig(t *testing.T) {
	testutil.CheckLeaks(t)
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.set.servers, defaultServers()) || r.set.timeout != 5*time.Second || r.set.attempts != 2 || r.hosts.path != "/etc/hosts" {
		t.Errorf("zero Config: %+v", r.set)
	}
	r, _ = New(Config{Servers: []netip.AddrPort{netip.MustParseAddrPort("[::ffff:127.0.0.1]:0")}, Search: []string{"a.example.", ""}, Ndots: -1})
	if r.set.servers[0] != netip.MustParseAddrPort("127.0.0.1:53") || !reflect.DeepEqual(r.set.search, []string{"a.example"}) || r.set.ndots != 0 {
		t.Errorf("normalised: %+v", r.set)
	}
	for _, cfg := range []Config{
		{Servers: []netip.AddrPort{{}}},
		{Search: []string{"bad domain"}},
	} {
		if _, err := New(cfg); err == nil || !strings.HasPrefix(err.Error(), "resolver: ") {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}
