// Package syscallcost measures what a non-blocking 1 KiB read of a TCP socket costs from
// Go: through the ordinary system call (unix.Read), which tells the scheduler it is entering
// and leaving the kernel; through a raw one, which does not (fit only for calls that cannot
// block, as a read of a non-blocking socket); and as a raw recvfrom(2) with no address,
// which reaches the socket without read(2)'s file layer (what libcurl's recv() does). The
// differences are what separates workload A's floor-go from floor-c.
package syscallcost

import (
	"net"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pair returns a loopback TCP connection's two ends as raw fds, the reading end
// non-blocking with a deep receive buffer.
func pair(tb testing.TB) (r, w int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		tb.Fatal(err)
	}
	fr, _ := c.(*net.TCPConn).File()
	fw, _ := s.(*net.TCPConn).File()
	c.Close()
	s.Close()
	r, w = int(fr.Fd()), int(fw.Fd())
	unix.SetNonblock(r, true)
	tb.Cleanup(func() { fr.Close(); fw.Close() })
	return r, w
}

func bench(b *testing.B, read func(fd int, p []byte) int) {
	r, w := pair(b)
	buf := make([]byte, 1024)
	chunk := make([]byte, 256<<10)
	b.SetBytes(1024)
	b.ResetTimer()
	for i := 0; i < b.N; {
		b.StopTimer()
		unix.Write(w, chunk) // refill; blocking write of 256 KiB
		b.StartTimer()
		for k := 0; k < 256 && i < b.N; k++ {
			if read(r, buf) <= 0 {
				break
			}
			i++
		}
	}
	b.StopTimer()
	for read(r, buf) > 0 {
	}
}

func BenchmarkRead1KiB(b *testing.B) {
	b.Run("unix.Read", func(b *testing.B) {
		bench(b, func(fd int, p []byte) int { n, _ := unix.Read(fd, p); return n })
	})
	b.Run("RawSyscall-read", func(b *testing.B) {
		bench(b, func(fd int, p []byte) int {
			n, _, _ := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			return int(n)
		})
	})
	b.Run("RawSyscall-recvfrom", func(b *testing.B) {
		bench(b, func(fd int, p []byte) int {
			n, _, _ := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
			return int(n)
		})
	})
}
