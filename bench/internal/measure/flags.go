package measure

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"strings"
)

// Config is what every client is told on its command line.
type Config struct {
	Workload string   // A, B, C, C2, D, Dgz, Ehs, Eidle, H, S; P (xferclient, tunnel.sh)
	Mode     string   // a client's variant of the workload (A, S: "floor")
	Addrs    []string // plain server addresses, host:port
	TLSAddrs []string // TLS server addresses, host:port
	H2Addrs  []string // HTTP/2 (over TLS) server addresses, host:port
	CA       string   // the server's certificate, PEM
	N        int      // idle transfers (A, C, C2, Eidle) or requests (B, Ehs, H)
	Size     int64    // bytes of the active transfer (A, D, S); decoded bytes (Dgz)
	Conc     int      // transfers in flight (B, Ehs, H); streams per connection (C2)
	Buf      int      // read size of the active transfer (A, S)
	Gap      int      // µs the server waits after each byte of the active transfer (S)
	Proxy    string   // the HTTP proxy to tunnel through (P), host:port
	Path     string   // the request target (P)
}

// ParseFlags reads the command line shared by the Go clients.
func ParseFlags() *Config {
	c := &Config{}
	var addrs, tlsAddrs, h2Addrs string
	flag.StringVar(&c.Workload, "w", "", "workload: A, B, C, C2, D, Dgz, Ehs, Eidle, H, S")
	flag.StringVar(&c.Mode, "mode", "", "variant of the workload")
	flag.StringVar(&addrs, "addrs", "", "plain server addresses, comma-separated")
	flag.StringVar(&tlsAddrs, "tlsaddrs", "", "TLS server addresses, comma-separated")
	flag.StringVar(&h2Addrs, "h2addrs", "", "HTTP/2 (TLS) server addresses, comma-separated")
	flag.StringVar(&c.CA, "ca", "", "server certificate (PEM)")
	flag.IntVar(&c.N, "n", 0, "idle transfers or requests")
	flag.Int64Var(&c.Size, "size", 100<<20, "bytes of the active transfer")
	flag.IntVar(&c.Conc, "conc", 100, "transfers in flight")
	flag.IntVar(&c.Buf, "buf", 1024, "read size of the active transfer (A, S)")
	flag.IntVar(&c.Gap, "gap", 100, "µs between the bytes of the active transfer (S)")
	flag.StringVar(&c.Proxy, "proxy", "", "HTTP proxy to tunnel through, host:port (P)")
	flag.StringVar(&c.Path, "path", "/small", "request target (P)")
	flag.Parse()
	c.Addrs = splitList(addrs)
	c.TLSAddrs = splitList(tlsAddrs)
	c.H2Addrs = splitList(h2Addrs)
	return c
}

// ActivePath returns the request target of the active transfer of workload A (a stream
// of c.Size bytes) or S (c.Size bytes, one per write, c.Gap µs apart).
func (c *Config) ActivePath() string {
	if c.Workload == "S" {
		return fmt.Sprintf("/paced?n=%d&gap=%d", c.Size, c.Gap)
	}
	return fmt.Sprintf("/bytes?n=%d", c.Size)
}

// DPath returns the request target of workload D (c.Size bytes) or Dgz (the server's /gz
// body, which decodes to c.Size bytes).
func (c *Config) DPath() string {
	if c.Workload == "Dgz" {
		return "/gz"
	}
	return fmt.Sprintf("/bytes?n=%d", c.Size)
}

// ActiveReads returns how many reads the active body takes: one per c.Buf bytes in A, one
// per byte in S. It sizes the per-call samples, so that recording them does not allocate.
func (c *Config) ActiveReads() int {
	if c.Workload == "S" {
		return int(c.Size)
	}
	return int(c.Size / int64(max(c.Buf, 1)))
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// TLSConfig returns the client configuration every Go client uses: the server's
// certificate as the only root, and X25519 alone (what OpenSSL 3.0 offers by default), so
// every client does the same key exchange.
func (c *Config) TLSConfig() *tls.Config {
	pemBytes, err := os.ReadFile(c.CA)
	if err != nil {
		Fatalf("reading -ca: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		Fatalf("no certificate in %s", c.CA)
	}
	return &tls.Config{RootCAs: pool, CurvePreferences: []tls.CurveID{tls.X25519}}
}
