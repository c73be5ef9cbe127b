package decode

import (
	"testing"

	"go.uber.org/goleak"
)

// checkLeaks makes t fail if a goroutine (a suspended coroutine included)
// started during it is still there when it and its later cleanups have run.
// Call it first in every test.
func checkLeaks(t testing.TB) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
}
