//go:build linux || freebsd || netbsd || openbsd || dragonfly

package sock

import "golang.org/x/sys/unix"

// Open creates a non-blocking, close-on-exec socket in one call.
func Open(family, typ int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}
