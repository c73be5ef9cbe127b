package resolver

import (
	"errors"
	"math"
	"net/netip"

	"golang.org/x/net/dns/dnsmessage"
)

// This file is the protocol core: it builds queries and judges replies,
// bytes in and values out, with no sockets.

const (
	// ednsSize is the UDP payload size advertised with EDNS(0) (the DNS
	// flag day 2020 value, as Go and c-ares use).
	ednsSize = 1232
	// maxCNAMEHops is the longest CNAME chain followed within an answer.
	maxCNAMEHops = 8
)

// errMismatch marks a reply that is not an answer to the query: not a
// response, another ID, or another question. Over UDP it is dropped and the
// wait goes on (RFC 5452 §9.1).
var errMismatch = errors.New("reply does not match the query")

// packQuery appends to buf a recursive query for q with the given ID and an
// EDNS(0) record. Callers pass two spare bytes at the start of buf for the
// TCP length prefix.
func packQuery(buf []byte, id uint16, q dnsmessage.Question) ([]byte, error) {
	b := dnsmessage.NewBuilder(buf, dnsmessage.Header{ID: id, RecursionDesired: true})
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	var opt dnsmessage.ResourceHeader
	if err := opt.SetEDNS0(ednsSize, dnsmessage.RCodeSuccess, false); err != nil {
		return nil, err
	}
	if err := b.OPTResource(opt, dnsmessage.OPTResource{}); err != nil {
		return nil, err
	}
	return b.Finish()
}

// reply is what a matching reply says about the question.
type reply struct {
	truncated bool // over UDP: ask again over TCP; nothing else is set
	// err is nil when addrs holds the answer; else ErrNotFound, ErrNoData,
	// ErrCNAMELoop or an rcodeError (a server failure).
	err   error
	addrs []netip.Addr
	// ttl is how long the answer may be cached, in seconds: the smallest
	// TTL of the records used, or for a negative answer the SOA's (RFC 2308).
	// cacheable is false when there is nothing to go by.
	ttl       uint32
	cacheable bool
}

// parseReply judges msg as the reply to query q sent with the given ID
// over UDP, or over TCP when tcp is set. A truncated UDP reply is reported
// as such without reading its records; over TCP one is read as it is. It
// returns errMismatch for a message that answers something else, and an
// error wrapping ErrMalformedReply for one that cannot be parsed. The
// address records used are those of q's type whose owner is q's name or a
// name the answer's CNAME chain leads to; others are ignored.
func parseReply(msg []byte, id uint16, q dnsmessage.Question, tcp bool) (reply, error) {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return reply{}, malformed(err)
	}
	if !h.Response || h.ID != id || h.OpCode != 0 {
		return reply{}, errMismatch
	}
	rq, err := p.Question()
	if err != nil {
		if err == dnsmessage.ErrSectionDone {
			return reply{}, errMismatch
		}
		return reply{}, malformed(err)
	}
	if rq.Type != q.Type || rq.Class != q.Class || !equalNames(&rq.Name, &q.Name) {
		return reply{}, errMismatch
	}
	if err := p.SkipQuestion(); err != dnsmessage.ErrSectionDone {
		return reply{}, errMismatch // more than one question
	}
	if h.Truncated && !tcp {
		return reply{truncated: true}, nil
	}
	var rep reply
	switch h.RCode {
	case dnsmessage.RCodeSuccess:
	case dnsmessage.RCodeNameError:
		if err := p.SkipAllAnswers(); err != nil {
			return reply{}, malformed(err)
		}
		rep.err = ErrNotFound
		rep.ttl, rep.cacheable = negativeTTL(&p)
		return rep, nil
	default:
		rep.err = rcodeError{h.RCode}
		return rep, nil
	}

	// The answers are walked once per hop of the CNAME chain, then once for
	// the addresses: records may come in any order, and at most
	// maxCNAMEHops+2 walks over a message of at most 64 KiB bound the work.
	answers := p
	var chain [maxCNAMEHops + 1]dnsmessage.Name
	chain[0] = q.Name
	hops := 0
	minTTL := uint32(math.MaxUint32)
	for {
		target, ttl, found, err := findCNAME(answers, &chain[hops])
		if err != nil {
			return reply{}, malformed(err)
		}
		if !found {
			break
		}
		for i := 0; i <= hops; i++ {
			if equalNames(&chain[i], &target) {
				rep.err = ErrCNAMELoop
				return rep, nil
			}
		}
		if hops == maxCNAMEHops {
			rep.err = ErrCNAMELoop
			return rep, nil
		}
		hops++
		chain[hops] = target
		minTTL = min(minTTL, ttl)
	}
	addrs, addrTTL, err := collectAddrs(&p, q.Type, chain[:hops+1])
	if err != nil {
		return reply{}, malformed(err)
	}
	if len(addrs) == 0 {
		rep.err = ErrNoData
		rep.ttl, rep.cacheable = negativeTTL(&p)
		return rep, nil
	}
	rep.addrs = addrs
	rep.ttl, rep.cacheable = min(minTTL, addrTTL), true
	return rep, nil
}

