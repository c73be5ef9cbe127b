package resolver

import (
	"errors"
	"net/netip"
	"strconv"

	"golang.org/x/net/dns/dnsmessage"
)

// The reasons a lookup fails. Match them with errors.Is on the error that a
// Lookup's done function receives, which is always an *Error.
var (
	// ErrNotFound: the name does not exist (NXDOMAIN for every name tried,
	// or a .onion name, which is never sent to DNS).
	ErrNotFound = newReason("no such host")
	// ErrNoData: the name exists but has no A or AAAA record (NODATA).
	ErrNoData = newReason("no address for the name")
	// ErrServerFailure: every server answered SERVFAIL, REFUSED, NOTIMP or
	// another error code, or could not be reached. The answer may differ later.
	ErrServerFailure = newReason("server failure")
	// ErrTimeout: no server answered within Attempts tries of Timeout each.
	ErrTimeout = newReason("no answer from any server (timeout)")
	// ErrCNAMELoop: the answer's CNAME chain is longer than 8 or loops.
	ErrCNAMELoop = newReason("CNAME chain too long or looping")
	// ErrMalformedReply: the only replies received could not be parsed.
	ErrMalformedReply = newReason("malformed reply")
	// ErrInvalidName: the name is not a valid host name.
	ErrInvalidName = newReason("invalid host name")
	// ErrClosed: the Resolver was closed.
	ErrClosed = newReason("resolver closed")
)

// Error is the error of a failed lookup. Its message names the name and the
// reason, as in "resolver: lookup www.example.com on 127.0.0.53:53: no such host".
type Error struct {
	Name   string         // the name given to Lookup
	Server netip.AddrPort // the server whose answer decided; zero when none answered
	Err    error          // one of this package's Err... values, or the system error that prevented asking
}

// Error returns "resolver: lookup NAME[ on SERVER]: REASON".
func (e *Error) Error() string {
	s := "resolver: lookup " + e.Name
	if e.Server.IsValid() {
		s += " on " + e.Server.String()
	}
	return s + ": " + reasonOf(e.Err)
}

// Unwrap returns the reason, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Timeout reports whether no server answered in time.
func (e *Error) Timeout() bool { return errors.Is(e.Err, ErrTimeout) }

// Temporary reports whether asking again later might succeed: a timeout, a
// server failure, or an error from the system while sending.
func (e *Error) Temporary() bool {
	return !errors.Is(e.Err, ErrNotFound) && !errors.Is(e.Err, ErrNoData) &&
		!errors.Is(e.Err, ErrInvalidName) && !errors.Is(e.Err, ErrCNAMELoop) &&
		!errors.Is(e.Err, ErrClosed)
}

func newReason(reason string) error { return &reasonError{reason} }

// reasonError is a sentinel: its text is the reason alone, prefixed with the
// package name when printed on its own.
type reasonError struct{ reason string }

func (e *reasonError) Error() string { return "resolver: " + e.reason }

func (e *reasonError) reasonText() string { return e.reason }

// rcodeError is a server failure that keeps the response code that told it.
type rcodeError struct{ rcode dnsmessage.RCode }

func (e rcodeError) Error() string { return "resolver: " + e.reasonText() }

func (e rcodeError) reasonText() string {
	return reasonOf(ErrServerFailure) + " (" + rcodeName(e.rcode) + ")"
}

func (e rcodeError) Is(target error) bool { return target == ErrServerFailure }

// reasonOf returns err's text without the "resolver: " prefix of this
// package's own errors.
func reasonOf(err error) string {
	if err == nil {
		return "unknown error"
	}
	if r, ok := err.(interface{ reasonText() string }); ok {
		return r.reasonText()
	}
	return err.Error()
}

func rcodeName(rc dnsmessage.RCode) string {
	switch rc {
	case dnsmessage.RCodeFormatError:
		return "FORMERR"
	case dnsmessage.RCodeServerFailure:
		return "SERVFAIL"
	case dnsmessage.RCodeNameError:
		return "NXDOMAIN"
	case dnsmessage.RCodeNotImplemented:
		return "NOTIMP"
	case dnsmessage.RCodeRefused:
		return "REFUSED"
	}
	return "rcode " + strconv.Itoa(int(rc))
}
