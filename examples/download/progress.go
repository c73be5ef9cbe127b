package main

import (
	"fmt"
	"io"
	"math"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// reporter shows the run's progress. The loop calls it; it never blocks the loop for long.
type reporter interface {
	attempt(t *transfer)                               // an attempt of t was added to the Multi
	retry(t *transfer, err error, after time.Duration) // t failed and is tried again after a pause
	end(t *transfer)                                   // t is done for good
	tick(now time.Time)                                // every period() while the run goes on
	period() time.Duration                             // 0: no ticks
	close()                                            // the run is over
}

func newReporter(d *downloader, w io.Writer) reporter {
	switch d.cfg.progress {
	case "bars":
		return newBars(d, w)
	case "lines":
		l := &lines{d: d, w: w}
		l.speed.add(d.start, 0)
		return l
	}
	return quiet{}
}

// quiet shows nothing.
type quiet struct{}

func (quiet) attempt(*transfer)                     {}
func (quiet) retry(*transfer, error, time.Duration) {}
func (quiet) end(*transfer)                         {}
func (quiet) tick(time.Time)                        {}
func (quiet) period() time.Duration                 { return 0 }
func (quiet) close()                                {}

// lines writes plain lines, for an output that is not a terminal: one for each transfer
// done or retried, and a summary every second.
type lines struct {
	d     *downloader
	w     io.Writer
	speed rate
}

func (l *lines) attempt(*transfer) {}

func (l *lines) retry(t *transfer, err error, after time.Duration) {
	fmt.Fprintf(l.w, "retry %d/%d in %s: %s: %s\n", t.tries, l.d.cfg.retries, duration(after), t.url, describe(err))
}

func (l *lines) end(t *transfer) {
	if t.err != nil {
		fmt.Fprintf(l.w, "[%d/%d] failed %s: %s\n", l.d.ended, len(l.d.all), t.url, describe(t.err))
		return
	}
	fmt.Fprintf(l.w, "[%d/%d] %d %s %s %s\n", l.d.ended, len(l.d.all), t.status, size(t.size), duration(t.took), t.url)
}

func (l *lines) tick(now time.Time) {
	d := l.d
	fmt.Fprintf(l.w, "[%d/%d] %d running, %s received, %s/s\n",
		d.ended, len(d.all), d.added, size(d.bytes), size(int64(l.speed.add(now, d.bytes))))
}

func (l *lines) period() time.Duration { return time.Second }
func (l *lines) close()                {}

// labelWidth is the width of the name column of the bars.
const labelWidth = 28

// bars draws a bar for each transfer that is receiving its body (a spinner when the
// body's length is unknown) and an overall one below them, with github.com/vbauerster/mpb. mpb renders from goroutines of its own; the loop tells the
// bars where the transfers are at every tick, which is cheaper than at every Write.
type bars struct {
	d       *downloader
	p       *mpb.Progress
	overall *mpb.Bar
	status  atomic.Pointer[string] // the overall bar's right side, read by mpb's goroutines
	running map[*transfer]*transferBar
	speed   rate
}

// transferBar is the bar of one attempt of a transfer.
type transferBar struct {
	bar *mpb.Bar  // nil until the first byte of the body
	at  time.Time // when it was last updated
}

func newBars(d *downloader, w io.Writer) *bars {
	opts := []mpb.ContainerOption{mpb.WithOutput(w), mpb.WithRefreshRate(100 * time.Millisecond)}
	if d.cfg.forceBars {
		// ForceTTY alone leaves mpb v8.16.2 in its no-render mode when w is not a
		// terminal: ask for the refresh explicitly.
		opts = append(opts, mpb.ForceTTY(), mpb.WithAutoRefresh())
	}
	b := &bars{d: d, p: mpb.New(opts...), running: map[*transfer]*transferBar{}}
	b.speed.add(d.start, 0)
	b.setStatus()
	b.overall = b.p.New(int64(len(d.all)), mpb.BarStyle(),
		mpb.BarPriority(math.MaxInt), // below the transfers' bars
		mpb.PrependDecorators(
			decor.Name("total", decor.WC{W: labelWidth, C: decor.DindentRight}),
			decor.CountersNoUnit("%d/%d done", decor.WCSyncSpace),
		),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return *b.status.Load() })),
	)
	return b
}

// setStatus updates the overall bar's text: bytes, speed, failures.
func (b *bars) setStatus() {
	d := b.d
	speed := b.speed.rate()
	if d.ended == len(d.all) { // the end: the average over the run
		speed = float64(d.bytes) / max(time.Since(d.start).Seconds(), 1e-6)
	}
	s := fmt.Sprintf("%s  %s/s", size(d.bytes), size(int64(speed)))
	if d.added > 0 {
		s += fmt.Sprintf("  %d running", d.added)
	}
	if d.failed > 0 {
		s += fmt.Sprintf("  %d failed", d.failed)
	}
	if len(d.waiting) > 0 {
		s += fmt.Sprintf("  %d to retry", len(d.waiting))
	}
	b.status.Store(&s)
}

