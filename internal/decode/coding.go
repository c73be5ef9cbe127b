package decode

import (
	"fmt"
	"strings"
)

// Coding is one content coding of an HTTP body (RFC 9110, section 8.4.1).
type Coding uint8

// The content codings a [Decoder] undoes.
const (
	Gzip    Coding = iota + 1 // "gzip" and its alias "x-gzip" (RFC 1952)
	Deflate                   // "deflate": zlib (RFC 1950), or raw deflate (RFC 1951) as sent by some servers
	Brotli                    // "br" (RFC 7932)
	Zstd                      // "zstd" (RFC 8878)
)

// MaxCodings is the most codings one body may carry: a longer stack is
// refused, as curl does since CVE-2022-32206, so that a reply cannot make the
// client build an unbounded chain of decoders.
const MaxCodings = 5

// String returns the coding's name as it appears in Content-Encoding.
func (c Coding) String() string {
	switch c {
	case Gzip:
		return "gzip"
	case Deflate:
		return "deflate"
	case Brotli:
		return "br"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("Coding(%d)", uint8(c))
}

// lookup returns the Coding named name (case-insensitively), identity=true
// for "identity", or ok=false for a name this package does not know.
func lookup(name string) (c Coding, identity, ok bool) {
	switch {
	case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
		return Gzip, false, true
	case strings.EqualFold(name, "deflate"):
		return Deflate, false, true
	case strings.EqualFold(name, "br"):
		return Brotli, false, true
	case strings.EqualFold(name, "zstd"):
		return Zstd, false, true
	case strings.EqualFold(name, "identity"):
		return 0, true, true
	}
	return 0, false, false
}

// Parse reads the values of a response's Content-Encoding header fields, in
// the order they were received, and returns the codings in the order the
// server applied them; a [Decoder] undoes them from the last to the first.
// Each value is a comma-separated list; empty elements and "identity" are
// skipped, and names match without regard to case ("x-gzip" is gzip).
//
// Parse returns nil and no error when there is nothing to decode. It fails
// with an error matching [ErrUnknownCoding] for a name it does not know
// (parameters such as ";q=1" included), and with one matching
// [ErrTooManyCodings] when there are more than [MaxCodings] codings, counted
// over all the fields together.
func Parse(values []string) ([]Coding, error) {
	var stack []Coding
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			name := strings.Trim(elem, " \t")
			if name == "" {
				continue
			}
			c, identity, ok := lookup(name)
			switch {
			case !ok:
				return nil, fmt.Errorf("%w %q", ErrUnknownCoding, name)
			case identity:
				continue
			case len(stack) == MaxCodings:
				return nil, ErrTooManyCodings
			}
			stack = append(stack, c)
		}
	}
	return stack, nil
}
