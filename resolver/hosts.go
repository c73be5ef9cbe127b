package resolver

import (
	"bufio"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"
)

// maxHostsSize bounds how much of a hosts file is read.
const maxHostsSize = 16 << 20

// hostsFile is the hosts file, parsed once and parsed again when its
// modification time or size changes.
type hostsFile struct {
	path   string
	loaded bool
	mtime  time.Time
	size   int64
	byName map[string][]netip.Addr // lower-case name without trailing dot → IPv4 first, then IPv6
}

// lookup returns the addresses for key (lower case, no trailing dot), or
// nil. The slice belongs to the table: callers copy it before handing it on.
func (h *hostsFile) lookup(key string) []netip.Addr {
	h.refresh()
	return h.byName[key]
}

// refresh re-reads the file if it changed since the last read. A file that
// cannot be read counts as empty.
func (h *hostsFile) refresh() {
	fi, err := os.Stat(h.path)
	if err != nil {
		h.loaded, h.byName = false, nil
		return
	}
	if h.loaded && fi.ModTime().Equal(h.mtime) && fi.Size() == h.size {
		return
	}
	f, err := os.Open(h.path)
	if err != nil {
		h.loaded, h.byName = false, nil
		return
	}
	defer f.Close()
	h.byName = parseHosts(io.LimitReader(f, maxHostsSize))
	h.loaded, h.mtime, h.size = true, fi.ModTime(), fi.Size()
}

// parseHosts reads hosts-file lines: an address, then names; '#' starts a
// comment. Lines with an unparsable address are skipped.
func parseHosts(r io.Reader) map[string][]netip.Addr {
	m := make(map[string][]netip.Addr)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		addr, err := netip.ParseAddr(fields[0])
		if err != nil {
			continue
		}
		addr = addr.Unmap()
		for _, name := range fields[1:] {
			key := lowerASCII(strings.TrimSuffix(name, "."))
			if key == "" || slices.Contains(m[key], addr) {
				continue
			}
			m[key] = append(m[key], addr)
		}
	}
	for key, addrs := range m {
		m[key] = ipv4First(addrs)
	}
	return m
}

// ipv4First orders addrs in place: IPv4 addresses, then IPv6 ones, each
// group in its original order.
func ipv4First(addrs []netip.Addr) []netip.Addr {
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int {
		return boolInt(b.Is4()) - boolInt(a.Is4())
	})
	return addrs
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
