package batch

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// lines splits a stream of bytes into URLs: one a line, surrounding blanks trimmed, blank
// lines and lines starting with '#' skipped. Feed it the bytes as they are read and call
// end at the end of the stream.
type lines struct {
	partial []byte // the start of a line whose end has not been read yet
}

// feed calls add for every complete line of p.
func (l *lines) feed(p []byte, add func(url string)) {
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

// end calls add for a last line that had no newline.
func (l *lines) end(add func(url string)) {
	emit(l.partial, add)
	l.partial = nil
}

func emit(line []byte, add func(url string)) {
	s := strings.TrimSpace(string(line))
	if s != "" && !strings.HasPrefix(s, "#") {
		add(s)
	}
}

// ReadAll reads r to its end and calls add for every URL it holds, one a line (blank lines
// and lines starting with # are skipped).
func ReadAll(r io.Reader, add func(url string)) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	var l lines
	l.feed(data, add)
	l.end(add)
	return nil
}

// Input reads URLs, one a line, from an fd that the program's event loop watches, standard
// input in the examples: the loop calls Read each time it finds the fd readable. Read
// makes one read, which does not block then, so the fd keeps the blocking mode it shares
// with the parent process. The zero value is ready to use.
type Input struct {
	Name string // the program's, which starts the message about a read error

	lines lines
	buf   []byte
}

// Read reads what fd has and calls add for every URL of the lines it completes. It returns
// false when the input has ended, at its end or at an error (which it reports on standard
// error); add has then had the last line too.
func (in *Input) Read(fd int, add func(url string)) bool {
	if in.buf == nil {
		in.buf = make([]byte, 64<<10)
	}
	n, err := unix.Read(fd, in.buf)
	switch {
	case err == unix.EINTR || err == unix.EAGAIN:
		return true
	case err != nil:
		fmt.Fprintln(os.Stderr, in.Name+": reading input:", err)
	case n > 0:
		in.lines.feed(in.buf[:n], add)
		return true
	}
	in.lines.end(add) // end of input, or an error that ends it
	return false
}
