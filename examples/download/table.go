package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xfer-go/xfer"
	"github.com/xfer-go/xfer/examples/internal/batch"
)

// writeTable writes the result of every URL, in the order of the input, and a summary:
//
//	URL                        STATUS  SIZE      TIME  SPEED / ERROR
//	http://127.0.0.1:8080/a    200     1.0 MiB   12ms  85.3 MiB/s
//	http://127.0.0.1:8080/b    404     0 B        1ms  error: xfer: HTTP response code said error
//
// A failure's last column starts with "error: ". A status of "-" means no reply came. SIZE
// is the body as written out: with -compressed, "(gzip, 1.2 KiB coded)" follows the
// speed of a body that came coded. With -C -, "(resumed from 1.0 MiB)" follows the speed of
// a body that was resumed, and the last column of a file found whole is "complete already
// (SIZE)".
func (d *downloader) writeTable(w io.Writer) {
	urlWidth := len("URL")
	for _, t := range d.all {
		urlWidth = max(urlWidth, len(t.url))
	}
	var b strings.Builder
	row := func(url, status, size, took, last string) {
		fmt.Fprintf(&b, "%-*s  %-6s  %10s  %7s  %s\n", urlWidth, url, status, size, took, last)
	}
	row("URL", "STATUS", "SIZE", "TIME", "SPEED / ERROR")
	ok := 0
	for _, t := range d.all {
		status := "-"
		if t.status > 0 {
			status = strconv.Itoa(t.status)
		}
		var last string
		switch {
		case t.err != nil:
			last = "error: " + describe(t.err)
		case t.from > 0 && t.status != 206: // 416, or a length of t.from: nothing was left
			ok++
			last = "complete already (" + size(t.from) + ")"
		default:
			ok++
			last = size(int64(float64(t.size)/max(t.took.Seconds(), 1e-6))) + "/s"
			if t.from > 0 {
				last += " (resumed from " + size(t.from) + ")"
			}
		}
		if t.coding != "" && t.err == nil {
			last += fmt.Sprintf(" (%s, %s coded)", t.coding, size(t.received))
		}
		if n := t.tries - 1; n > 0 {
			last += fmt.Sprintf(" (%d %s)", n, plural(n, "retry", "retries"))
		}
		row(t.url, status, size(t.size), duration(t.took), last)
	}
	elapsed := time.Since(d.start)
	fmt.Fprintf(&b, "%d %s: %d downloaded, %d failed; %s received in %s (%s/s)",
		len(d.all), plural(len(d.all), "URL", "URLs"), ok, d.failed,
		size(d.bytes), duration(elapsed), size(int64(float64(d.bytes)/max(elapsed.Seconds(), 1e-6))))
	h2, conns := 0, 0
	for _, t := range d.all {
		if t.h2 {
			h2++
			conns += t.connects
		}
	}
	if h2 > 0 {
		fmt.Fprintf(&b, "; %d over HTTP/2 on %d %s", h2, conns, plural(conns, "connection", "connections"))
	}
	b.WriteString("\n")
	io.WriteString(w, b.String())
}

// describe is err's text without the URL, which the table and the lines show anyway: the
// examples' result text, but for a cause that is an error of the library too, which says
// "xfer: " once.
func describe(err error) string {
	var xe *xfer.Error
	if errors.As(err, &xe) && xe.Err != nil {
		return xe.Code.Error() + ": " + strings.TrimPrefix(xe.Err.Error(), "xfer: ")
	}
	return batch.Describe(err)
}

// size formats a count of bytes: "512 B", "1.5 KiB", "2.0 MiB".
func size(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i])
}

// duration formats d as "12ms" below a second and "1.23s" from there.
func duration(d time.Duration) string {
	if r := d.Round(time.Millisecond); r < time.Second {
		return strconv.FormatInt(r.Milliseconds(), 10) + "ms"
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
