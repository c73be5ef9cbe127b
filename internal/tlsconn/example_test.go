//go:build linux

package tlsconn_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/xfer-go/xfer/internal/tlsconn"
)

// This example drives one HTTPS request over a non-blocking socket with
// poll(2), the way an event loop does: the loop owns the fd, and the Conn
// only turns ciphertext into plaintext and back.
func Example() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	}))
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())

	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer unix.Close(fd)
	unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}) // EINPROGRESS
	wait := func(events int16) {
		unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: events}}, -1)
	}
	wait(unix.POLLOUT)

	c := tlsconn.Client(&tls.Config{ServerName: "127.0.0.1", RootCAs: roots})
	defer c.Close()
	buf := make([]byte, 16<<10)
	flush := func() { // write Outbound, waiting while the socket is full
		for out := c.Outbound(); out != nil; out = c.Outbound() {
			n, err := unix.Write(fd, out)
			if err != nil {
				wait(unix.POLLOUT)
				continue
			}
			c.Consumed(n)
		}
	}
	receive := func() { // wait for input and feed it
		wait(unix.POLLIN)
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EAGAIN:
		case n <= 0:
			c.FeedEOF()
		default:
			c.Feed(buf[:n])
		}
	}

	for {
		done, err := c.Handshake()
		flush()
		if err != nil {
			fmt.Println("verification failed:", tlsconn.VerificationFailed(err), err)
			return
		}
		if done {
			break
		}
		receive()
	}

	c.Write([]byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
	flush()
	var reply []byte
	for {
		n, err := c.Read(buf)
		reply = append(reply, buf[:n]...)
		if err == tlsconn.ErrWouldBlock {
			flush() // Read may have queued a reply of its own (a TLS 1.3 KeyUpdate)
			receive()
			continue
		}
		if err != nil { // io.EOF after the server's close_notify
			break
		}
	}
	status, _, _ := strings.Cut(string(reply), "\r\n")
	fmt.Println(status)
	fmt.Println(strings.HasSuffix(string(reply), "\r\n\r\nhello\n"))
	// Output:
	// HTTP/1.1 200 OK
	// true
}

// SessionKey tells configs apart by TLS identity: a cached session or a
// pooled connection made for one key must not serve another.
func ExampleSessionKey() {
	roots := x509.NewCertPool()
	a := &tls.Config{ServerName: "example.com", RootCAs: roots}
	b := &tls.Config{ServerName: "example.com", RootCAs: roots}
	c := &tls.Config{ServerName: "example.com", RootCAs: x509.NewCertPool()}
	fmt.Println(tlsconn.SessionKey(a) == tlsconn.SessionKey(b))
	fmt.Println(tlsconn.SessionKey(a) == tlsconn.SessionKey(c))
	// Output:
	// true
	// false
}
