package proxy

import (
	"net/netip"
	"strings"
)

// NoProxy is a parsed NO_PROXY list: the hosts that are reached directly
// even though a proxy is set. The zero value matches no host. A NoProxy is
// not changed by Match and may be shared between goroutines.
//
// The list is read as curl reads NO_PROXY and CURLOPT_NOPROXY:
//
//   - Entries are separated by commas; spaces and tabs around an entry are
//     ignored. As in curl, a space or tab inside an entry ends the list:
//     "a.example b.example" lists a.example only.
//   - The list "*" alone (spaces around it ignored) matches every host. A
//     "*" among other entries matches nothing, nor does a wildcard such
//     as "*.example.com".
//   - A name matches the host of that name and its subdomains: "example.com"
//     and ".example.com" both match example.com and www.example.com, not
//     notexample.com. One leading dot and one trailing dot of an entry are
//     ignored, and one trailing dot of the host. Names are compared
//     without regard to ASCII case, byte for byte otherwise (no IDNA).
//   - An IP address matches that address, and a CIDR range ("10.0.0.0/8",
//     "fd00::/8") the addresses in it, when the host is an IP address; a
//     range with a bad prefix length matches nothing. IPv6 entries are
//     written without brackets.
//   - An entry with a port ("example.com:8080", "10.0.0.1:80") matches
//     nothing.
//   - Nothing is special about localhost or loopback addresses: list them
//     to reach them directly.
type NoProxy struct {
	all     bool
	entries []noProxyEntry
}

// noProxyEntry is one entry of the list. It matches a host name by name
// and an IP address by prefix; an entry may hold both, or either.
type noProxyEntry struct {
	name   string       // lower case, without its leading and trailing dot; "" matches no name
	prefix netip.Prefix // the addresses matched; invalid: none
}

// ParseNoProxy reads a NO_PROXY list. It never fails: as in curl, an entry
// that cannot match anything is ignored.
func ParseNoProxy(list string) NoProxy {
	if strings.Trim(list, " \t") == "*" {
		return NoProxy{all: true}
	}
	var np NoProxy
	for p := list; ; {
		p = strings.TrimLeft(p, " \t")
		end := strings.IndexAny(p, " \t,")
		if end < 0 {
			end = len(p)
		}
		if e, ok := parseNoProxyEntry(p[:end]); ok {
			np.entries = append(np.entries, e)
		}
		p = strings.TrimLeft(p[end:], " \t")
		if p == "" || p[0] != ',' {
			break // the end, or a blank inside an entry: curl stops there
		}
		p = strings.TrimLeft(p, ",")
	}
	return np
}

// parseNoProxyEntry reads one entry; ok is false when it can match nothing.
func parseNoProxyEntry(tok string) (e noProxyEntry, ok bool) {
	if tok == "" {
		return e, false
	}
	if strings.IndexByte(tok, '/') >= 0 {
		if p, err := netip.ParsePrefix(tok); err == nil {
			e.prefix = p
		}
	} else if a, err := netip.ParseAddr(tok); err == nil && a.Zone() == "" {
		e.prefix = netip.PrefixFrom(a, a.BitLen())
	}
	name := strings.TrimSuffix(tok, ".")
	name = strings.TrimPrefix(name, ".")
	if name != "" && !strings.ContainsAny(name, ":/") {
		e.name = lowerASCII(name)
	}
	return e, e.name != "" || e.prefix.IsValid()
}

// All reports whether np matches every host (the list "*").
func (np *NoProxy) All() bool { return np.all }

// Match reports whether the host bypasses the proxy. host is a name or an
// IP address, an IPv6 one with or without brackets, and without a port. An
// empty host matches nothing. Match does not allocate.
func (np *NoProxy) Match(host string) bool {
	if host == "" {
		return false
	}
	if np.all {
		return true
	}
	if len(np.entries) == 0 {
		return false
	}
	ip := host
	if host[0] == '[' {
		if host[len(host)-1] != ']' {
			return false
		}
		ip = host[1 : len(host)-1]
	}
	if mayBeIP(ip) {
		if a, err := netip.ParseAddr(ip); err == nil {
			a = a.WithZone("")
			for i := range np.entries {
				if p := np.entries[i].prefix; p.IsValid() && p.Contains(a) {
					return true
				}
			}
			return false
		}
	}
	if host[0] == '[' || strings.IndexByte(host, ':') >= 0 {
		return false // neither an address nor a name
	}
	name := strings.TrimSuffix(host, ".")
	for i := range np.entries {
		if matchName(name, np.entries[i].name) {
			return true
		}
	}
	return false
}

// mayBeIP reports whether s can be an IP address: it holds a colon (no
// host name does), or only digits and dots. It spares Match the error, and
// its allocation, of parsing a name as an address.
func mayBeIP(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ':' {
			return true
		} else if c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// matchName reports whether host is domain or a subdomain of it; domain is
// in lower case, host in any case.
func matchName(host, domain string) bool {
	switch {
	case domain == "" || len(host) < len(domain):
		return false
	case len(host) == len(domain):
		return equalFoldASCII(host, domain)
	}
	cut := len(host) - len(domain)
	return host[cut-1] == '.' && equalFoldASCII(host[cut:], domain)
}

// equalFoldASCII reports whether s equals lower, a string in lower case,
// when ASCII letters in s are lowered.
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
