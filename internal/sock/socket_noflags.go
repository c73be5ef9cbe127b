//go:build unix && !(linux || freebsd || netbsd || openbsd || dragonfly)

package sock

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Open creates a socket, then makes it close-on-exec and non-blocking; ForkLock keeps
// a concurrent fork from inheriting it in between.
func Open(family, typ int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, typ, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
