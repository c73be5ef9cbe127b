//go:build linux

package tlsconn

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/xfer-go/xfer/internal/testutil"
)

// serveHello completes the handshake, writes "hello", answers "ping" with
// "pong" and closes with a close_notify.
func serveHello(t testing.TB) func(*tls.Conn) {
	return func(s *tls.Conn) {
		if err := s.Handshake(); err != nil {
			t.Errorf("server handshake: %v", err)
			return
		}
		if _, err := s.Write([]byte("hello")); err != nil {
			t.Errorf("server write: %v", err)
			return
		}
		p := make([]byte, 4)
		if _, err := io.ReadFull(s, p); err != nil || string(p) != "ping" {
			t.Errorf("server read %q, %v; want ping", p, err)
			return
		}
		if _, err := s.Write([]byte("pong")); err != nil {
			t.Errorf("server write: %v", err)
		}
		s.Close()
	}
}

func TestHandshake(t *testing.T) {
	for _, v := range versions {
		for _, feed := range []struct {
			name  string
			chunk int
		}{{"whole", 0}, {"bytewise", 1}, {"3bytes", 3}} {
			t.Run(v.name+"/"+feed.name, func(t *testing.T) {
				testutil.CheckLeaks(t)
				pki := newPKI(t, v.v)
				d := startTLS(t, pki.client(), pki.server, serveHello(t))
				d.chunk = feed.chunk
				if err := d.handshake(); err != nil {
					t.Fatalf("handshake: %v", err)
				}
				if feed.chunk == 1 && d.steps < 500 {
					t.Errorf("%d Handshake calls for a bytewise handshake", d.steps)
				}
				t.Logf("%d Handshake calls", d.steps)
				if done, err := d.c.Handshake(); !done || err != nil {
					t.Errorf("Handshake after completion = %v, %v; want true, nil", done, err)
				}
				cs := d.c.ConnectionState()
				if !cs.HandshakeComplete || cs.Version != v.v || cs.ServerName != "server.test" {
					t.Errorf("ConnectionState: complete %v, version %#x, server name %q",
						cs.HandshakeComplete, cs.Version, cs.ServerName)
				}
				if len(cs.VerifiedChains) == 0 {
					t.Error("no verified chain")
				}
				p := make([]byte, 5)
				if err := d.readFull(p); err != nil || string(p) != "hello" {
					t.Fatalf("read %q, %v; want hello", p, err)
				}
				d.write([]byte("ping"))
				rest, err := d.readToEnd()
				if string(rest) != "pong" || err != io.EOF {
					t.Errorf("read to end: %q, %v; want pong, EOF", rest, err)
				}
				if d.c.Buffered() {
					t.Error("Buffered after EOF")
				}
			})
		}
	}
}

func TestALPN(t *testing.T) {
	testutil.CheckLeaks(t)
	pki := newPKI(t, tls.VersionTLS13)
	pki.server.NextProtos = []string{"h2", "http/1.1"}
	cfg := pki.client()
	cfg.NextProtos = []string{"http/1.1"}
	d := startTLS(t, cfg, pki.server, serveHello(t))
	if err := d.handshake(); err != nil {
		t.Fatal(err)
	}
	if p := d.c.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
		t.Errorf("NegotiatedProtocol = %q", p)
	}
	d.write([]byte("ping"))
	d.readToEnd()
}

func TestResumption(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			pki := newPKI(t, v.v)
			cfg := pki.client()
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(8)
			for i, wantResume := range []bool{false, true, true} {
				d := startTLS(t, cfg, pki.server, serveHello(t))
				if err := d.handshake(); err != nil {
					t.Fatalf("connection %d: handshake: %v", i, err)
				}
				if got := d.c.ConnectionState().DidResume; got != wantResume {
					t.Errorf("connection %d: DidResume = %v, want %v", i, got, wantResume)
				}
				// Reading processes the TLS 1.3 tickets sent after the handshake.
				p := make([]byte, 5)
				if err := d.readFull(p); err != nil {
					t.Fatalf("connection %d: read: %v", i, err)
				}
				d.write([]byte("ping"))
				d.readToEnd()
			}
		})
	}
}

