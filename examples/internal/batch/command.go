package batch

import (
	"flag"
	"fmt"
	"os"

	"github.com/xfer-go/xfer/examples/internal/demo"
)

// Flags defines -o and -timeout, the flags every example program takes, on the default
// flag set, and returns the Job of the program name that they fill in once flag.Parse has
// run. Its result lines go to standard output.
func Flags(name string) *Job {
	j := &Job{Name: name, Out: os.Stdout}
	flag.StringVar(&j.Dir, "o", "", "save bodies into `DIR` (default: discard them)")
	flag.DurationVar(&j.Timeout, "timeout", 0, "limit each transfer to `D` (default: no limit)")
	return j
}

// Setup prepares the run: it makes the directory Dir and, with Demo, starts the demo
// server on 127.0.0.1, whose URLs it returns (nil without Demo). Exit stops the server.
func (j *Job) Setup() (demoURLs []string, err error) {
	if j.Dir != "" {
		if err := os.MkdirAll(j.Dir, 0o755); err != nil {
			return nil, err
		}
	}
	if !j.Demo {
		return nil, nil
	}
	if j.srv, err = demo.Start(); err != nil {
		return nil, err
	}
	return j.srv.URLs(), nil
}

// Exit ends the program after its run, which returned err: it stops the demo server, then
// writes err or, when there is none, the summary of the run on standard error. The exit
// status is 1 after an error or when a transfer failed, 0 otherwise. Exit does not return.
func (j *Job) Exit(err error) {
	if j.srv != nil {
		j.srv.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, j.Name+":", err)
		os.Exit(1)
	}
	j.summary(os.Stderr)
	if j.failed > 0 {
		os.Exit(1)
	}
	os.Exit(0)
}

// Loop is the event loop of a program that reads its URLs from standard input, as Main
// drives it: the epoll and kqueue examples' loops.
type Loop interface {
	// Add starts a transfer for url.
	Add(url string)
	// WatchInput has the loop read standard input as more of it comes, or reads it whole
	// now when the loop cannot watch it.
	WatchInput() error
	// Run runs the loop until the input is done and no transfer runs.
	Run() error
	// Close closes the loop and its Multi. Calls after the first do nothing.
	Close() error
}

// Main is the main function of the programs that read their URLs from standard input
// through an event loop of their own, epoll and kqueue. It parses their command line,
//
//	NAME [-o DIR] [-timeout D] [-v] < urls.txt
//	NAME -demo
//
// makes the loop with newLoop, hands it the demo server's URLs or standard input, runs it
// and closes it, and exits as Exit does. -v makes the Trace that newLoop gets trace.
func Main(name string, newLoop func(job *Job, trace Trace) (Loop, error)) {
	job := Flags(name)
	verbose := flag.Bool("v", false, "trace the socket and timer callbacks on standard error")
	flag.BoolVar(&job.Demo, "demo", false, "download from a local demo server instead of reading standard input")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, name+": URLs are read from standard input")
		os.Exit(2)
	}
	job.Exit(job.run(newLoop, Trace(*verbose)))
}

// run downloads the URLs of standard input, or the demo server's, with the loop that
// newLoop makes.
func (j *Job) run(newLoop func(*Job, Trace) (Loop, error), trace Trace) error {
	demoURLs, err := j.Setup()
	if err != nil {
		return err
	}
	l, err := newLoop(j, trace)
	if err != nil {
		return err
	}
	defer l.Close()
	if j.Demo {
		for _, u := range demoURLs {
			l.Add(u) // as if read from standard input
		}
	} else if err := l.WatchInput(); err != nil {
		return err
	}
	if err := l.Run(); err != nil {
		return err
	}
	return l.Close()
}
