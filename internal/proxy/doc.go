// Package proxy is the sans-IO core of xfer's proxy support: the SOCKS4,
// SOCKS4a, SOCKS5 and SOCKS5h handshakes and the HTTP CONNECT handshake as
// state machines that take bytes and give bytes, the parsing of proxy
// URLs, NO_PROXY matching in curl's dialect, and the choice of a proxy from
// the environment as curl makes it. It holds no sockets, starts no
// goroutines, never blocks and reads no environment variable itself.
//
// # Proxy URLs
//
// [Parse] reads "scheme://[user:password@]host[:port]"; a string without a
// scheme is an http:// proxy, and the default ports are 1080 for http and
// the SOCKS schemes and 443 for https. [URL.Key] identifies a proxy and its
// credentials for connection reuse; [URL.String] hides the password.
//
// # Handshakes
//
// A [Handshake] runs on a freshly connected socket to the proxy, before any
// byte of the origin's protocol (TLS, or HTTP/1.1 inside a tunnel). Make
// one with [New] (or [NewSOCKS4], [NewSOCKS5], [NewConnect]); every check
// that can fail before a byte is sent fails there, so that nothing reaches
// the proxy for a request that cannot be made. Then:
//
//  1. Send the bytes of [Handshake.Start].
//  2. Each time bytes arrive, pass them to [Handshake.Feed]. It consumes
//     what belongs to the handshake and returns n, the count consumed, the
//     bytes to send next (possibly none; send them even when done), and
//     whether the handshake is complete.
//  3. When done, in[n:] — and everything read later — belongs to the
//     origin's protocol: the handshake never reads past the end of the
//     proxy's reply, so the caller keeps those bytes and hands them on.
//     Until done, Feed consumes all its input.
//  4. If the proxy closes the connection first, call [Handshake.EOF].
//
// Feed gives the same result however the input is split, one byte at a
// time included, and keeps only a bounded amount of it: at most 262 bytes
// for SOCKS, and for CONNECT what internal/http1's Parser holds, at most
// one header block of its MaxHeaderBytes (100 KiB). Every decision a
// handshake takes
// is kept in its state, never recomputed on a later call (the lesson of
// CVE-2023-38545). After an error every call returns that error.
//
// A socks5h or socks4a host name is sent to the proxy to resolve; a name
// longer than 255 bytes is [ErrNameTooLong] when the handshake is made,
// never resolved locally instead. For socks4 and socks5
// ([URL.ResolvesLocally]) the caller resolves the name and passes an
// address.
//
// # What reaches the proxy
//
// A CONNECT request carries the Host field, Proxy-Authorization from the
// proxy URL's credentials, and the fields of the proxy header the caller
// passes: nothing of the origin request. The caller must pass only fields
// meant for the proxy (Easy.ProxyHeader), never Easy.Header or the origin's
// credentials (CVE-2003-1605, CVE-2015-3153). A 401, 403 or 407 reply ends
// the handshake with [ErrTunnelRefused]; nothing is sent again.
//
// # NO_PROXY and the environment
//
// [ParseNoProxy] reads a NO_PROXY list once, and [NoProxy.Match] tells,
// without allocating, whether a host bypasses the proxy. [FromEnvironment]
// reads http_proxy, HTTPS_PROXY, ALL_PROXY, NO_PROXY and their other
// spellings through a lookup function, once, and [Env.ProxyFor] picks a
// proxy for a URL's scheme and host as curl does.
package proxy
