//go:build linux

package http2

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
// during it is still open. Call it first in every test that uses the
// network.
func checkLeaks(t testing.TB) {
	t.Helper()
	fds := countFDs(t)
	t.Cleanup(func() {
		goleak.VerifyNone(t)
		if n := countFDs(t); n != fds {
			t.Errorf("%d fds open after the test, %d before", n, fds)
		}
	})
}

func countFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("reading /proc/self/fd: %v", err)
	}
	return len(ents)
}
