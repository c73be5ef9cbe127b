// Fdset downloads URLs with the loop programs used before libcurl had its socket API:
// Perform, Fdset and select(2). It is the epoll example's program with the older loop:
//
//	for {
//		m.Perform()            // run what can run
//		m.InfoRead()           // report and remove the finished transfers
//		m.Fdset(&rd, &wr, &ex) // which sockets to wait for
//		m.Timeout()            // for how long at most (-1: none pending; use 100 ms)
//		unix.Select(...)       // wait
//	}
//
// No callback is needed; the cost is that every pass hands every socket to select and
// Perform looks at every transfer, which the socket API (see ../epoll) avoids.
//
// An fd_set holds fds below FD_SETSIZE (1024) only. Multi.Fdset leaves out the sockets
// numbered 1024 and above, and select could never report them. So this program keeps at
// most -parallel transfers (default 100, at most 256) at once and as many idle connections,
// and it lowers its own soft limit on open files to FD_SETSIZE (Go raises it at
// start-up): a socket that would get a number select cannot watch fails to open instead,
// and its transfer ends with an error rather than stalling unseen. A program that needs
// more sockets uses the socket API, or Multi.Wait or Multi.Poll, which have no such limit.
//
// Usage:
//
//	fdset [-o DIR] [-timeout D] [-parallel N] [URL...]
//	fdset -demo
//
// URLs come from the arguments or, when there are none, from standard input, one a line
// (blank lines and lines starting with # are skipped); standard input is read through the
// same select. Each finished transfer prints
//
//	<status-or-error> <bytes> <seconds> <url>
//
// The program ends when the input is done and no transfer runs; its exit status is 1 if any
// transfer failed. With -demo it downloads 30 bodies from a local server on 127.0.0.1.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/examples/internal/batch"
	"golang.org/x/sys/unix"
)

// fdSetSize is FD_SETSIZE, the number of fds an fd_set holds (0 to 1023), on Linux, macOS
// and the BSDs alike.
const fdSetSize = 1024

func main() {
	job := batch.Flags("fdset") // -o DIR, -timeout D
	parallel := flag.Int("parallel", 100, "run at most `N` transfers at once")
	flag.BoolVar(&job.Demo, "demo", false, "download from a local demo server instead")
	flag.Parse()
	if *parallel < 1 || *parallel > fdSetSize/4 {
		fmt.Fprintf(os.Stderr, "fdset: -parallel must be between 1 and %d\n", fdSetSize/4)
		os.Exit(2)
	}
	job.Exit(run(job, *parallel))
}

// run downloads the URLs of the arguments, standard input or the demo server.
func run(job *batch.Job, parallel int) error {
	if err := limitFds(); err != nil {
		return err
	}
	demoURLs, err := job.Setup()
	if err != nil {
		return err
	}
	m, err := xfer.NewMulti(xfer.MultiOptions{MaxConnects: parallel})
	if err != nil {
		return err
	}
	defer m.Close()
	l := &loop{m: m, job: job, parallel: parallel, in: -1, input: batch.Input{Name: job.Name}}
	switch {
	case job.Demo:
		l.queue = demoURLs
	case flag.NArg() > 0:
		l.queue = flag.Args()
	default:
		l.in = unix.Stdin
	}
	if err := l.run(); err != nil {
		return err
	}
	return m.Close()
}

// limitFds lowers the soft limit on open files to FD_SETSIZE, so that no fd this process
// opens is one select cannot watch.
func limitFds() error {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur <= fdSetSize {
		return nil
	}
	lim.Cur = fdSetSize
	return unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
}

// loop is the application's loop: Perform, InfoRead, Fdset, select.
type loop struct {
	m        *xfer.Multi
	job      *batch.Job
	parallel int
	queue    []string // URLs read and not started yet
	running  int      // transfers added and not yet removed
	in       int      // the fd URLs are read from; -1 when it is done
	input    batch.Input
}

func (l *loop) run() error {
	for {
		l.start()
		if _, err := l.m.Perform(); err != nil {
			return err
		}
		if l.collect() && len(l.queue) > 0 {
			continue // slots were freed: fill them before waiting
		}
		if l.in < 0 && len(l.queue) == 0 && l.running == 0 {
			return nil
		}

		var rd, wr, ex unix.FdSet
		maxfd, err := l.m.Fdset(&rd, &wr, &ex)
		if err != nil {
			return err
		}
		if l.in >= 0 {
			rd.Set(l.in)
			maxfd = max(maxfd, l.in)
		}
		wait := l.m.Timeout()
		if wait < 0 {
			wait = 100 * time.Millisecond // nothing pending: look again soon
		}
		tv := unix.NsecToTimeval(int64(wait))
		// With maxfd -1 (no socket to watch yet) this just sleeps for the timeout.
		if _, err := unix.Select(maxfd+1, &rd, &wr, &ex, &tv); err != nil && err != unix.EINTR {
			return err
		}
		if l.in >= 0 && rd.IsSet(l.in) {
			l.readInput()
		}
	}
}

// start adds queued URLs while fewer than parallel transfers run.
func (l *loop) start() {
	for l.running < l.parallel && len(l.queue) > 0 {
		url := l.queue[0]
		l.queue = l.queue[1:]
		e := l.job.NewEasy(url)
		if err := l.m.Add(e); err != nil {
			l.job.Done(e, err)
			continue
		}
		l.running++
	}
}

// collect reports and removes every finished transfer. It returns whether there was any.
func (l *loop) collect() bool {
	found := false
	for {
		msg, _ := l.m.InfoRead()
		if msg == nil {
			return found
		}
		found = true
		l.job.Done(msg.Easy, msg.Err)
		l.m.Remove(msg.Easy)
		l.running--
	}
}

// readInput reads what standard input has, which select said is readable, and stops
// watching it when it has ended.
func (l *loop) readInput() {
	if !l.input.Read(l.in, l.enqueue) {
		l.in = -1
	}
}

func (l *loop) enqueue(url string) { l.queue = append(l.queue, url) }
