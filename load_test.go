//go:build linux

package xfer

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"runtime"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
	"golang.org/x/sys/unix"
)

// transferSet is a set of transfers with known bodies: sizes from 0 B to 1 MiB, all three
// reply framings, each body checked by SHA-256.
type transferSet struct {
	es   []*Easy
	want map[*Easy][32]byte
	got  map[*Easy]hash.Hash
	errs map[*Easy]error
}

func newTransferSet(base string, n int) *transferSet {
	s := &transferSet{want: map[*Easy][32]byte{}, got: map[*Easy]hash.Hash{}, errs: map[*Easy]error{}}
	framings := []string{"cl", "chunked", "close"}
	for i := 0; i < n; i++ {
		size := (i * 7919) % 70000
		switch {
		case i%100 == 0:
			size = 0
		case i%50 == 1:
			size = 1 << 20
		}
		e := NewEasy(fmt.Sprintf("%s/body?size=%d&seed=%d&framing=%s", base, size, i, framings[i%3]))
		h := sha256.New()
		e.Write = func(p []byte) (int, error) { return h.Write(p) }
		s.es = append(s.es, e)
		s.want[e] = sum(bodyFor(size, i))
		s.got[e] = h
	}
	return s
}

// finished records a message.
func (s *transferSet) finished(t testing.TB, msg *Message) {
	if _, dup := s.errs[msg.Easy]; dup {
		t.Errorf("second message for %s", msg.Easy.URL)
	}
	s.errs[msg.Easy] = msg.Err
}

// check verifies every transfer finished once, without error, with the right body.
func (s *transferSet) check(t testing.TB) {
	t.Helper()
	if len(s.errs) != len(s.es) {
		t.Fatalf("%d of %d transfers finished", len(s.errs), len(s.es))
	}
	bad := 0
	for _, e := range s.es {
		var got [32]byte
		s.got[e].Sum(got[:0])
		if err := s.errs[e]; err != nil || got != s.want[e] {
			if bad++; bad < 5 {
				t.Errorf("%s: err %v, body matches: %v", e.URL, err, got == s.want[e])
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d transfers failed", bad)
	}
}

func TestThousandTransfersEpoll(t *testing.T) {
	testutil.CheckLeaks(t)
	base := newChildServer(t)
	set := newTransferSet(base, 1000)
	l := newEpollLoop(t, MultiOptions{})
	l.onDone = func(e *Easy, err error) {
		set.finished(t, &Message{Easy: e, Err: err})
		l.m.Remove(e)
	}
	g0 := runtime.NumGoroutine()
	for _, e := range set.es {
		if err := l.m.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Now().Add(60 * time.Second)
	gmax := g0
	for l.ndone < len(set.es) && time.Now().Before(end) {
		l.step(100 * time.Millisecond)
		gmax = max(gmax, runtime.NumGoroutine())
	}
	set.check(t)
	if gmax != g0 {
		t.Fatalf("goroutines went from %d to %d while the transfers ran", g0, gmax)
	}
	if l.maxWatch < 500 {
		t.Fatalf("at most %d sockets watched at once: the transfers did not run concurrently", l.maxWatch)
	}
}

func TestThousandTransfersSelect(t *testing.T) {
	testutil.CheckLeaks(t)
	base := newChildServer(t)
	set := newTransferSet(base, 1000)
	m, err := NewMulti(MultiOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// select(2) takes fds below 1024 only: keep at most 500 transfers in flight.
	const window = 500
	next, done := 0, 0
	end := time.Now().Add(60 * time.Second)
	for done < len(set.es) && time.Now().Before(end) {
		for ; next < len(set.es) && next-done < window; next++ {
			if err := m.Add(set.es[next]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := m.Perform(); err != nil {
			t.Fatal(err)
		}
		for msg, _ := m.InfoRead(); msg != nil; msg, _ = m.InfoRead() {
			set.finished(t, msg)
			m.Remove(msg.Easy)
			done++
		}
		var rs, ws unix.FdSet
		maxfd, err := m.Fdset(&rs, &ws, nil)
		if err != nil {
			t.Fatal(err)
		}
		wait := m.Timeout()
		if wait < 0 || wait > 100*time.Millisecond {
			wait = 100 * time.Millisecond
		}
		tv := unix.NsecToTimeval(int64(wait))
		if maxfd < 0 {
			time.Sleep(wait)
			continue
		}
		if _, err := unix.Select(maxfd+1, &rs, &ws, nil, &tv); err != nil && err != unix.EINTR {
			t.Fatal(err)
		}
	}
	set.check(t)
}

func TestThousandTransfersWait(t *testing.T) {
	testutil.CheckLeaks(t)
	base := newChildServer(t)
	set := newTransferSet(base, 1000)
	m, err := NewMulti(MultiOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, e := range set.es {
		m.Add(e)
	}
	end := time.Now().Add(60 * time.Second)
	for done := 0; done < len(set.es) && time.Now().Before(end); {
		if _, err := m.Perform(); err != nil {
			t.Fatal(err)
		}
		for msg, _ := m.InfoRead(); msg != nil; msg, _ = m.InfoRead() {
			set.finished(t, msg)
			m.Remove(msg.Easy)
			done++
		}
		if done == len(set.es) {
			break
		}
		if _, err := m.Wait(time.Second, nil); err != nil {
			t.Fatal(err)
		}
	}
	set.check(t)
}

func TestPollWakeup(t *testing.T) {
	testutil.CheckLeaks(t)
	m, err := NewMulti(MultiOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// Nothing to watch: Poll sleeps for its timeout.
	start := time.Now()
	if n, err := m.Poll(50*time.Millisecond, nil); err != nil || n != 0 {
		t.Fatalf("Poll = %d, %v", n, err)
	}
	if el := time.Since(start); el < 45*time.Millisecond {
		t.Fatalf("Poll returned after %v, before its timeout", el)
	}
	// Several wakeups wake one Poll only.
	m.Wakeup()
	m.Wakeup()
	start = time.Now()
	m.Poll(10*time.Second, nil)
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("Poll after Wakeup took %v", el)
	}
	start = time.Now()
	m.Poll(50*time.Millisecond, nil)
	if el := time.Since(start); el < 45*time.Millisecond {
		t.Fatalf("second Poll returned after %v: an old wakeup leaked into it", el)
	}
	// Wakeup from another goroutine ends a Poll in progress.
	go func() { time.Sleep(20 * time.Millisecond); m.Wakeup() }()
	start = time.Now()
	m.Poll(10*time.Second, nil)
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("Poll was not woken: %v", el)
	}
	// Extra fds are watched and reported.
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	unix.Write(p[1], []byte("x"))
	extra := []WaitFd{{Fd: p[0], Events: unix.POLLIN}}
	if n, err := m.Wait(time.Second, extra); err != nil || n != 1 || extra[0].Revents&unix.POLLIN == 0 {
		t.Fatalf("Wait with a ready extra fd = %d, %v, %+v", n, err, extra)
	}
}
