//go:build linux

package xfer

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// stressFault is what the stress server does to one transfer.
type stressFault int

const (
	stressOK       stressFault = iota // a healthy reply
	stressReset                       // reset in the middle of the body
	stressNothing                     // close before replying
	stressPartial                     // close after part of a Content-Length body
	stressGarbage                     // a reply that is not HTTP
	stressBadChunk                    // a malformed chunk size
	stressStall                       // the header, then nothing (the transfer's Timeout ends it)
	numStressFaults
)

// stressCode is the result each fault must end with.
var stressCode = [numStressFaults][]Code{
	stressOK:       nil,
	stressReset:    {ErrRecvError, ErrPartialFile},
	stressNothing:  {ErrGotNothing},
	stressPartial:  {ErrPartialFile},
	stressGarbage:  {ErrWeirdServerReply},
	stressBadChunk: {ErrWeirdServerReply},
	stressStall:    {ErrOperationTimedOut},
}

// serveStress answers /f/<fault>/<size> as the fault says.
func serveStress(c net.Conn) {
	req := readRequest(c)
	path, _, _ := strings.Cut(strings.TrimPrefix(req, "GET "), " ")
	var fault, size int
	fmt.Sscanf(path, "/f/%d/%d", &fault, &size)
	body := bodyFor(size, size)
	switch stressFault(fault) {
	case stressOK:
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n"))
		c.Write(body)
		readRequest(c) // keep-alive until the client leaves
	case stressReset:
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n"))
		c.Write(body[:size/2])
		time.Sleep(10 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
	case stressNothing:
	case stressPartial:
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n"))
		c.Write(body[:size/2])
	case stressGarbage:
		c.Write([]byte("SSH-2.0-nope\r\n\r\n"))
	case stressBadChunk:
		c.Write([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n"))
	case stressStall:
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"))
		readRequest(c) // until the client leaves
	}
}

// TestStress runs 9,000 concurrent transfers (2,000 under the race detector) against
// servers in this process, about one in ten meeting a fault: each ends with exactly one
// message, the code its fault calls for, an exact body when healthy, and nothing is left
// behind. Client and server fds together stay under the 20,000 the machine allows.
func TestStress(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	n := 9000
	if raceEnabled {
		n = 2000
	}
	testutil.CheckLeaks(t)
	var bases []string
	for i := 0; i < 4; i++ { // several listeners: one backlog would overflow
		bases = append(bases, rawServer(t, serveStress))
	}
	l := newEpollLoop(t, MultiOptions{})
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	want := map[*Easy]stressFault{}
	got := map[*Easy]*bytes.Buffer{}
	for i := 0; i < n; i++ {
		fault := stressOK
		if rng.IntN(10) == 0 {
			fault = stressFault(1 + rng.IntN(int(numStressFaults)-1))
		}
		size := 1 + rng.IntN(16<<10)
		e := NewEasy(fmt.Sprintf("%s/f/%d/%d", bases[i%len(bases)], fault, size))
		e.Timeout = 5 * time.Second
		if fault == stressStall {
			e.Timeout = 1 * time.Second
		}
		var buf bytes.Buffer
		e.Write = buf.Write
		want[e], got[e] = fault, &buf
		if err := l.m.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	l.onDone = func(e *Easy, err error) { l.m.Remove(e) }
	l.run(n, 120*time.Second)
	faults := map[stressFault]int{}
	for e, fault := range want {
		err := l.done[e]
		faults[fault]++
		if fault == stressOK {
			var size int
			fmt.Sscanf(e.URL[strings.LastIndexByte(e.URL, '/')+1:], "%d", &size)
			if err != nil || !bytes.Equal(got[e].Bytes(), bodyFor(size, size)) {
				t.Fatalf("%s: %v (%d bytes)", e.URL, err, got[e].Len())
			}
			continue
		}
		ok := false
		for _, c := range stressCode[fault] {
			ok = ok || errors.Is(err, c)
		}
		if !ok {
			t.Fatalf("%s (fault %d): %v, want one of %v", e.URL, fault, err, stressCode[fault])
		}
	}
	// Only idle keep-alive connections remain, watched in the cache (Close ends them).
	if len(l.watched) != l.m.idle.Len() || l.m.socks.n != l.m.idle.Len() {
		t.Fatalf("after every transfer was removed: watched %d, held %d, idle %d", len(l.watched), l.m.socks.n, l.m.idle.Len())
	}
	t.Logf("%d transfers, faults by kind %v, at most %d sockets watched at once", n, faults, l.maxWatch)
}
