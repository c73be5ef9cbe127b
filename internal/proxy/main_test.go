//go:build linux

package proxy

import (
	"os"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

func TestMain(m *testing.M) {
	testutil.StartNetpoller()
	os.Exit(m.Run())
}
