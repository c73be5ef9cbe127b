package resolver

import (
	"net/netip"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

const (
	maxCacheTTL    = time.Hour       // the longest an answer is kept
	maxNegativeTTL = 5 * time.Minute // the longest NXDOMAIN or NODATA is kept (RFC 2308 §5)
	maxCacheSize   = 4096            // entries; full: expired ones go, then any
)

type cacheKey struct {
	name  string // lower case, with the trailing dot
	qtype dnsmessage.Type
}

// result is the outcome of asking one name for one type: addresses, or why
// there are none (ErrNotFound, ErrNoData, a server failure...).
type result struct {
	addrs  []netip.Addr
	err    error
	server netip.AddrPort // who said so; zero for a timeout
}

type cacheEntry struct {
	result
	expires time.Time
}

// cache keeps positive and negative answers per name and type until their
// TTL runs out. Cached address slices are never handed out: callers copy.
type cache struct {
	m map[cacheKey]cacheEntry
}

func (c *cache) get(k cacheKey, now time.Time) (result, bool) {
	e, ok := c.m[k]
	if !ok {
		return result{}, false
	}
	if !now.Before(e.expires) {
		delete(c.m, k)
		return result{}, false
	}
	return e.result, true
}

// put stores res for ttl seconds, capped (a TTL of 0 stores nothing).
func (c *cache) put(k cacheKey, res result, ttl uint32, now time.Time) {
	d := time.Duration(ttl) * time.Second
	limit := maxCacheTTL
	if res.err != nil {
		limit = maxNegativeTTL
	}
	d = min(d, limit)
	if d <= 0 {
		return
	}
	if c.m == nil {
		c.m = make(map[cacheKey]cacheEntry)
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= maxCacheSize {
		c.evict(now)
	}
	c.m[k] = cacheEntry{result: res, expires: now.Add(d)}
}

// evict drops expired entries, or one entry if none has expired.
func (c *cache) evict(now time.Time) {
	n := len(c.m)
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	if len(c.m) < n {
		return
	}
	for k := range c.m {
		delete(c.m, k)
		return
	}
}
