//go:build !linux

package xferhttp

import (
	"time"

	"github.com/xfer-go/xfer"
)

// driver is nothing of its own elsewhere: the loop waits in Multi.Poll, which Wakeup ends.
type driver struct{}

func (d *driver) init(*loop, *xfer.MultiOptions) error { return nil }

// wake ends the loop's Poll. The caller holds the loop's mu.
func (d *driver) wake(l *loop) {
	if l.m != nil {
		l.m.Wakeup()
	}
}

func (d *driver) close() {}

// run is the loop's goroutine: do the ops, run the transfers, collect what finished, wait.
func (l *loop) run() {
	for {
		if l.drain() {
			l.shutdown()
			return
		}
		l.m.Perform()
		l.collect()
		l.m.Poll(time.Minute, nil)
	}
}
