//go:build linux

package http2

import (
	"os"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

func TestMain(m *testing.M) {
	testutil.StartNetpoller()
	os.Exit(m.Run())
}
