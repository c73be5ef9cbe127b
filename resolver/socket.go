package resolver

import (
	"net/netip"

	"github.com/xfer-go/xfer/internal/sock"
	"golang.org/x/sys/unix"
)

// This file holds the resolver's own system calls; the rest (opening sockets, reading,
// writing) are internal/sock's, shared with the engine.

// openSocket returns a non-blocking, close-on-exec socket of type typ
// (unix.SOCK_DGRAM or unix.SOCK_STREAM) for talking to server, and the
// server's socket address.
func openSocket(server netip.AddrPort, typ int) (int, unix.Sockaddr, error) {
	family, sa, err := sock.Sockaddr(server)
	if err != nil {
		return -1, nil, err
	}
	fd, err := sock.Open(family, typ)
	if err != nil {
		return -1, nil, err
	}
	return fd, sa, nil
}

// fromServer reports whether sa, the source of a datagram, is the server's
// address and port.
func fromServer(sa unix.Sockaddr, server netip.AddrPort) bool {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return server.Addr().Is4() && sa.Addr == server.Addr().As4() && sa.Port == int(server.Port())
	case *unix.SockaddrInet6:
		a := server.Addr()
		return a.Is6() && sa.Addr == a.As16() && sa.Port == int(server.Port())
	}
	return false
}

// connectUDP connects a UDP socket to the server: the kernel picks a fresh
// ephemeral source port and delivers only datagrams from the server's
// address and port.
func connectUDP(fd int, sa unix.Sockaddr) error {
	for {
		err := unix.Connect(fd, sa)
		if err != unix.EINTR {
			return err
		}
	}
}

// connectTCP starts a non-blocking connect; pending reports EINPROGRESS.
func connectTCP(fd int, sa unix.Sockaddr) (pending bool, err error) {
	err = unix.Connect(fd, sa)
	switch err {
	case nil:
		return false, nil
	case unix.EINPROGRESS, unix.EINTR:
		return true, nil
	}
	return false, err
}

// recvfrom receives one datagram, retrying on EINTR.
func recvfrom(fd int, p []byte) (int, unix.Sockaddr, error) {
	for {
		n, sa, err := unix.Recvfrom(fd, p, 0)
		if err != unix.EINTR {
			return n, sa, err
		}
	}
}
