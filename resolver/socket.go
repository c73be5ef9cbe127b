package resolver

import (
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// This file holds the resolver's system calls: non-blocking sockets on raw
// file descriptors, so that the owner's event loop watches them.

// openSocket returns a non-blocking, close-on-exec socket of type typ
// (unix.SOCK_DGRAM or unix.SOCK_STREAM) for talking to server, and the
// server's socket address.
func openSocket(server netip.AddrPort, typ int) (int, unix.Sockaddr, error) {
	family, sa, err := sockaddrOf(server)
	if err != nil {
		return -1, nil, err
	}
	fd, err := newSocket(family, typ)
	if err != nil {
		return -1, nil, err
	}
	return fd, sa, nil
}

func sockaddrOf(ap netip.AddrPort) (int, unix.Sockaddr, error) {
	a := ap.Addr()
	if a.Is4() {
		return unix.AF_INET, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}, nil
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	if z := a.Zone(); z != "" {
		id, err := zoneIndex(z)
		if err != nil {
			return 0, nil, err
		}
		sa.ZoneId = id
	}
	return unix.AF_INET6, sa, nil
}

// zoneIndex maps an IPv6 zone (an interface name or number) to its index.
func zoneIndex(zone string) (uint32, error) {
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n), nil
	}
	ifi, err := net.InterfaceByName(zone)
	if err != nil {
		return 0, err
	}
	return uint32(ifi.Index), nil
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

// connectResult returns the outcome of a non-blocking connect once the
// socket is reported writable (or in error).
func connectResult(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}

// write writes p, retrying on EINTR.
func write(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Write(fd, p)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// read reads into p, retrying on EINTR.
func read(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		if err != unix.EINTR {
			return n, err
		}
	}
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