func TestEcho1MiB(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			pki := newPKI(t, v.v)
			d := startTLS(t, pki.client(), pki.server, func(s *tls.Conn) {
				if _, err := io.Copy(s, s); err != nil {
					t.Errorf("server echo: %v", err)
				}
				s.Close()
			})
			if err := d.handshake(); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, uint64(v.v)))
			data := make([]byte, 1<<20)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			var got []byte
			sent := 0
			p := make([]byte, 64<<10)
			for len(got) < len(data) {
				// Write a random amount while little is waiting to go out.
				if sent < len(data) && len(d.c.Outbound()) < 128<<10 {
					k := min(1+rng.IntN(40000), len(data)-sent)
					if n, err := d.c.Write(data[sent : sent+k]); n != k || err != nil {
						t.Fatalf("Write = %d, %v", n, err)
					}
					sent += k
				}
				// Read with random sizes until the Conn needs input.
				for {
					n, err := d.c.Read(p[:1+rng.IntN(len(p))])
					got = append(got, p[:n]...)
					if err == ErrWouldBlock {
						break
					}
					if err != nil {
						t.Fatalf("Read after %d bytes: %v", len(got), err)
					}
				}
				if len(got) < len(data) {
					d.chunk = 1 + rng.IntN(3000) // split the input arbitrarily too
					d.pump()
				}
			}
			if !bytes.Equal(got, data) {
				t.Fatal("echoed bytes differ")
			}
			if err := d.c.Close(); err != nil {
				t.Fatal(err)
			}
			if err := d.flush(); err != nil {
				t.Fatal(err)
			}
			if rest, err := d.readToEnd(); len(rest) != 0 || !errors.Is(err, net.ErrClosed) {
				t.Errorf("after Close: Read %d bytes, %v", len(rest), err)
			}
		})
	}
}

func TestBuffered(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			pki := newPKI(t, v.v)
			replies := map[byte]string{'a': "hello world", 'b': "second"}
			d := startTLS(t, pki.client(), pki.server, func(s *tls.Conn) {
				p := make([]byte, 1)
				for {
					if _, err := s.Read(p); err != nil {
						return
					}
					if _, err := s.Write([]byte(replies[p[0]])); err != nil {
						return
					}
				}
			})
			if d.c.Buffered() {
				t.Error("Buffered before the handshake")
			}
			if err := d.handshake(); err != nil {
				t.Fatal(err)
			}
			// Take in what followed the handshake (TLS 1.3 tickets).
			p := make([]byte, 64)
			for {
				for {
					if _, err := d.c.Read(p); err != nil {
						if err != ErrWouldBlock {
							t.Fatal(err)
						}
						break
					}
				}
				n, _ := d.readSocket()
				if n == 0 {
					break
				}
				d.c.Feed(d.buf[:n])
			}
			if d.c.Buffered() {
				t.Fatal("Buffered with nothing held")
			}

			// A full record fed but not read.
			d.write([]byte("a"))
			rec := d.readRecord()
			d.c.Feed(rec)
			if !d.c.Buffered() {
				t.Error("Buffered = false with a full record fed")
			}
			if n, err := d.c.Read(p[:3]); err != nil || string(p[:n]) != "hel" {
				t.Fatalf("Read = %q, %v", p[:n], err)
			}
			if !d.c.Buffered() {
				t.Error("Buffered = false with 8 decrypted bytes held")
			}
			if n, err := d.c.Read(p); err != nil || string(p[:n]) != "lo world" {
				t.Fatalf("Read = %q, %v", p[:n], err)
			}
			if _, err := d.c.Read(p); err != ErrWouldBlock {
				t.Fatalf("Read = %v, want ErrWouldBlock", err)
			}
			if d.c.Buffered() {
				t.Error("Buffered after ErrWouldBlock")
			}

			// A partial record: held, but not enough for Read.
			d.write([]byte("b"))
			rec = d.readRecord()
			d.c.Feed(rec[:3])
			if !d.c.Buffered() {
				t.Error("Buffered = false with fed bytes not yet taken")
			}
			if n, err := d.c.Read(p); n != 0 || err != ErrWouldBlock {
				t.Fatalf("Read of a partial record = %d, %v", n, err)
			}
			if d.c.Buffered() {
				t.Error("Buffered = true with only a partial record held")
			}
			d.c.Feed(rec[3:])
			if n, err := d.c.Read(p); err != nil || string(p[:n]) != "second" {
				t.Fatalf("Read = %q, %v", p[:n], err)
			}

			// An end of stream not yet reported.
			d.c.FeedEOF()
			if !d.c.Buffered() {
				t.Error("Buffered = false with an unreported EOF")
			}
			if _, err := d.c.Read(p); err != ErrTruncated {
				t.Errorf("Read = %v, want ErrTruncated", err)
			}
			if d.c.Buffered() {
				t.Error("Buffered after the EOF was reported")
			}
		})
	}
}

