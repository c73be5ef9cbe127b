// Package batch holds what the example programs do around their event loops: splitting the
// input into URLs, making a transfer for each, saving or discarding its body, and printing
// one result line when it ends. The loops themselves, which are what the examples show,
// stay in the programs.
package batch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xfer-go/xfer"
)

// Lines splits a stream of bytes into URLs: one a line, surrounding blanks trimmed, blank
// lines and lines starting with '#' skipped. Feed it the bytes as they are read and call
// End at the end of the stream.
type Lines struct {
	partial []byte // the start of a line whose end has not been read yet
}

// Feed calls add for every complete line of p.
func (l *Lines) Feed(p []byte, add func(url string)) {
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			return
		}
		line := p[:i]
		if len(l.partial) > 0 {
			line = append(l.partial, line...)
			l.partial = l.partial[:0]
		}
		emit(line, add)
		p = p[i+1:]
	}
}

// End calls add for a last line that had no newline.
func (l *Lines) End(add func(url string)) {
	emit(l.partial, add)
	l.partial = nil
}

func emit(line []byte, add func(url string)) {
	s := strings.TrimSpace(string(line))
	if s != "" && !strings.HasPrefix(s, "#") {
		add(s)
	}
}

// Job makes the transfers of one run and reports on them.
type Job struct {
	Dir     string        // where to save bodies; "": discard them
	Timeout time.Duration // for each transfer; 0: none
	Out     io.Writer     // where result lines go

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

// Names gives out the names that bodies are saved under, unique within a run. The zero
// value is ready to use.
type Names struct {
	taken map[string]bool // names given out
}

// For returns the name the body of rawURL is saved under: the last element of the URL's
// path, or index.html, made unique within the run with a counter ("a.bin", "a-1.bin"...).
func (n *Names) For(rawURL string) string {
	name := "index.html"
	if u, err := url.Parse(rawURL); err == nil {
		if b := path.Base(u.Path); b != "." && b != "/" && b != ".." {
			name = b
		}
	}
	if n.taken == nil {
		n.taken = map[string]bool{}
	}
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if stem == "" { // ".profile": the whole name is the stem
		stem, ext = name, ""
	}
	unique := name
	for i := 1; n.taken[unique]; i++ {
		unique = stem + "-" + strconv.Itoa(i) + ext
	}
	n.taken[unique] = true
	return unique
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
		status = "error: " + describe(err)
	}
	fmt.Fprintf(j.Out, "%s %d %.3fs %s\n", status, info.Downloaded, info.Total.Seconds(), e.URL)
}

// describe is err's text without the URL, which ends the result line anyway.
func describe(err error) string {
	var xe *xfer.Error
	if !errors.As(err, &xe) {
		return err.Error()
	}
	if xe.Err == nil {
		return xe.Code.Error()
	}
	return xe.Code.Error() + ": " + xe.Err.Error()
}

// Failed returns how many transfers failed.
func (j *Job) Failed() int { return j.failed }

// Summary writes one line about the whole run to w.
func (j *Job) Summary(w io.Writer, prog string) {
	elapsed := time.Duration(0)
	if !j.start.IsZero() {
		elapsed = time.Since(j.start)
	}
	fmt.Fprintf(w, "%s: %d transfers, %d failed, %d bytes in %.3fs\n",
		prog, j.n, j.failed, j.bytes, elapsed.Seconds())
}
