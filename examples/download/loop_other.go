//go:build !linux

package main

import (
	"time"

	"github.com/xfer-go/xfer"
)

// pollDriver drives the Multi where there is no epoll: Multi.Poll waits (on poll(2)) for
// the Multi's sockets and its next expiry, and Perform runs what became ready. Poll rather
// than Wait, because Poll also returns on Wakeup, and sleeps for its timeout even when no
// socket is open (all transfers waiting to be retried).
type pollDriver struct {
	m *xfer.Multi
}

// newDriver returns a Multi made with opts, and its driver.
func newDriver(opts xfer.MultiOptions) (*xfer.Multi, driver, error) {
	m, err := xfer.NewMulti(opts)
	if err != nil {
		return nil, nil, err
	}
	return m, &pollDriver{m: m}, nil
}

func (l *pollDriver) wait(timeout time.Duration) error {
	if _, err := l.m.Poll(timeout, nil); err != nil {
		return err
	}
	_, err := l.m.Perform()
	return err
}

func (l *pollDriver) wake() { l.m.Wakeup() }

func (l *pollDriver) close() error { return l.m.Close() }
