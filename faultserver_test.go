//go:build linux

package xfer

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xfer-go/xfer/internal/testutil"
)

// faultServer is a scripted TCP server on 127.0.0.1 for fault injection. Each accepted
// connection runs one script, a list of steps: read a request, write bytes (at once or a few
// at a time), sleep, stall, close, reset. Connection i runs the i-th script; connections
// beyond the scripts given run faultOKScript. The server records every connection it
// accepted and every request it read, so a test can check what reached it.
//
// A script that runs out of steps closes the connection. A step that fails (the client
// went away) ends the script.
type faultServer struct {
	ln      net.Listener
	scripts [][]faultStep
	quit    chan struct{}
	wg      sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	conns    []net.Conn
	accepted int
	requests []faultRequest
}

// faultRequest is one request as the server read it.
type faultRequest struct {
	Conn int    // the index of the connection it came on, in accept order
	Head string // the request line and header fields, up to and including the empty line
	Body []byte // the body, when the step read it
}

// faultOp is what a step does.
type faultOp int

const (
	faultOpReadHead    faultOp = iota // read one request head; the bytes after it stay buffered
	faultOpReadRequest                // read one request head and its body (Content-Length or chunked)
	faultOpReadN                      // read and discard n bytes
	faultOpWrite                      // write data at once
	faultOpTrickle                    // write data n bytes at a time, sleeping between pieces
	faultOpSleep                      // wait
	faultOpStall                      // read and discard until the client leaves
	faultOpHang                       // neither read nor write until the server is closed
	faultOpClose                      // close the connection (FIN)
	faultOpReset                      // close with SO_LINGER 0 (RST)
)

// faultStep is one step of a script. Build steps with the methods of fault.
type faultStep struct {
	op    faultOp
	data  []byte
	n     int
	every time.Duration
}

// faultSteps builds steps: fault.ReadRequest(), fault.Write("..."), and so on.
type faultSteps struct{}

var fault faultSteps

// ReadHead reads one request head. A body that follows stays unread.
func (faultSteps) ReadHead() faultStep { return faultStep{op: faultOpReadHead} }

// ReadRequest reads one request head and its body.
func (faultSteps) ReadRequest() faultStep { return faultStep{op: faultOpReadRequest} }

// ReadN reads and discards n bytes.
func (faultSteps) ReadN(n int) faultStep { return faultStep{op: faultOpReadN, n: n} }

// Write writes s at once.
func (faultSteps) Write(s string) faultStep { return faultStep{op: faultOpWrite, data: []byte(s)} }

// Trickle writes s piece bytes at a time, waiting every between pieces.
func (faultSteps) Trickle(s string, piece int, every time.Duration) faultStep {
	return faultStep{op: faultOpTrickle, data: []byte(s), n: max(piece, 1), every: every}
}

// Sleep waits d.
func (faultSteps) Sleep(d time.Duration) faultStep { return faultStep{op: faultOpSleep, every: d} }

// Stall reads and discards whatever comes until the client closes the connection.
func (faultSteps) Stall() faultStep { return faultStep{op: faultOpStall} }

// Hang does nothing (in particular reads nothing) until the server is closed.
func (faultSteps) Hang() faultStep { return faultStep{op: faultOpHang} }

// Close closes the connection normally.
func (faultSteps) Close() faultStep { return faultStep{op: faultOpClose} }

// Reset closes the connection with an RST (SO_LINGER 0).
func (faultSteps) Reset() faultStep { return faultStep{op: faultOpReset} }

// faultOKResponse is the response of faultOKScript.
const faultOKResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// faultOKScript serves one request correctly and keeps the connection open.
var faultOKScript = []faultStep{fault.ReadRequest(), fault.Write(faultOKResponse), fault.Stall()}

// newFaultServer starts a server whose i-th connection runs scripts[i]. It is closed when
// the test ends: every connection is closed and every goroutine has returned.
func newFaultServer(t testing.TB, scripts ...[]faultStep) *faultServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &faultServer{ln: ln, scripts: scripts, quit: make(chan struct{})}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

// URL returns the server's base URL, without a trailing slash.
func (s *faultServer) URL() string { return "http://" + s.ln.Addr().String() }

// Port returns the port the server listens on.
func (s *faultServer) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Accepted returns how many connections the server accepted.
func (s *faultServer) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Requests returns the requests read so far, in the order they were read.
func (s *faultServer) Requests() []faultRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]faultRequest(nil), s.requests...)
}

func (s *faultServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		i := s.accepted
		s.accepted++
		s.conns = append(s.conns, c)
		script := faultOKScript
		if i < len(s.scripts) {
			script = s.scripts[i]
		}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(&faultConn{s: s, c: c.(*net.TCPConn), idx: i}, script)
	}
}

// close stops the server: it closes the listener and every connection, and waits for the
// goroutines.
func (s *faultServer) close() {
	s.mu.Lock()
	s.closed = true
	close(s.quit)
	s.ln.Close()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *faultServer) record(r faultRequest) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
}

// faultConn is one connection being served.
type faultConn struct {
	s   *faultServer
	c   *net.TCPConn
	idx int
	buf []byte // bytes read and not used yet
}

func (s *faultServer) serve(fc *faultConn, script []faultStep) {
	defer s.wg.Done()
	defer fc.c.Close()
	for _, st := range script {
		if !fc.do(st) {
			return
		}
	}
}

