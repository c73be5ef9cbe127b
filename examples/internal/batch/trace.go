package batch

import (
	"fmt"
	"os"
	"time"

	"github.com/xfer-go/xfer"
)

// Trace is the -v of the socket-API examples: when true, a line on standard error for each
// call of the socket and timer callbacks. The zero value traces nothing.
type Trace bool

// Socket traces a call of the socket callback asking the loop to watch fd for what; was
// is what the loop watched fd for until then, 0 for an fd new to it. The line reads
//
//	socket fd=8 PollIn (was PollOut)
//
// or, for a new fd, "socket fd=8 PollOut (new)".
func (t Trace) Socket(fd int, what, was xfer.Poll) {
	if !t {
		return
	}
	from := "new"
	if was != 0 {
		from = "was " + pollName(was)
	}
	fmt.Fprintf(os.Stderr, "socket fd=%d %s (%s)\n", fd, pollName(what), from)
}

// Timer traces a call of the timer callback asking for d: "timer 10ms".
func (t Trace) Timer(d time.Duration) {
	if t {
		fmt.Fprintf(os.Stderr, "timer %v\n", d)
	}
}

// pollNames are the names of the xfer.Poll values, by value.
var pollNames = [...]string{
	xfer.PollIn:     "PollIn",
	xfer.PollOut:    "PollOut",
	xfer.PollInOut:  "PollInOut",
	xfer.PollRemove: "PollRemove",
}

func pollName(p xfer.Poll) string {
	if p > 0 && int(p) < len(pollNames) {
		return pollNames[p]
	}
	return fmt.Sprintf("Poll(%d)", int(p))
}