// findCNAME looks in the answer section (p is a copy positioned at its
// start) for a CNAME record owned by name.
func findCNAME(p dnsmessage.Parser, name *dnsmessage.Name) (target dnsmessage.Name, ttl uint32, found bool, err error) {
	for {
		h, err := p.AnswerHeader()
		if err == dnsmessage.ErrSectionDone {
			return target, 0, false, nil
		}
		if err != nil {
			return target, 0, false, err
		}
		if h.Type != dnsmessage.TypeCNAME || h.Class != dnsmessage.ClassINET || !equalNames(&h.Name, name) {
			if err := p.SkipAnswer(); err != nil {
				return target, 0, false, err
			}
			continue
		}
		c, err := p.CNAMEResource()
		if err != nil {
			return target, 0, false, err
		}
		return c.CNAME, clampTTL(h.TTL), true, nil
	}
}

// collectAddrs walks the answer section and returns the addresses of type t
// owned by one of names, with their smallest TTL. It leaves p at the start
// of the authority section.
func collectAddrs(p *dnsmessage.Parser, t dnsmessage.Type, names []dnsmessage.Name) ([]netip.Addr, uint32, error) {
	var addrs []netip.Addr
	minTTL := uint32(math.MaxUint32)
	for {
		h, err := p.AnswerHeader()
		if err == dnsmessage.ErrSectionDone {
			return addrs, minTTL, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if h.Type != t || h.Class != dnsmessage.ClassINET || !ownedBy(&h.Name, names) {
			if err := p.SkipAnswer(); err != nil {
				return nil, 0, err
			}
			continue
		}
		var a netip.Addr
		switch t {
		case dnsmessage.TypeA:
			if h.Length != 4 {
				return nil, 0, errBadRDLength
			}
			r, err := p.AResource()
			if err != nil {
				return nil, 0, err
			}
			a = netip.AddrFrom4(r.A)
		case dnsmessage.TypeAAAA:
			if h.Length != 16 {
				return nil, 0, errBadRDLength
			}
			r, err := p.AAAAResource()
			if err != nil {
				return nil, 0, err
			}
			a = netip.AddrFrom16(r.AAAA)
		}
		addrs = append(addrs, a)
		minTTL = min(minTTL, clampTTL(h.TTL))
	}
}

var errBadRDLength = errors.New("address record of the wrong length")

// negativeTTL finds the SOA record in the authority section (p positioned at
// its start) and returns how long a negative answer may be cached: the
// smaller of the SOA's TTL and its MINIMUM field (RFC 2308 §5). Without a
// readable SOA there is nothing to go by.
func negativeTTL(p *dnsmessage.Parser) (uint32, bool) {
	for {
		h, err := p.AuthorityHeader()
		if err != nil {
			return 0, false
		}
		if h.Type != dnsmessage.TypeSOA || h.Class != dnsmessage.ClassINET {
			if p.SkipAuthority() != nil {
				return 0, false
			}
			continue
		}
		soa, err := p.SOAResource()
		if err != nil {
			return 0, false
		}
		return min(clampTTL(h.TTL), clampTTL(soa.MinTTL)), true
	}
}

// clampTTL reads a TTL with its top bit set as 0 (RFC 2181 §8).
func clampTTL(ttl uint32) uint32 {
	if ttl > math.MaxInt32 {
		return 0
	}
	return ttl
}

func ownedBy(n *dnsmessage.Name, names []dnsmessage.Name) bool {
	for i := range names {
		if equalNames(n, &names[i]) {
			return true
		}
	}
	return false
}

// equalNames compares two names ignoring ASCII case.
func equalNames(a, b *dnsmessage.Name) bool {
	if a.Length != b.Length {
		return false
	}
	for i := 0; i < int(a.Length); i++ {
		x, y := a.Data[i], b.Data[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// malformedError is a parse failure; it matches ErrMalformedReply.
type malformedError struct{ err error }

func malformed(err error) error { return malformedError{err} }

func (e malformedError) Error() string { return "resolver: " + e.reasonText() }

func (e malformedError) reasonText() string {
	return reasonOf(ErrMalformedReply) + ": " + e.err.Error()
}

func (e malformedError) Unwrap() error { return e.err }

func (e malformedError) Is(target error) bool { return target == ErrMalformedReply }
