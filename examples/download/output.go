package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/xfer-go/xfer"
)

// output is where the bodies go: files in a directory, one stream, or nowhere.
type output interface {
	// start is told that an attempt of t starts, and returns the offset in the body to
	// ask for it from (-C -). An error ends t.
	start(t *transfer) (int64, error)
	// write takes the next bytes of t's body, as Easy.Write does.
	write(t *transfer, p []byte) (int, error)
	// end is told that an attempt of t ended, ok when it succeeded; last is false when t
	// will be tried again. A non-nil error means a good body could not be kept.
	end(t *transfer, ok, last bool) error
	// retryable reports whether t may be tried again from the start.
	retryable(t *transfer) bool
}

// sinkState is what an output keeps for one transfer.
type sinkState struct {
	f      *os.File // dirOutput: NAME.part, open from the first byte to the end
	held   []byte   // streamOutput: the body, while it is not its turn
	paused bool     // streamOutput: receiving is paused because held is full
	sent   int64    // streamOutput: bytes written to the stream
	ended  bool     // streamOutput: the transfer is done for good
}

// openOutput returns the output that cfg asks for, and what to call at the end of the run.
func openOutput(cfg *config, stdout io.Writer) (output, func() error, error) {
	switch {
	case cfg.discard:
		return discardOutput{}, func() error { return nil }, nil
	case cfg.stream == "-":
		o := &streamOutput{w: stdout}
		return o, func() error { return o.err }, nil
	case cfg.stream != "":
		f, err := os.Create(cfg.stream)
		if err != nil {
			return nil, nil, err
		}
		o := &streamOutput{w: f}
		return o, func() error {
			err := f.Close()
			return errors.Join(o.err, err)
		}, nil
	}
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return nil, nil, err
	}
	return &dirOutput{dir: cfg.dir, resume: cfg.resume}, func() error { return nil }, nil
}

// discardOutput drops the bodies.
type discardOutput struct{}

func (discardOutput) start(t *transfer) (int64, error)         { return 0, nil }
func (discardOutput) write(t *transfer, p []byte) (int, error) { return len(p), nil }
func (discardOutput) end(t *transfer, ok, last bool) error     { return nil }
func (discardOutput) retryable(t *transfer) bool               { return true }

// dirOutput saves each body as a file in dir: NAME.part while it comes, renamed to NAME
// when the transfer succeeds, removed when the attempt fails. The file is created by the
// first byte, so transfers waiting for their turn hold no file open. With resume (-C -)
// the body is appended to NAME itself, from its size, and what an attempt that failed
// wrote stays there.
type dirOutput struct {
	dir    string
	resume bool
}

func (o *dirOutput) start(t *transfer) (int64, error) {
	if !o.resume {
		return 0, nil
	}
	fi, err := os.Stat(o.final(t))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	case err != nil:
		return 0, err
	case !fi.Mode().IsRegular():
		return 0, fmt.Errorf("cannot resume %s: not a regular file", o.final(t))
	}
	return fi.Size(), nil
}

// file is where t's body is written while it comes.
func (o *dirOutput) file(t *transfer) string {
	if o.resume {
		return o.final(t)
	}
	return o.part(t)
}

// flags are those t's file is opened with: a new .part, or NAME to append to.
func (o *dirOutput) flags() int {
	if o.resume {
		return os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	return os.O_WRONLY | os.O_CREATE | os.O_TRUNC
}

func (o *dirOutput) write(t *transfer, p []byte) (int, error) {
	s := &t.sink
	if s.f == nil {
		f, err := os.OpenFile(o.file(t), o.flags(), 0o644)
		if err != nil {
			return 0, err
		}
		s.f = f
	}
	return s.f.Write(p)
}

func (o *dirOutput) end(t *transfer, ok, last bool) error {
	s := &t.sink
	var err error
	switch {
	case s.f != nil:
		err = s.f.Close()
		s.f = nil
	case ok: // an empty body, or nothing left to resume: nothing was written
		var f *os.File
		if f, err = os.OpenFile(o.file(t), o.flags(), 0o644); err == nil {
			err = f.Close()
		}
	}
	if o.resume {
		return err // the file is NAME already, and keeps what came
	}
	if ok && err == nil {
		return os.Rename(o.part(t), o.final(t))
	}
	if rerr := os.Remove(o.part(t)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
		err = rerr
	}
	return err
}

func (o *dirOutput) retryable(t *transfer) bool { return true }

func (o *dirOutput) part(t *transfer) string  { return filepath.Join(o.dir, t.name+".part") }
func (o *dirOutput) final(t *transfer) string { return filepath.Join(o.dir, t.name) }

// holdMax is how much of a body streamOutput holds before it pauses the transfer.
const holdMax = 4 << 20

// streamOutput writes the bodies to w one after another, in the order of the input, while
// the transfers run in parallel. The body of the head (the first transfer not done yet)
// goes straight out; the others are held in memory until their turn, and a transfer that
// has holdMax bytes held is paused (its Write returns xfer.ErrPause) until then.
type streamOutput struct {
	w    io.Writer
	all  []*transfer // in the order of the input
	head int         // the index in all of the transfer whose body goes out now
	err  error       // writing to w failed: every later write fails too
}

func (o *streamOutput) start(t *transfer) (int64, error) { return 0, nil }

func (o *streamOutput) write(t *transfer, p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	s := &t.sink
	if t.idx == o.head {
		n, err := o.w.Write(p)
		s.sent += int64(n)
		o.err = err
		return n, err
	}
	if len(s.held) >= holdMax {
		s.paused = true
		return 0, xfer.ErrPause // the same bytes come again after Pause(PauseCont)
	}
	s.held = append(s.held, p...)
	return len(p), nil
}

func (o *streamOutput) end(t *transfer, ok, last bool) error {
	s := &t.sink
	if !ok {
		s.held, s.paused = nil, false
	}
	if !last {
		return nil
	}
	s.ended = true
	if t.idx == o.head {
		o.advance()
	}
	return nil
}

// advance moves the head past the transfers that are done, writing out what they held,
// and lets the new head's transfer go on if it was paused.
func (o *streamOutput) advance() {
	for o.head++; o.head < len(o.all); o.head++ {
		t := o.all[o.head]
		s := &t.sink
		if len(s.held) > 0 && o.err == nil {
			n, err := o.w.Write(s.held)
			s.sent += int64(n)
			o.err = err
		}
		s.held = nil
		if !s.ended {
			if s.paused {
				s.paused = false
				t.e.Pause(xfer.PauseCont) // the loop calls this outside any callback
			}
			return
		}
	}
}

// retryable: a body that has started going out cannot be taken back.
func (o *streamOutput) retryable(t *transfer) bool { return t.sink.sent == 0 }
