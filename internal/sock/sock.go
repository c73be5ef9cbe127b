// Package sock holds the non-blocking socket system calls the engine makes on raw fds:
// opening a TCP connection, checking its outcome, reading, writing and closing. Nothing here
// blocks and nothing uses the net package's poller.
package sock

import (
	"errors"
	"net/netip"

	"golang.org/x/sys/unix"
)

// ErrInProgress reports that a connect was started and will finish later: wait for the
// socket to become writable, then call Connected.
var ErrInProgress = errors.New("sock: connect in progress")

// Dial opens a non-blocking, close-on-exec TCP socket to addr and starts connecting. It
// returns the fd with a nil error when the connection completed at once, with ErrInProgress
// when it will complete later, and -1 with the cause otherwise. When local is valid the
// socket is bound to it first.
func Dial(addr netip.AddrPort, local netip.Addr) (int, error) {
	family, sa, err := Sockaddr(addr)
	if err != nil {
		return -1, err
	}
	fd, err := Open(family, unix.SOCK_STREAM)
	if err != nil {
		return -1, err
	}
	// Small requests and replies must not wait for Nagle's algorithm.
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if local.IsValid() {
		_, lsa, err := Sockaddr(netip.AddrPortFrom(local, 0))
		if err == nil {
			err = unix.Bind(fd, lsa)
		}
		if err != nil {
			unix.Close(fd)
			return -1, err
		}
	}
	switch err := unix.Connect(fd, sa); err {
	case nil:
		return fd, nil
	case unix.EINPROGRESS, unix.EINTR:
		return fd, ErrInProgress
	default:
		unix.Close(fd)
		return -1, err
	}
}

// Connected reports the outcome of a connect started by Dial: nil once the connection is
// established, with the peer's address, ErrInProgress while it is still being made, or
// the reason it failed.
func Connected(fd int) (remote netip.AddrPort, err error) {
	if err := ConnectError(fd); err != nil {
		return remote, err
	}
	if remote, err = sockName(unix.SYS_GETPEERNAME, fd); err != nil {
		if err == unix.ENOTCONN {
			return remote, ErrInProgress
		}
		return remote, err
	}
	return remote, nil
}

// ConnectError returns the error a non-blocking connect ended with (SO_ERROR), or nil when
// there is none (yet).
func ConnectError(fd int) error {
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if soerr != 0 {
		return unix.Errno(soerr)
	}
	return nil
}

// LocalAddr returns the local address of a socket; the zero AddrPort when it cannot be had.
func LocalAddr(fd int) netip.AddrPort {
	local, _ := sockName(unix.SYS_GETSOCKNAME, fd)
	return local
}

// Addrs returns the local and remote addresses of a connected socket.
// The zero AddrPort stands for one that could not be had.
func Addrs(fd int) (local, remote netip.AddrPort) {
	local, _ = sockName(unix.SYS_GETSOCKNAME, fd)
	remote, _ = sockName(unix.SYS_GETPEERNAME, fd)
	return local, remote
}

// Alive reports whether an idle connection can still carry a request: the peer has not
// closed it and has sent nothing unasked. It reads nothing.
func Alive(fd int) bool {
	var b [1]byte
	_, err := recv(fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return err == unix.EAGAIN
}

// Read reads into p. It returns n > 0 for data, 0 with a nil error at end of stream, and
// unix.EAGAIN when nothing is there yet.
func Read(fd int, p []byte) (int, error) {
	for {
		n, err := recv(fd, p, 0)
		if err == unix.EINTR {
			continue
		}
		return n, err
	}
}

// Write writes as much of p as the socket takes now. It returns unix.EAGAIN when it took
// nothing. A peer that closed gives EPIPE, never SIGPIPE.
func Write(fd int, p []byte) (int, error) {
	for {
		n, err := send(fd, p, msgNoSignal)
		if err == unix.EINTR {
			continue
		}
		return n, err
	}
}

// Close closes fd.
func Close(fd int) error { return unix.Close(fd) }

// Sockaddr returns the address family and socket address of ap. An IPv4-mapped IPv6
// address is IPv4; an IPv6 zone is turned into its interface index.
func Sockaddr(ap netip.AddrPort) (family int, sa unix.Sockaddr, err error) {
	a := ap.Addr()
	if a.Is4() || a.Is4In6() {
		return unix.AF_INET, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.Unmap().As4()}, nil
	}
	sa6 := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	if z := a.Zone(); z != "" {
		id, err := zoneIndex(z)
		if err != nil {
			return 0, nil, err
		}
		sa6.ZoneId = id
	}
	return unix.AF_INET6, sa6, nil
}
