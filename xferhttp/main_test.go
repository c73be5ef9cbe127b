//go:build linux

package xferhttp

import (
	"net"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(benchServerEnv) != "" {
		serveBench()
		return
	}
	// Start the runtime's network poller now, so its fds are part of every baseline.
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
	os.Exit(m.Run())
}

// countFds counts this process's open fds.
func countFds(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// checkLeaks makes the test fail if it leaves an fd or a goroutine behind. Call it first,
// so its check runs after every other cleanup (the Transport's Close, the servers' Close).
func checkLeaks(t testing.TB) {
	before := countFds(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		goleak.VerifyNone(t, ignore)
		var after int
		for range 100 { // servers close their side asynchronously
			if after = countFds(t); after <= before {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Errorf("fd leak: %d open before, %d after", before, after)
	})
}
