package resolver

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config says where and how to ask. The zero value asks the name servers on
// 127.0.0.1:53 and [::1]:53 with no search list; SystemConfig fills it from
// /etc/resolv.conf.
type Config struct {
	// Servers are tried in order (or in turn, with Rotate). A zero port
	// means 53. None: 127.0.0.1:53 and [::1]:53.
	Servers []netip.AddrPort
	// Search is the list of domains appended to a name with fewer than
	// Ndots dots (after it has been tried as given otherwise). A name
	// ending in '.' is never searched.
	Search []string
	// Ndots: a name with at least this many dots is tried as given first.
	// Unlike resolv.conf's default of 1, the zero value means 0; values
	// above 15 count as 15.
	Ndots int
	// Timeout bounds each try (one query to one server). 0: 5 s.
	Timeout time.Duration
	// Attempts is how many times each server is tried. 0: 2.
	Attempts int
	// HostsFile is the hosts file consulted before DNS. "": /etc/hosts.
	HostsFile string
	// Rotate starts each query at the next server in turn instead of
	// always at the first (resolv.conf's "options rotate").
	Rotate bool
}

// Defaults, as glibc and Go's resolver use them.
const (
	defaultTimeout  = 5 * time.Second
	defaultAttempts = 2
	maxNdots        = 15
	maxTimeout      = 30 * time.Second // resolv.conf "timeout:" cap, as glibc
	maxAttempts     = 5                // resolv.conf "attempts:" cap, as glibc
	defaultHosts    = "/etc/hosts"
	resolvConfPath  = "/etc/resolv.conf"
)

func defaultServers() []netip.AddrPort {
	return []netip.AddrPort{
		netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 53),
		netip.AddrPortFrom(netip.IPv6Loopback(), 53),
	}
}

// SystemConfig reads /etc/resolv.conf: "nameserver", "search" and "domain"
// (the last of them wins), and "options" ndots:n, timeout:n, attempts:n and
// rotate; other lines and options are ignored. Without a search or domain
// line, the search list is the domain of the host name, as glibc does. A
// missing file gives the defaults and no error; any other read error gives
// the defaults and that error. The hosts file is left at its default.
func SystemConfig() (Config, error) {
	host, _ := os.Hostname()
	return parseResolvConf(resolvConfPath, host)
}

// parseResolvConf reads the resolv.conf at path. hostname supplies the
// search domain when the file names none.
func parseResolvConf(path, hostname string) (Config, error) {
	cfg := Config{Ndots: 1, Timeout: defaultTimeout, Attempts: defaultAttempts}
	f, err := os.Open(path)
	if err != nil {
		cfg.Servers = defaultServers()
		cfg.Search = hostDomain(hostname)
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return cfg, err
	}
	defer f.Close()

	searchSet := false
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line, _, _ = strings.Cut(line, ";")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "nameserver":
			if len(fields) < 2 {
				continue
			}
			if a, err := netip.ParseAddr(fields[1]); err == nil {
				cfg.Servers = append(cfg.Servers, netip.AddrPortFrom(a.Unmap(), 53))
			}
		case "domain":
			searchSet = true
			cfg.Search = nil
			if len(fields) > 1 {
				cfg.Search = appendDomain(nil, fields[1])
			}
		case "search":
			searchSet = true
			cfg.Search = nil
			for _, d := range fields[1:] {
				cfg.Search = appendDomain(cfg.Search, d)
			}
		case "options":
			for _, o := range fields[1:] {
				parseOption(&cfg, o)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return cfg, err
	}
	if len(cfg.Servers) == 0 {
		cfg.Servers = defaultServers()
	}
	if !searchSet {
		cfg.Search = hostDomain(hostname)
	}
	return cfg, nil
}

// parseOption applies one resolv.conf option, clamped as glibc does.
func parseOption(cfg *Config, o string) {
	name, val, hasVal := strings.Cut(o, ":")
	n, err := strconv.Atoi(val)
	if name == "rotate" {
		cfg.Rotate = true
		return
	}
	if !hasVal || err != nil {
		return
	}
	switch name {
	case "ndots":
		cfg.Ndots = min(max(n, 0), maxNdots)
	case "timeout":
		cfg.Timeout = min(time.Duration(max(n, 1))*time.Second, maxTimeout)
	case "attempts":
		cfg.Attempts = min(max(n, 1), maxAttempts)
	}
}

// appendDomain appends d, without its trailing dot, unless it is the root.
func appendDomain(list []string, d string) []string {
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return list
	}
	return append(list, d)
}

// hostDomain is the search list implied by a host name: its domain part.
func hostDomain(hostname string) []string {
	_, domain, ok := strings.Cut(hostname, ".")
	if !ok {
		return nil
	}
	return appendDomain(nil, domain)
}

// settings is a Config made ready for use.
type settings struct {
	servers  []netip.AddrPort
	search   []string
	ndots    int
	timeout  time.Duration
	attempts int
	rotate   bool
}

func newSettings(cfg Config) (settings, error) {
	s := settings{
		ndots:    min(max(cfg.Ndots, 0), maxNdots),
		timeout:  cfg.Timeout,
		attempts: cfg.Attempts,
		rotate:   cfg.Rotate,
	}
	if s.timeout <= 0 {
		s.timeout = defaultTimeout
	}
	if s.attempts <= 0 {
		s.attempts = defaultAttempts
	}
	servers := cfg.Servers
	if len(servers) == 0 {
		servers = defaultServers()
	}
	for _, ap := range servers {
		a := ap.Addr().Unmap()
		if !a.IsValid() {
			return settings{}, errors.New("resolver: invalid server address " + ap.String())
		}
		port := ap.Port()
		if port == 0 {
			port = 53
		}
		s.servers = append(s.servers, netip.AddrPortFrom(a, port))
	}
	for _, d := range cfg.Search {
		d = strings.TrimSuffix(d, ".")
		if d == "" {
			continue
		}
		if !validName(d) {
			return settings{}, errors.New("resolver: invalid search domain " + strconv.Quote(d))
		}
		s.search = append(s.search, d)
	}
	return s, nil
}