func (b *bars) attempt(t *transfer) {
	b.running[t] = &transferBar{at: time.Now()} // the bar comes with the first byte
}

// newBar returns the bar for t's attempt, which has started receiving the body: a bar
// when the body's length is known, a spinner when it is not.
func (b *bars) newBar(t *transfer) *mpb.Bar {
	label := t.name
	if t.tries > 1 {
		label = fmt.Sprintf("%s (retry %d)", t.name, t.tries-1)
	}
	var style mpb.BarFillerBuilder = mpb.BarStyle()
	total := max(t.total, 0)
	if total == 0 {
		style = mpb.SpinnerStyle()
	}
	return b.p.New(total, style, mpb.BarRemoveOnComplete(),
		mpb.PrependDecorators(
			decor.Name(fit(label, labelWidth), decor.WC{W: labelWidth, C: decor.DindentRight}),
			decor.Any(func(s decor.Statistics) string {
				if s.Total > 0 {
					return size(s.Current) + " / " + size(s.Total)
				}
				return size(s.Current)
			}, decor.WCSyncSpace),
		),
		mpb.AppendDecorators(
			decor.Any(func(s decor.Statistics) string {
				if s.Total > 0 {
					return fmt.Sprintf("%3d%%", s.Current*100/s.Total)
				}
				return ""
			}, decor.WCSyncSpace),
			decor.EwmaSpeed(decor.SizeB1024(0), "% .1f", 20, decor.WCSyncSpace),
		),
	)
}

func (b *bars) retry(t *transfer, err error, after time.Duration) {
	if tb := b.running[t]; tb != nil {
		if tb.bar != nil {
			tb.bar.Abort(true)
		}
		delete(b.running, t)
	}
	fmt.Fprintf(b.p, "retry %d/%d in %s: %s: %s\n", t.tries, b.d.cfg.retries, duration(after), t.url, describe(err))
	b.setStatus()
}

func (b *bars) end(t *transfer) {
	if tb := b.running[t]; tb != nil && tb.bar != nil {
		if t.err == nil {
			tb.bar.SetCurrent(t.size)
			tb.bar.SetTotal(-1, true) // complete: the bar goes away
		} else {
			tb.bar.Abort(true)
		}
	}
	delete(b.running, t)
	if t.err != nil {
		fmt.Fprintf(b.p, "failed %s: %s\n", t.url, describe(t.err))
	}
	b.setStatus()
	b.overall.SetCurrent(int64(b.d.ended)) // the last one completes the overall bar
}

func (b *bars) tick(now time.Time) {
	for t, tb := range b.running {
		if tb.bar == nil {
			if t.got == 0 {
				continue // still connecting, or waiting for a connection
			}
			tb.bar = b.newBar(t)
		}
		tb.bar.EwmaSetCurrent(t.got, now.Sub(tb.at))
		tb.at = now
	}
	b.speed.add(now, b.d.bytes)
	b.setStatus()
}

func (b *bars) period() time.Duration { return 100 * time.Millisecond }

// close waits for mpb to draw the bars' last state. After an interrupt the bars left are
// dropped and the overall one stops where it is.
func (b *bars) close() {
	for t, tb := range b.running {
		if tb.bar != nil {
			tb.bar.Abort(true)
		}
		delete(b.running, t)
	}
	if !b.overall.Completed() {
		b.overall.Abort(false)
	}
	b.p.Wait()
}

// fit shortens s to at most n runes, keeping its end, which tells files apart best.
func fit(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}

// rate measures a speed over the last rateWindow from samples of a growing count.
type rate struct {
	samples []sample
}

type sample struct {
	at time.Time
	n  int64
}

const rateWindow = 2 * time.Second

// add records that the count is n at time at, and returns the speed in units a second.
func (r *rate) add(at time.Time, n int64) float64 {
	r.samples = append(r.samples, sample{at, n})
	i := 0
	for i+1 < len(r.samples) && at.Sub(r.samples[i+1].at) >= rateWindow {
		i++
	}
	r.samples = append(r.samples[:0], r.samples[i:]...)
	return r.rate()
}

// rate returns the speed measured by the samples so far.
func (r *rate) rate() float64 {
	if len(r.samples) < 2 {
		return 0
	}
	first, last := r.samples[0], r.samples[len(r.samples)-1]
	dt := last.at.Sub(first.at)
	if dt <= 0 {
		return 0
	}
	return float64(last.n-first.n) / dt.Seconds()
}
