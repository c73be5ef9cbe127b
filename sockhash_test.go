//go:build linux

package xfer

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// TestPauseInsideSocketCallback pauses and unpauses transfers from inside SocketFunc: the
// transfer that owns the fd being announced, or another one. Every change of interest is
// still announced once, at the end of the API call: the loop never hears the same (fd, what)
// twice in a row (epollLoop.socket checks that), and after every call what it watches is
// what the library wants.
func TestPauseInsideSocketCallback(t *testing.T) {
	dirs := map[string]PauseDir{"PauseRecv": PauseRecv, "PauseSend": PauseSend, "PauseAll": PauseAll}
	for name, dir := range dirs {
		for _, whose := range []string{"owner", "other"} {
			t.Run(name+"/"+whose, func(t *testing.T) {
				testPauseInsideSocketCallback(t, dir, whose == "owner")
			})
		}
	}
}

func testPauseInsideSocketCallback(t *testing.T, dir PauseDir, owner bool) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	l := newEpollLoop(t, MultiOptions{})
	const size = 300 << 10
	var easies []*Easy
	got := map[*Easy]*bytes.Buffer{}
	for i := range 6 {
		var e *Easy
		if i%2 == 0 {
			e = NewEasy(fmt.Sprintf("%s/body?size=%d&seed=%d", srv.URL, size, i))
		} else {
			e = NewEasy(srv.URL + "/echo")
			e.Body = bytes.NewReader(bodyFor(size, i))
		}
		e.BufferSize = 4096 // many reads, many announcements
		buf := new(bytes.Buffer)
		got[e] = buf
		e.Write = buf.Write
		easies = append(easies, e)
	}
	paused := map[*Easy]bool{}
	toggle := func(e *Easy) {
		if paused[e] {
			paused[e] = false
			if err := e.Pause(PauseCont); err != nil {
				t.Errorf("Pause(PauseCont) in the socket callback: %v", err)
			}
			return
		}
		paused[e] = true
		if err := e.Pause(dir); err != nil {
			t.Errorf("Pause(%v) in the socket callback: %v", dir, err)
		}
	}
	toggles, calls := 0, 0
	const maxToggles = 400
	l.onSocket = func(fd int, what Poll, _ any) error {
		calls++
		if what == PollRemove || toggles >= maxToggles {
			return nil
		}
		ent := l.m.socks.get(fd)
		if ent == nil || ent.conn == nil || ent.conn.t == nil {
			return nil
		}
		e := ent.conn.t.e
		if !owner {
			e = easies[(toggles+int(e.idx)+1)%len(easies)]
			if e == ent.conn.t.e {
				e = easies[(int(e.idx)+1)%len(easies)]
			}
		}
		toggles++
		toggle(e)
		return nil
	}
	for _, e := range easies {
		if err := l.m.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	for end := time.Now().Add(30 * time.Second); l.ndone < len(easies); {
		if time.Now().After(end) {
			t.Fatalf("%d of %d transfers finished", l.ndone, len(easies))
		}
		before := calls
		l.step(20 * time.Millisecond)
		checkAnnounced(t, l)
		if calls == before || toggles >= maxToggles {
			// Nothing was announced (everything may be paused), or the test has paused
			// enough: unpause from outside the callbacks.
			for _, e := range easies {
				if paused[e] {
					paused[e] = false
					if err := e.Pause(PauseCont); err != nil {
						t.Fatal(err)
					}
					checkAnnounced(t, l)
					break
				}
			}
		}
	}
	if toggles == 0 {
		t.Fatal("no Pause was made inside the socket callback")
	}
	for i, e := range easies {
		if err := l.done[e]; err != nil {
			t.Fatalf("transfer %d: %v", i, err)
		}
		if !bytes.Equal(got[e].Bytes(), bodyFor(size, i)) {
			t.Fatalf("transfer %d: body of %d bytes differs", i, got[e].Len())
		}
		if e.Status() != http.StatusOK {
			t.Fatalf("transfer %d: status %d", i, e.Status())
		}
	}
}

// checkAnnounced fails t unless the loop watches each fd for exactly what the library wants.
func checkAnnounced(t *testing.T, l *epollLoop) {
	t.Helper()
	var bad []string
	l.m.socks.each(func(ent *sockEntry) {
		w, ok := l.watched[ent.fd]
		switch {
		case ent.want == 0 && ok:
			bad = append(bad, fmt.Sprintf("fd %d: watched for %v, wanted for nothing", ent.fd, w))
		case ent.want != 0 && w != ent.want:
			bad = append(bad, fmt.Sprintf("fd %d: watched for %v, wanted for %v", ent.fd, w, ent.want))
		}
	})
	for fd := range l.watched {
		if l.m.socks.get(fd) == nil {
			bad = append(bad, fmt.Sprintf("fd %d: watched, unknown to the library", fd))
		}
	}
	if len(bad) > 0 {
		t.Fatalf("the loop and the library disagree:\n%s", strings.Join(bad, "\n"))
	}
}
