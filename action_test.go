//go:build linux

package xfer

import (
	"strings"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// TestStateTrace follows the states transfers go through, as setState sees them.
func TestStateTrace(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	tlsSrv, cfg := newTLSServer(t)
	l := newEpollLoop(t, MultiOptions{MaxTotalConnections: 1})
	traces := map[*Easy][]string{}
	l.m.traceState = func(e *Easy, from, to state) {
		if len(traces[e]) == 0 {
			traces[e] = append(traces[e], from.String())
		}
		traces[e] = append(traces[e], to.String())
	}
	check := func(e *Easy, want string) {
		t.Helper()
		if got := strings.Join(traces[e], " "); got != want {
			t.Errorf("%s: states %q, want %q", e.URL, got, want)
		}
	}
	first := NewEasy(srv.URL + "/body?size=10")
	l.m.Add(first)
	l.run(1, 5*time.Second)
	check(first, "init connect connecting send recv done")

	reuse := NewEasy(srv.URL + "/body?size=10")
	l.m.Add(reuse)
	l.run(2, 5*time.Second)
	check(reuse, "init connect send recv done")

	// Over MaxTotalConnections the TLS transfer waits for the slot the first one holds.
	stall := NewEasy(srv.URL + "/stall")
	stall.Timeout = 300 * time.Millisecond
	secure := NewEasy(tlsSrv.URL + "/body?size=10")
	secure.TLSConfig = cfg
	l.m.Add(stall)
	l.m.Add(secure)
	l.run(4, 5*time.Second)
	check(stall, "init connect send recv done")
	check(secure, "init connect pending connect connecting tls send recv done")

	failed := NewEasy(srv.URL + "/nope")
	failed.FailOnError = true
	l.m.Add(failed)
	l.run(5, 5*time.Second)
	// The idle TLS connection is closed to free the one slot.
	check(failed, "init connect connecting send recv done")
}
