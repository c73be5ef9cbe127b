//go:build linux

package xfer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// TestMalformedURLs checks the code each kind of bad URL ends with, and that the curl tool
// exits with the same number for it (when curl is installed).
func TestMalformedURLs(t *testing.T) {
	testutil.CheckLeaks(t)
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

func TestWithPort(t *testing.T) {
	ips := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, a := range s {
			out = append(out, netip.MustParseAddr(a))
		}
		return out
	}
	cases := []struct {
		in   []netip.Addr
		want string
	}{
		{nil, ""},
		{ips("10.0.0.1"), "10.0.0.1:80"},
		{ips("::1"), "[::1]:80"},
		{ips("10.0.0.1", "10.0.0.2", "::1", "::2", "::3"), "[::1]:80 10.0.0.1:80 [::2]:80 10.0.0.2:80 [::3]:80"},
		{ips("10.0.0.1", "::ffff:10.0.0.9", "fe80::1"), "[fe80::1]:80 10.0.0.1:80 [::ffff:10.0.0.9]:80"},
	}
	for _, c := range cases {
		var got []string
		for _, a := range withPort(c.in, 80) {
			got = append(got, a.String())
		}
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("withPort(%v) = %q, want %q", c.in, s, c.want)
		}
	}
}

func TestBodySize(t *testing.T) {
	cases := []struct {
		e    Easy
		want int64
	}{
		{Easy{Body: strings.NewReader("abc")}, 3},
		{Easy{Body: bytes.NewReader(make([]byte, 10))}, 10},
		{Easy{Body: bytes.NewBufferString("hello")}, 5},
		{Easy{Body: strings.NewReader("abc"), BodySize: 7}, 7},
		{Easy{Body: io.MultiReader(strings.NewReader("abc"))}, -1},
		{Easy{Body: io.MultiReader(strings.NewReader("abc")), BodySize: 3}, 3},
		{Easy{Body: strings.NewReader("")}, 0},
	}
	for i, c := range cases {
		if got := bodySize(&c.e); got != c.want {
			t.Errorf("case %d: bodySize = %d, want %d", i, got, c.want)
		}
	}
}
