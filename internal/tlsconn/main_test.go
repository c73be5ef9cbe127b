//go:build linux

package tlsconn

import (
	"bytes"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		runHelperServer()
		os.Exit(0)
	}
	// Start the runtime's network poller before any test counts its fds: its
	// epoll fd and wake-up fd stay open for the life of the process.
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
	}
	os.Exit(m.Run())
}

// checkLeaks makes t fail if, when it and all its cleanups registered later
// have run, a goroutine started during it is still running or an fd opened
// during it is still open. Call it first in every test.
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

// userGoroutines counts goroutines like runtime.NumGoroutine, but leaves out
// the runtime's finalizer and cleanup goroutines, which count as user
// goroutines only while they run a finalizer or cleanup.
func userGoroutines() int {
	count := 0
	for _, g := range bytes.Split(allStacks(), []byte("\n\n")) {
		if bytes.Contains(g, []byte("runtime.runCleanups")) || bytes.Contains(g, []byte("runtime.runFinalizers")) {
			continue
		}
		count++
	}
	return count
}

// allStacks returns the stacks of all goroutines.
func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// baseGoroutines returns the goroutine count to compare with later: the
// least of a few samples, so that a goroutine about to exit is not counted.
func baseGoroutines() int {
	n := userGoroutines()
	for range 10 {
		time.Sleep(2 * time.Millisecond)
		n = min(n, userGoroutines())
	}
	return n
}

// goroutines returns want if runtime.NumGoroutine or userGoroutines reaches
// it within a second, and the last userGoroutines count otherwise.
func goroutines(want int) int {
	deadline := time.Now().Add(time.Second)
	for {
		if runtime.NumGoroutine() == want {
			return want
		}
		n := userGoroutines()
		if n == want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(time.Millisecond)
	}
}
