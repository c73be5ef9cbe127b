package xfer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Code is a transfer's result, numbered as libcurl's CURLcode. A Code is an error
// itself, so errors.Is(err, ErrOperationTimedOut) matches any *Error carrying it.
type Code int

// The result codes a transfer can end with. Their numbers are libcurl's.
const (
	ErrUnsupportedProtocol    Code = 1  // the URL's scheme is not http or https
	ErrURLMalformat           Code = 3  // the URL, a header or the method cannot be sent
	ErrCouldntResolveHost     Code = 6  // the host name did not resolve
	ErrCouldntConnect         Code = 7  // no address of the host accepted a connection
	ErrWeirdServerReply       Code = 8  // the reply is not well-formed HTTP/1.x
	ErrPartialFile            Code = 18 // the body ended before its announced length
	ErrHTTPReturnedError      Code = 22 // status >= 400 with FailOnError
	ErrWriteError             Code = 23 // Write or HeaderLine refused the data
	ErrReadError              Code = 26 // the request body's Read failed
	ErrOperationTimedOut      Code = 28 // Timeout, ConnectTimeout or the low-speed limit
	ErrSSLConnectError        Code = 35 // the TLS handshake failed
	ErrAbortedByCallback      Code = 42 // a callback asked to stop, or the Multi is dead
	ErrTooManyRedirects       Code = 47 // more redirects than MaxRedirs
	ErrGotNothing             Code = 52 // the server closed without sending a byte
	ErrSendError              Code = 55 // sending the request failed
	ErrRecvError              Code = 56 // receiving the reply failed
	ErrPeerFailedVerification Code = 60 // the server's certificate did not verify

	ErrRangeError         Code = 33 // ResumeFrom asked, and the server sent the whole body (200)
	ErrBadContentEncoding Code = 61 // an unknown coding, more than 5 codings, or a corrupt coded body
	ErrFileSizeExceeded   Code = 63 // the body is larger than MaxFileSize

	ErrHTTP2       Code = 16 // the HTTP/2 connection failed: a framing or protocol error, GOAWAY with an error
	ErrHTTP2Stream Code = 92 // the server reset this transfer's HTTP/2 stream

	ErrCouldntResolveProxy Code = 5  // the proxy's host name did not resolve
	ErrProxy               Code = 97 // a SOCKS handshake failed or was refused (CURLE_PROXY)
)

var codeNames = map[Code]string{
	ErrUnsupportedProtocol:    "unsupported protocol",
	ErrURLMalformat:           "URL using bad/illegal format",
	ErrCouldntResolveHost:     "could not resolve host name",
	ErrCouldntConnect:         "could not connect to server",
	ErrWeirdServerReply:       "weird server reply",
	ErrPartialFile:            "transferred a partial file",
	ErrHTTPReturnedError:      "HTTP response code said error",
	ErrWriteError:             "failed writing received data",
	ErrReadError:              "failed reading the request body",
	ErrOperationTimedOut:      "timeout was reached",
	ErrSSLConnectError:        "SSL connect error",
	ErrAbortedByCallback:      "operation was aborted by an application callback",
	ErrTooManyRedirects:       "number of redirects hit maximum amount",
	ErrGotNothing:             "server returned nothing (no headers, no data)",
	ErrSendError:              "failed sending data to the peer",
	ErrHTTP2:                  "error in the HTTP2 framing layer",
	ErrHTTP2Stream:            "stream error in the HTTP/2 framing layer",
	ErrRecvError:              "failure when receiving data from the peer",
	ErrPeerFailedVerification: "SSL peer certificate or SSH remote key was not OK",
	ErrRangeError:             "requested range was not delivered by the server",
	ErrBadContentEncoding:     "unrecognized or bad HTTP Content or Transfer-Encoding",
	ErrFileSizeExceeded:       "maximum file size exceeded",
	ErrCouldntResolveProxy:    "could not resolve proxy name",
	ErrProxy:                  "proxy handshake error",
}

// Error returns libcurl's wording for the code, prefixed with the package name.
func (c Code) Error() string {
	if s, ok := codeNames[c]; ok {
		return "xfer: " + s
	}
	return "xfer: error code " + strconv.Itoa(int(c))
}

// Error is what Message.Err and Easy.Perform return for a failed transfer.
// errors.Is(err, ErrOperationTimedOut) matches on Code; Unwrap gives the cause
// (a syscall.Errno, a *tls.CertificateVerificationError, a parser error...).
type Error struct {
	Code Code   // what happened, as libcurl numbers it
	URL  string // the URL of the transfer (the effective one after redirects)
	Err  error  // the cause; may be nil
}

// Error describes the failure: the code's text, the URL and the cause.
func (e *Error) Error() string {
	s := e.Code.Error()
	if e.URL != "" {
		s += " (" + e.URL + ")"
	}
	if e.Err != nil {
		// The code's text already names the package: a cause of our own need not again.
		s += ": " + strings.TrimPrefix(e.Err.Error(), "xfer: ")
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Code, so errors.Is matches an *Error against a Code.
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.Code
}

// The errors of the API itself, as opposed to transfer results.
var (
	// ErrPause is returned by Write or Body.Read to pause that direction of the transfer.
	ErrPause = errors.New("xfer: pause")
	// ErrBadEasyHandle: the Easy is nil, or belongs to another Multi.
	ErrBadEasyHandle = errors.New("xfer: invalid easy handle")
	// ErrAddedAlready: the Easy is already added to a Multi.
	ErrAddedAlready = errors.New("xfer: easy handle already added to a multi handle")
	// ErrBadSocket: the fd is not one the Multi holds.
	ErrBadSocket = errors.New("xfer: invalid socket argument")
	// ErrRecursiveAPICall: the method was called from inside a callback.
	ErrRecursiveAPICall = errors.New("xfer: API function called from within callback")
	// ErrMultiClosed: the Multi was closed.
	ErrMultiClosed = errors.New("xfer: multi handle is closed")
)

var errNoResolver = errors.New("xfer: no resolver could be configured from the system")

// errTimeout describes which limit a transfer hit.
func errTimeout(what string, limit time.Duration) error {
	return fmt.Errorf("xfer: %s timed out after %v", what, limit)
}

// newError builds the *Error a transfer ends with.
func newError(c Code, url string, cause error) *Error {
	return &Error{Code: c, URL: url, Err: cause}
}
