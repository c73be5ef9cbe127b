//go:build linux

package xfer

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMalformedURLs checks the code each kind of bad URL ends with, and that the curl tool
// exits with the same number for it (when curl is installed).
func TestMalformedURLs(t *testing.T) {
	checkLeaks(t)
	refused := strings.TrimPrefix(closedPort(t), "http://")
	cases := []struct {
		url  string
		code Code
	}{
		{"", ErrURLMalformat},
		{"http://", ErrURLMalformat},
		{"http:///", ErrURLMalformat},
		{"http:", ErrURLMalformat},
		{"://x", ErrURLMalformat},
		{"http://exa mple/", ErrURLMalformat},
		{"http:// 127.0.0.1/", ErrURLMalformat},
		{"http://127.0.0.1/a b", ErrURLMalformat},
		{"http://127.0.0.1/a\tb", ErrURLMalformat},
		{"http://127.0.0.1:70000/", ErrURLMalformat},
		{"http://127.0.0.1:65536/", ErrURLMalformat},
		{"http://127.0.0.1:abc/", ErrURLMalformat},
		{"http://[::1/", ErrURLMalformat},
		{"nosuchscheme://127.0.0.1/", ErrUnsupportedProtocol},
		{"http://127.0.0.1:0/", ErrCouldntConnect},
		{"http://" + refused + "/", ErrCouldntConnect},
		{"HTTP://" + refused + "/", ErrCouldntConnect},
		{refused + "/", ErrCouldntConnect}, // no scheme: http is guessed
	}
	curl, _ := exec.LookPath("curl")
	for _, c := range cases {
		e := NewEasy(c.url)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := e.Perform(ctx)
		cancel()
		var xe *Error
		if !errors.As(err, &xe) || xe.Code != c.code {
			t.Errorf("%q: %v, want code %d", c.url, err, c.code)
		}
		if curl == "" {
			continue
		}
		cmd := exec.Command(curl, "-s", "-o", "/dev/null", "-m", "5", "--", c.url)
		err = cmd.Run()
		exit := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			exit = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("curl: %v", err)
		}
		if exit != int(c.code) {
			t.Errorf("%q: curl exits with %d, xfer ends with %d", c.url, exit, c.code)
		}
	}
	if curl == "" {
		t.Log("curl is not installed: its exit codes were not compared")
	}
}
