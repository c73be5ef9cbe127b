//go:build linux || freebsd || netbsd || openbsd || dragonfly

package sock

import "golang.org/x/sys/unix"

// newSocket creates a non-blocking, close-on-exec socket in one call.
func newSocket(family, typ, proto int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
}
