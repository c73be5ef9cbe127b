package batch

import (
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Names gives out the names that bodies are saved under, unique within a run. The zero
// value is ready to use.
type Names struct {
	taken map[string]bool // names given out
}

// For returns the name the body of rawURL is saved under: the last element of the URL's
// path, or index.html, made unique within the run with a counter ("a.bin", "a-1.bin"...).
func (n *Names) For(rawURL string) string {
	name := "index.html"
	if u, err := url.Parse(rawURL); err == nil {
		if b := path.Base(u.Path); b != "." && b != "/" && b != ".." {
			name = b
		}
	}
	if n.taken == nil {
		n.taken = map[string]bool{}
	}
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if stem == "" { // ".profile": the whole name is the stem
		stem, ext = name, ""
	}
	unique := name
	for i := 1; n.taken[unique]; i++ {
		unique = stem + "-" + strconv.Itoa(i) + ext
	}
	n.taken[unique] = true
	return unique
}
