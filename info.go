package xfer

import (
	"crypto/tls"
	"net/netip"
	"time"
)

// stats is what a transfer records for Info. The rest of Info is derived when asked for:
// the header maps from the raw fields, EffectiveURL and RedirectCount from the transfer,
// the addresses and TLS state from the connection's ends.
type stats struct {
	ends          *connEnds // of the connection used last; nil before one
	status        int32
	numConnects   int32
	proto         string
	downloaded    int64
	uploaded      int64
	contentLength int64

	nameLookup, connect, appConnect, preTransfer, startTransfer, total time.Duration
}

// connEnds are a connection's addresses and TLS state, shared by the connection and the
// transfers that used it.
type connEnds struct {
	local, remote netip.AddrPort
	tls           *tls.ConnectionState // once the handshake is done
	connectCode   int32                // the HTTP proxy's status in reply to CONNECT; 0: none
}

// Status returns the final response's status code, as Info().Status does, without building
// the rest of Info (its header map above all): 0 until a final response has arrived. It is
// curl's CURLINFO_RESPONSE_CODE.
func (e *Easy) Status() int { return int(e.x.info.status) }

// Info returns what is known of the transfer so far; after it finished, all of it.
func (e *Easy) Info() Info {
	t := &e.x
	s := &t.info
	info := Info{
		Status:        int(s.status),
		Proto:         s.proto,
		EffectiveURL:  t.url,
		RedirectCount: int(t.redirects),
		NumConnects:   int(s.numConnects),
		Downloaded:    s.downloaded,
		Uploaded:      s.uploaded,
		ContentLength: s.contentLength,
		NameLookup:    s.nameLookup,
		Connect:       s.connect,
		AppConnect:    s.appConnect,
		PreTransfer:   s.preTransfer,
		StartTransfer: s.startTransfer,
		Total:         s.total,
	}
	if s.ends != nil {
		info.LocalAddr, info.RemoteAddr, info.TLS = s.ends.local, s.ends.remote, s.ends.tls
		info.ConnectCode = int(s.ends.connectCode)
	}
	// A transfer keeps its fields raw, which costs far less memory while thousands wait;
	// the header maps are built here.
	switch {
	case s.status != 0 && t.h2 != nil && t.h2.used:
		info.Header = fieldsHeader(t.h2.fields)
		if len(t.h2.trailer) > 0 {
			info.Trailer = fieldsHeader(t.h2.trailer)
		}
	case s.status != 0 && t.parser != nil:
		info.Header = t.parser.Fields().Header()
		if tr := t.parser.TrailerFields(); tr.Len() > 0 {
			info.Trailer = tr.Header()
		}
	}
	return info
}
