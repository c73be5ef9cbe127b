//go:build linux

package xfer

import (
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// TestWaitWithNothingToWaitFor checks that Wait returns at once when the Multi has no socket
// waiting for anything and no extra fd is given (curl_multi_wait), while Poll sleeps until
// Wakeup (curl_multi_poll).
func TestWaitWithNothingToWaitFor(t *testing.T) {
	testutil.CheckLeaks(t)
	srv := newServer(t)
	m, err := NewMulti(MultiOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	const long = 5 * time.Second
	waitReturns := func(what string) {
		t.Helper()
		start := time.Now()
		if n, err := m.Wait(long, nil); err != nil || n != 0 {
			t.Fatalf("%s: Wait = %d, %v", what, n, err)
		}
		if el := time.Since(start); el >= long/2 {
			t.Fatalf("%s: Wait with nothing to wait for took %v", what, el)
		}
	}
	waitReturns("an empty Multi")

	// A transfer whose socket is withdrawn because it is paused: nothing to wait for either.
	e := NewEasy(srv.URL + "/stall")
	paused := false
	e.HeaderLine = func(line []byte) error {
		if string(line) == "\r\n" {
			e.Pause(PauseRecv)
			paused = true
		}
		return nil
	}
	if err := m.Add(e); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(10 * time.Second); !paused; {
		if time.Now().After(end) {
			t.Fatal("the transfer never paused")
		}
		if _, err := m.Perform(); err != nil {
			t.Fatal(err)
		}
		if !paused {
			m.Poll(100*time.Millisecond, nil)
		}
	}
	if _, err := m.Perform(); err != nil {
		t.Fatal(err)
	}
	waitReturns("a paused transfer")
	if err := m.Remove(e); err != nil {
		t.Fatal(err)
	}

	// Poll waits for Wakeup even with nothing to watch.
	woke := make(chan struct{})
	start := time.Now()
	go func() {
		time.Sleep(50 * time.Millisecond)
		m.Wakeup()
		close(woke)
	}()
	if _, err := m.Poll(time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	<-woke
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Fatalf("Poll with nothing to watch returned after %v, before Wakeup", el)
	}
}
