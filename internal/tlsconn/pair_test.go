//go:build linux

package tlsconn

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// driver runs the client side of a test connection in the test goroutine: a
// non-blocking fd, a Conn, and a poll(2) loop that moves bytes between them,
// the way the event loop does.
type driver struct {
	t     testing.TB
	fd    int
	c     *Conn
	buf   []byte
	chunk int // feed input in pieces of this many bytes (0: as read)
	steps int // Handshake calls made by handshake

	serverDone chan struct{}
}

// startRaw makes a unix socketpair, runs serve on one end in a goroutine, and
// returns a driver for the other end with a Conn for cfg. Cleanup closes the
// Conn and the client fd and waits for serve to return.
func startRaw(t testing.TB, cfg *tls.Config, serve func(net.Conn)) *driver {
	t.Helper()
	d := openPair(t, cfg, serve)
	t.Cleanup(func() {
		d.c.Close()
		d.shutdown()
	})
	return d
}

// openPair is startRaw without the cleanup: the caller calls shutdown.
func openPair(t testing.TB, cfg *tls.Config, serve func(net.Conn)) *driver {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fds[1]), "server")
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		unix.Close(fds[0])
		t.Fatal(err)
	}
	d := &driver{t: t, fd: fds[0], c: Client(cfg), buf: make([]byte, 64<<10), serverDone: make(chan struct{})}
	go func() {
		defer close(d.serverDone)
		defer nc.Close()
		serve(nc)
	}()
	return d
}

// shutdown closes the client fd and waits for the server goroutine.
func (d *driver) shutdown() {
	d.closeFD()
	select {
	case <-d.serverDone:
	case <-time.After(10 * time.Second):
		d.t.Error("server goroutine did not end")
	}
}

// startTLS is startRaw with a tls.Server for scfg on the server end; serve
// gets the server connection before its handshake.
func startTLS(t testing.TB, cfg, scfg *tls.Config, serve func(*tls.Conn)) *driver {
	return startRaw(t, cfg, func(nc net.Conn) {
		serve(tls.Server(nc, scfg))
	})
}

func (d *driver) closeFD() {
	if d.fd >= 0 {
		unix.Close(d.fd)
		d.fd = -1
	}
}

// poll waits up to 10 s for events on the fd.
func (d *driver) poll(events int16) int16 {
	d.t.Helper()
	pfd := []unix.PollFd{{Fd: int32(d.fd), Events: events}}
	for {
		n, err := unix.Poll(pfd, 10000)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			d.t.Fatalf("poll: %v", err)
		}
		if n == 0 {
			d.t.Fatalf("poll: no event in 10 s (want %#x)", events)
		}
		return pfd[0].Revents
	}
}

// flush writes Outbound to the socket, waiting while the socket is full.
func (d *driver) flush() error {
	for {
		out := d.c.Outbound()
		if out == nil {
			return nil
		}
		n, err := unix.Write(d.fd, out)
		if err == unix.EAGAIN {
			d.poll(unix.POLLOUT)
			continue
		}
		if err != nil {
			return err
		}
		d.c.Consumed(n)
	}
}

// readSocket reads what the socket has: (0, false) if nothing, (0, true) at EOF.
func (d *driver) readSocket() (int, bool) {
	d.t.Helper()
	n, err := unix.Read(d.fd, d.buf)
	switch {
	case err == unix.EAGAIN:
		return 0, false
	case errors.Is(err, unix.ECONNRESET):
		return 0, true
	case err != nil:
		d.t.Fatalf("read: %v", err)
	}
	return n, n == 0
}

// handshake runs the handshake to its end. With chunk set, it feeds the
// input in pieces and calls Handshake after each.
func (d *driver) handshake() error {
	d.t.Helper()
	for {
		done, err := d.c.Handshake()
		d.steps++
		if ferr := d.flush(); ferr != nil && err == nil && !done {
			return ferr
		}
		if err != nil || done {
			return err
		}
		d.poll(unix.POLLIN)
		n, eof := d.readSocket()
		if eof {
			d.c.FeedEOF()
			continue
		}
		in := d.buf[:n]
		for len(in) > 0 {
			k := len(in)
			if d.chunk > 0 {
				k = min(k, d.chunk)
			}
			d.c.Feed(in[:k])
			in = in[k:]
			if len(in) == 0 {
				break // the outer loop calls Handshake
			}
			done, err := d.c.Handshake()
			d.steps++
			if err != nil || done {
				d.c.Feed(in) // what follows the last flight belongs to Read
				in = nil
				if ferr := d.flush(); ferr != nil && err == nil {
					return ferr
				}
				if err != nil {
					return err
				}
				return nil
			}
		}
	}
}

// pump waits for input (and for room to write while Outbound is not empty),
// then moves bytes both ways once. It feeds input in pieces of chunk bytes.
func (d *driver) pump() {
	d.t.Helper()
	events := int16(unix.POLLIN)
	if d.c.Outbound() != nil {
		events |= unix.POLLOUT
	}
	rev := d.poll(events)
	if rev&unix.POLLOUT != 0 {
		if out := d.c.Outbound(); out != nil {
			n, err := unix.Write(d.fd, out)
			if err != nil && err != unix.EAGAIN {
				d.t.Fatalf("write: %v", err)
			}
			if n > 0 {
				d.c.Consumed(n)
			}
		}
	}
	if rev&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) != 0 {
		n, eof := d.readSocket()
		if eof {
			d.c.FeedEOF()
			return
		}
		d.feed(d.buf[:n])
	}
}

func (d *driver) feed(b []byte) {
	for len(b) > 0 {
		k := len(b)
		if d.chunk > 0 {
			k = min(k, d.chunk)
		}
		d.c.Feed(b[:k])
		b = b[k:]
	}
}

// read reads into p, pumping until at least one byte or an error arrives.
func (d *driver) read(p []byte) (int, error) {
	d.t.Helper()
	for {
		n, err := d.c.Read(p)
		if err == ErrWouldBlock {
			if n > 0 {
				return n, nil
			}
			if err := d.flush(); err != nil {
				return 0, err
			}
			d.pump()
			continue
		}
		return n, err
	}
}

// readFull reads exactly len(p) bytes.
func (d *driver) readFull(p []byte) error {
	d.t.Helper()
	for got := 0; got < len(p); {
		n, err := d.read(p[got:])
		got += n
		if err != nil && got < len(p) {
			return err
		}
	}
	return nil
}

// readToEnd reads until an error other than ErrWouldBlock, and returns the
// bytes and that error.
func (d *driver) readToEnd() ([]byte, error) {
	d.t.Helper()
	var all []byte
	p := make([]byte, 4096)
	for {
		n, err := d.read(p)
		all = append(all, p[:n]...)
		if err != nil {
			return all, err
		}
	}
}

// write writes p and flushes it.
func (d *driver) write(p []byte) {
	d.t.Helper()
	if n, err := d.c.Write(p); n != len(p) || err != nil {
		d.t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(p))
	}
	if err := d.flush(); err != nil {
		d.t.Fatalf("flush: %v", err)
	}
}

// readAtMost reads up to len(p) bytes from a non-blocking fd that poll
// reported readable.
func readAtMost(fd int, p []byte) (int, error) {
	n, err := unix.Read(fd, p)
	if err == unix.EAGAIN {
		return 0, nil
	}
	if err == nil && n == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	return n, err
}
