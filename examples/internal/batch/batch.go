// Package batch holds what the example programs do around their event loops: the command
// line they share and the run around the loop (command.go), splitting the input into URLs
// (input.go), making a transfer for each, saving or discarding its body under a name of its
// own (names.go), printing one result line when it ends, and tracing the callbacks
// (trace.go). The loops themselves, which are what the examples show, stay in the programs.
package batch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/examples/internal/demo"
)

// Job is one run of an example program: it makes the transfers and reports on them. Flags
// returns the Job that the command line asks for.
type Job struct {
	Name    string        // the program's, which starts its messages
	Dir     string        // where to save bodies; "": discard them
	Timeout time.Duration // for each transfer; 0: none
	Demo    bool          // download the demo server's URLs
	Out     io.Writer     // where result lines go

	srv    *demo.Server // the demo server, once Setup started it
	start  time.Time
	names  Names // file names given out in Dir
	n      int   // transfers reported
	failed int
	bytes  int64
}

// fileSink saves one transfer's body. The file is created by the first write, or at the
// end of a successful transfer with an empty body, so a run with many transfers waiting
// holds no file open for them.
type fileSink struct {
	path string
	f    *os.File
	err  error
}

func (s *fileSink) write(p []byte) (int, error) {
	if s.f == nil {
		if s.err = s.open(); s.err != nil {
			return 0, s.err
		}
	}
	return s.f.Write(p)
}

func (s *fileSink) open() error {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	s.f = f
	return nil
}

// finish closes the file, creating it first when a successful transfer wrote nothing.
func (s *fileSink) finish(ok bool) error {
	if s.f == nil && ok && s.err == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// NewEasy returns the transfer for rawURL: its body goes to a file in Dir or is discarded,
// and it is limited to Timeout.
func (j *Job) NewEasy(rawURL string) *xfer.Easy {
	if j.start.IsZero() {
		j.start = time.Now()
	}
	e := xfer.NewEasy(rawURL)
	e.Timeout = j.Timeout
	if j.Dir != "" {
		s := &fileSink{path: filepath.Join(j.Dir, j.names.For(rawURL))}
		e.Write = s.write
		e.Private = s
	}
	return e
}

// Done reports e, which ended with err (nil, an *xfer.Error, or the error Add returned):
// it closes the saved body and prints the result line
//
//	<status-or-error> <bytes> <seconds> <url>
//
// for example "200 5000 0.003s http://127.0.0.1:8080/a.bin" or
// "error: xfer: could not connect to server: ... 0 0.001s http://127.0.0.1:9/".
func (j *Job) Done(e *xfer.Easy, err error) {
	if s, ok := e.Private.(*fileSink); ok {
		if cerr := s.finish(err == nil); cerr != nil && err == nil {
			err = cerr
		}
	}
	info := e.Info()
	j.n++
	j.bytes += info.Downloaded
	status := strconv.Itoa(info.Status)
	if err != nil {
		j.failed++
		status = "error: " + Describe(err)
	}
	fmt.Fprintf(j.Out, "%s %d %.3fs %s\n", status, info.Downloaded, info.Total.Seconds(), e.URL)
}

// Describe is err's text without the URL, which ends the result line anyway: for an
// *xfer.Error, its code's text and its cause's.
func Describe(err error) string {
	var xe *xfer.Error
	if !errors.As(err, &xe) {
		return err.Error()
	}
	if xe.Err == nil {
		return xe.Code.Error()
	}
	return xe.Code.Error() + ": " + xe.Err.Error()
}

// summary writes one line about the whole run to w.
func (j *Job) summary(w io.Writer) {
	elapsed := time.Duration(0)
	if !j.start.IsZero() {
		elapsed = time.Since(j.start)
	}
	fmt.Fprintf(w, "%s: %d transfers, %d failed, %d bytes in %.3fs\n",
		j.Name, j.n, j.failed, j.bytes, elapsed.Seconds())
}