// readRecord reads one whole TLS record from the socket, without feeding it.
func (d *driver) readRecord() []byte {
	d.t.Helper()
	var rec []byte
	need := 5
	for len(rec) < need {
		d.poll(0x1)
		n, err := readAtMost(d.fd, d.buf[:need-len(rec)])
		if err != nil {
			d.t.Fatal(err)
		}
		rec = append(rec, d.buf[:n]...)
		if len(rec) == 5 {
			need = 5 + (int(rec[3])<<8 | int(rec[4]))
		}
	}
	return rec
}

func TestTruncated(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			pki := newPKI(t, v.v)
			d := startRaw(t, pki.client(), func(nc net.Conn) {
				s := tls.Server(nc, pki.server)
				if _, err := s.Write([]byte("abc")); err != nil {
					t.Errorf("server: %v", err)
				}
				// Return without s.Close: the socket closes with no close_notify.
			})
			if err := d.handshake(); err != nil {
				t.Fatal(err)
			}
			got, err := d.readToEnd()
			if string(got) != "abc" || err != ErrTruncated || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("read to end: %q, %v; want abc, ErrTruncated", got, err)
			}
			if _, err := d.c.Read(make([]byte, 1)); err != ErrTruncated {
				t.Errorf("Read again = %v", err)
			}
		})
	}
}

func TestCloseAfterHandshake(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			pki := newPKI(t, v.v)
			serverRead := make(chan error, 1)
			d := startTLS(t, pki.client(), pki.server, func(s *tls.Conn) {
				_, err := io.ReadAll(s)
				serverRead <- err
			})
			if err := d.handshake(); err != nil {
				t.Fatal(err)
			}
			d.write([]byte("data"))
			if err := d.c.Close(); err != nil {
				t.Fatal(err)
			}
			if d.c.Outbound() == nil {
				t.Fatal("no close_notify in Outbound")
			}
			if err := d.c.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if err := d.flush(); err != nil {
				t.Fatal(err)
			}
			if err := <-serverRead; err != nil {
				t.Errorf("server read: %v, want a clean EOF", err)
			}
			if _, err := d.c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Read after Close: %v", err)
			}
			if _, err := d.c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Write after Close: %v", err)
			}
			if done, err := d.c.Handshake(); done || !errors.Is(err, net.ErrClosed) {
				t.Errorf("Handshake after Close: %v, %v", done, err)
			}
			d.c.Feed([]byte("ignored"))
			if d.c.Buffered() {
				t.Error("Buffered after Close")
			}
		})
	}
}

