// Package testutil holds what the tests of every package share: the leak checks that each
// test makes, and a server run in a child process of the test binary, so that the
// goroutines, fds and allocations a test counts are the client's alone. Only tests import
// it.
package testutil

import (
	"net"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// StartNetpoller starts the runtime's network poller, whose fds stay open for the life of
// the process, so that they are part of every test's baseline. Call it from TestMain.
func StartNetpoller() {
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
}

// CheckLeaks makes t fail if, once t and every cleanup registered after this call have
// run, a goroutine started during t still runs or an fd opened during t is still open.
// Call it first in a test. A file that the runtime closes late (a finalizer, a server's
// side of a connection) is waited for up to two seconds. A test that failed already is
// not checked.
func CheckLeaks(t testing.TB) {
	t.Helper()
	before := CountFds(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		goleak.VerifyNone(t, ignore)
		deadline := time.Now().Add(2 * time.Second)
		for {
			after := CountFds(t)
			if after <= before {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("fd leak: %d open before the test, %d after", before, after)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// CountFds counts the process's open fds.
func CountFds(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}
