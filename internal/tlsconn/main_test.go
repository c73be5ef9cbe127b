//go:build linux

package tlsconn

import (
	"bytes"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

func TestMain(m *testing.M) {
	if testutil.ChildMode(helperEnv) != "" {
		runHelperServer()
		os.Exit(0)
	}
	testutil.StartNetpoller()
	os.Exit(m.Run())
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