func TestCloseDuringHandshake(t *testing.T) {
	testutil.CheckLeaks(t)
	cfg := &tls.Config{ServerName: "server.test"}
	base := baseGoroutines()
	conns := make([]*Conn, 100)
	for i := range conns {
		c := Client(cfg)
		done, err := c.Handshake()
		if done || err != nil {
			t.Fatalf("first Handshake = %v, %v", done, err)
		}
		if len(c.Outbound()) == 0 || c.Outbound()[0] != 22 {
			t.Fatal("no ClientHello in Outbound")
		}
		// No input: a further call returns at once.
		if done, err := c.Handshake(); done || err != nil {
			t.Fatalf("Handshake without input = %v, %v", done, err)
		}
		// Neither may touch the suspended tls.Conn.
		if cs := c.ConnectionState(); cs.HandshakeComplete {
			t.Fatal("ConnectionState during the handshake")
		}
		if _, err := c.Read(make([]byte, 1)); err != ErrHandshakeIncomplete {
			t.Fatalf("Read during the handshake = %v", err)
		}
		if _, err := c.Write([]byte("x")); err != ErrHandshakeIncomplete {
			t.Fatalf("Write during the handshake = %v", err)
		}
		conns[i] = c
	}
	if n := goroutines(base + len(conns)); n != base+len(conns) {
		t.Errorf("%d goroutines with %d suspended handshakes, %d before", n, len(conns), base)
	}
	for _, c := range conns {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		done, err := c.Handshake()
		if done || !errors.Is(err, net.ErrClosed) || VerificationFailed(err) {
			t.Fatalf("Handshake after Close = %v, %v", done, err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := goroutines(base); n != base {
		t.Errorf("%d goroutines after Close, %d before", n, base)
	}
}

// TestCloseMidFlight cancels a handshake suspended in the middle of the
// server's flight.
func TestCloseMidFlight(t *testing.T) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			testutil.CheckLeaks(t)
			pki := newPKI(t, v.v)
			d := startTLS(t, pki.client(), pki.server, func(s *tls.Conn) {
				if err := s.Handshake(); err == nil {
					t.Error("server handshake succeeded")
				}
			})
			base := baseGoroutines()
			if done, err := d.c.Handshake(); done || err != nil {
				t.Fatal(done, err)
			}
			if err := d.flush(); err != nil {
				t.Fatal(err)
			}
			rec := d.readRecord()
			d.c.Feed(rec[:len(rec)/2])
			if done, err := d.c.Handshake(); done || err != nil {
				t.Fatal(done, err)
			}
			if n := goroutines(base + 1); n != base+1 {
				t.Errorf("%d goroutines during the handshake, %d before", n, base)
			}
			d.c.Close()
			if n := goroutines(base); n != base {
				t.Errorf("%d goroutines after Close, %d before", n, base)
			}
			d.closeFD()
		})
	}
}

func TestConsumedTooMuch(t *testing.T) {
	testutil.CheckLeaks(t)
	c := Client(&tls.Config{ServerName: "x"})
	defer c.Close()
	c.Handshake()
	n := len(c.Outbound())
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	c.Consumed(n + 1)
}

func TestHandshakePanic(t *testing.T) {
	testutil.CheckLeaks(t)
	pki := newPKI(t, tls.VersionTLS13)
	cfg := pki.client()
	cfg.VerifyConnection = func(tls.ConnectionState) error { panic("callback panic") }
	d := startTLS(t, cfg, pki.server, func(s *tls.Conn) { s.Handshake() })
	func() {
		defer func() {
			if r := recover(); r != "callback panic" {
				t.Errorf("recovered %v", r)
			}
		}()
		d.handshake()
		t.Error("no panic")
	}()
	if done, err := d.c.Handshake(); done || err == nil {
		t.Errorf("Handshake after the panic = %v, %v", done, err)
	}
	if err := d.c.Close(); err != nil {
		t.Error(err)
	}
}

func TestBufferedDuringHandshake(t *testing.T) {
	testutil.CheckLeaks(t)
	c := Client(&tls.Config{ServerName: "server.test"})
	defer c.Close()
	if c.Buffered() {
		t.Error("Buffered before the handshake")
	}
	c.Handshake()
	if c.Buffered() {
		t.Error("Buffered while waiting for the ServerHello")
	}
	c.FeedEOF()
	if !c.Buffered() {
		t.Error("Buffered = false with an unreported EOF")
	}
	if done, err := c.Handshake(); done || !errors.Is(err, io.EOF) || VerificationFailed(err) {
		t.Errorf("Handshake = %v, %v; want an EOF failure", done, err)
	}
	if c.Buffered() {
		t.Error("Buffered after the handshake failed")
	}
}
