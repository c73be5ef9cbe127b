package resolver

import "strings"

// maxNameLen is the longest name in presentation form without its trailing
// dot (RFC 1035: 255 octets on the wire).
const maxNameLen = 253

// validName reports whether s is a host name that may be sent to DNS:
// labels of 1 to 63 letters, digits, '-' or '_', not starting or ending
// with '-', at most 253 characters, an optional trailing dot, and not all
// digits (which would be a malformed IPv4 literal). The rules are Go's.
func validName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) == 0 || len(s) > maxNameLen {
		return false
	}
	last := byte('.')
	nonNumeric := false
	labelLen := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_':
			nonNumeric = true
			labelLen++
		case '0' <= c && c <= '9':
			labelLen++
		case c == '-':
			if last == '.' {
				return false
			}
			nonNumeric = true
			labelLen++
		case c == '.':
			if last == '.' || last == '-' || labelLen > 63 {
				return false
			}
			labelLen = 0
		default:
			return false
		}
		last = c
	}
	return last != '-' && labelLen <= 63 && nonNumeric
}

// lowerASCII returns s with ASCII letters in lower case.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// isLocalhost reports whether key (lower case, no trailing dot) is
// "localhost" or a name under it (RFC 6761 §6.3).
func isLocalhost(key string) bool {
	return key == "localhost" || strings.HasSuffix(key, ".localhost")
}

// isUnresolvable reports whether key is under .onion (RFC 7686) or .invalid (RFC 6761 §6.4),
// names that are never sent to DNS and never found.
func isUnresolvable(key string) bool {
	for _, tld := range []string{"onion", "invalid"} {
		if key == tld || strings.HasSuffix(key, "."+tld) {
			return true
		}
	}
	return false
}

// nameList returns the fully qualified names to try for host, in order:
// a rooted name alone; a name with at least ndots dots as given, then with
// each search domain; another name with each search domain, then as given.
// Candidates longer than a DNS name can be are left out.
func nameList(host string, search []string, ndots int) []string {
	if strings.HasSuffix(host, ".") {
		return []string{host}
	}
	names := make([]string, 0, len(search)+1)
	asIs := strings.Count(host, ".") >= ndots
	if asIs {
		names = append(names, host+".")
	}
	for _, d := range search {
		if len(host)+1+len(d) <= maxNameLen {
			names = append(names, host+"."+d+".")
		}
	}
	if !asIs {
		names = append(names, host+".")
	}
	return names
}
