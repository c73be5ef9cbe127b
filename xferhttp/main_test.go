//go:build linux

package xferhttp

import (
	"os"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

func TestMain(m *testing.M) {
	if os.Getenv(benchServerEnv) != "" {
		serveBench()
		return
	}
	testutil.StartNetpoller()
	os.Exit(m.Run())
}
