package decode

import (
	"errors"
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		values []string
		want   []Coding
		err    error
	}{
		{nil, nil, nil},
		{[]string{""}, nil, nil},
		{[]string{"identity"}, nil, nil},
		{[]string{"gzip"}, []Coding{Gzip}, nil},
		{[]string{"x-gzip"}, []Coding{Gzip}, nil},
		{[]string{"GZip"}, []Coding{Gzip}, nil},
		{[]string{"deflate"}, []Coding{Deflate}, nil},
		{[]string{"br"}, []Coding{Brotli}, nil},
		{[]string{"zstd"}, []Coding{Zstd}, nil},
		{[]string{"gzip, br"}, []Coding{Gzip, Brotli}, nil},
		{[]string{"gzip,br"}, []Coding{Gzip, Brotli}, nil},
		{[]string{" \tgzip ,\t br\t"}, []Coding{Gzip, Brotli}, nil},
		{[]string{"gzip", "br"}, []Coding{Gzip, Brotli}, nil},
		{[]string{"deflate, identity, zstd"}, []Coding{Deflate, Zstd}, nil},
		{[]string{",, gzip ,,"}, []Coding{Gzip}, nil},
		{[]string{"identity, identity, identity, identity, identity, identity, gzip"}, []Coding{Gzip}, nil},
		{[]string{"gzip, gzip, gzip, gzip, gzip"}, []Coding{Gzip, Gzip, Gzip, Gzip, Gzip}, nil},
		{[]string{"gzip, gzip, gzip, gzip, gzip, gzip"}, nil, ErrTooManyCodings},
		{[]string{"gzip", "gzip", "gzip", "gzip", "gzip", "gzip"}, nil, ErrTooManyCodings},
		{[]string{"gzip, br, zstd", "deflate", "x-gzip, br"}, nil, ErrTooManyCodings},
		{[]string{"compress"}, nil, ErrUnknownCoding},
		{[]string{"x-compress"}, nil, ErrUnknownCoding},
		{[]string{"gzip;q=1"}, nil, ErrUnknownCoding},
		{[]string{"chunked"}, nil, ErrUnknownCoding},
		{[]string{"gzip br"}, nil, ErrUnknownCoding},
		{[]string{"gzip", "lzma"}, nil, ErrUnknownCoding},
		{[]string{"*"}, nil, ErrUnknownCoding},
	}
	for _, tt := range tests {
		got, err := Parse(tt.values)
		if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("Parse(%q): error %v, want %v", tt.values, err, tt.err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

func TestCodingString(t *testing.T) {
	for c, want := range map[Coding]string{Gzip: "gzip", Deflate: "deflate", Brotli: "br", Zstd: "zstd", 9: "Coding(9)"} {
		if got := c.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", c, got, want)
		}
	}
}
