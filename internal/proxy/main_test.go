//go:build linux

package proxy

import (
	"net"
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Start the runtime's network poller before any test counts its fds: its
	// epoll fd and wake-up fd stay open for the life of the process.
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
	}
	os.Exit(m.Run())
}

// checkLeaks makes t fail if, when it and all its cleanups registered later
// have run, a goroutine started during it is still running or an fd opened
// during it is still open. Call it first in every test that opens sockets
// or starts processes.
func checkLeaks(t testing.TB) {
	t.Helper()
	fds := countFDs(t)
	t.Cleanup(func() {
		goleak.VerifyNone(t)
		if n := countFDs(t); n != fds {
			t.Errorf("%d fds open after the test, %d before: %s", n, fds, fdList())
		}
	})
}

// fdList describes the open fds.
func fdList() string {
	ents, _ := os.ReadDir("/proc/self/fd")
	s := ""
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		s += e.Name() + "=" + target + " "
	}
	return s
}

func countFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("reading /proc/self/fd: %v", err)
	}
	return len(ents)
}