// do runs one step; false ends the script.
func (fc *faultConn) do(st faultStep) bool {
	switch st.op {
	case faultOpReadHead:
		head, ok := fc.readHead()
		if ok {
			fc.s.record(faultRequest{Conn: fc.idx, Head: head})
		}
		return ok
	case faultOpReadRequest:
		head, ok := fc.readHead()
		if !ok {
			return false
		}
		body, ok := fc.readBody(head)
		fc.s.record(faultRequest{Conn: fc.idx, Head: head, Body: body})
		return ok
	case faultOpReadN:
		return fc.readN(st.n)
	case faultOpWrite:
		_, err := fc.c.Write(st.data)
		return err == nil
	case faultOpTrickle:
		for b := st.data; len(b) > 0; {
			n := min(st.n, len(b))
			if _, err := fc.c.Write(b[:n]); err != nil {
				return false
			}
			b = b[n:]
			if len(b) > 0 && !fc.sleep(st.every) {
				return false
			}
		}
		return true
	case faultOpSleep:
		return fc.sleep(st.every)
	case faultOpStall:
		for fc.fill() {
			fc.buf = fc.buf[:0]
		}
		return false
	case faultOpHang:
		<-fc.s.quit
		return false
	case faultOpClose:
		fc.c.Close()
		return false
	case faultOpReset:
		fc.c.SetLinger(0)
		fc.c.Close()
		return false
	}
	panic("faultServer: unknown step")
}

// sleep waits d, or less if the server is closed (then it returns false).
func (fc *faultConn) sleep(d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-fc.s.quit:
		return false
	}
}

// fill reads more bytes into buf; false when the connection ended.
func (fc *faultConn) fill() bool {
	var tmp [32 << 10]byte
	n, err := fc.c.Read(tmp[:])
	fc.buf = append(fc.buf, tmp[:n]...)
	return n > 0 || err == nil
}

// readLine returns the next line, CRLF included.
func (fc *faultConn) readLine() (string, bool) {
	for {
		if i := bytes.IndexByte(fc.buf, '\n'); i >= 0 {
			line := string(fc.buf[:i+1])
			fc.buf = fc.buf[i+1:]
			return line, true
		}
		if !fc.fill() {
			return "", false
		}
	}
}

// readHead reads up to and including the empty line that ends a request head.
func (fc *faultConn) readHead() (string, bool) {
	var head strings.Builder
	for {
		line, ok := fc.readLine()
		if !ok {
			return head.String(), false
		}
		head.WriteString(line)
		if line == "\r\n" || line == "\n" {
			return head.String(), true
		}
	}
}

// readBody reads the body that head announces.
func (fc *faultConn) readBody(head string) ([]byte, bool) {
	var size int64 = -1
	chunked := false
	for _, line := range strings.Split(head, "\r\n")[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			size, _ = strconv.ParseInt(value, 10, 64)
		case "transfer-encoding":
			chunked = strings.EqualFold(value, "chunked")
		}
	}
	switch {
	case chunked:
		var body []byte
		for {
			line, ok := fc.readLine()
			if !ok {
				return body, false
			}
			sizeText, _, _ := strings.Cut(strings.TrimSpace(line), ";")
			n, err := strconv.ParseInt(sizeText, 16, 64)
			if err != nil {
				return body, false
			}
			if n == 0 {
				for { // trailer section
					line, ok := fc.readLine()
					if !ok || line == "\r\n" {
						return body, ok
					}
				}
			}
			data, ok := fc.take(int(n) + 2)
			if !ok {
				return body, false
			}
			body = append(body, data[:n]...)
		}
	case size > 0:
		return fc.take(int(size))
	}
	return nil, true
}

// take returns the next n bytes.
func (fc *faultConn) take(n int) ([]byte, bool) {
	for len(fc.buf) < n {
		if !fc.fill() {
			return nil, false
		}
	}
	b := append([]byte(nil), fc.buf[:n]...)
	fc.buf = fc.buf[n:]
	return b, true
}

// readN reads and discards n bytes, buffered ones first.
func (fc *faultConn) readN(n int) bool {
	for n > 0 {
		if len(fc.buf) == 0 && !fc.fill() {
			return false
		}
		k := min(n, len(fc.buf))
		fc.buf = fc.buf[k:]
		n -= k
	}
	return true
}

func TestFaultServerScripts(t *testing.T) {
	testutil.CheckLeaks(t)
	s := newFaultServer(t,
		[]faultStep{fault.ReadRequest(), fault.Trickle("abcdef", 2, 5*time.Millisecond), fault.ReadHead(), fault.Write("x"), fault.Close()},
		[]faultStep{fault.ReadHead(), fault.Reset()},
	)
	c, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n"))
	var got []byte
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	if string(got) != "abcdefx" {
		t.Fatalf("read %q", got)
	}
	c2, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.Write([]byte("GET /c HTTP/1.1\r\n\r\n"))
	if _, err := c2.Read(buf); err == nil || !strings.Contains(err.Error(), "reset") {
		t.Fatalf("after Reset, read: %v", err)
	}
	reqs := s.Requests()
	if s.Accepted() != 2 || len(reqs) != 3 || string(reqs[0].Body) != "abc" ||
		!strings.HasPrefix(reqs[1].Head, "GET /b ") || reqs[2].Conn != 1 {
		t.Fatalf("accepted %d, requests %+v", s.Accepted(), reqs)
	}
}
