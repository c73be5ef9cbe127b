package proxy

import (
	"testing"
)

func BenchmarkSOCKS5Handshake(b *testing.B) {
	u, _ := Parse("socks5h://user:pw@p")
	reply := cat(5, 2, 1, 0, socks5OK4)
	b.ReportAllocs()
	for b.Loop() {
		h, _ := NewSOCKS5(u, "example.com", 443)
		h.Start()
		if _, _, done, err := h.Feed(reply); !done || err != nil {
			b.Fatal(done, err)
		}
	}
}

func BenchmarkSOCKS4Handshake(b *testing.B) {
	u, _ := Parse("socks4a://p")
	b.ReportAllocs()
	for b.Loop() {
		h, _ := NewSOCKS4(u, "example.com", 443)
		h.Start()
		if _, _, done, err := h.Feed(socks4OK); !done || err != nil {
			b.Fatal(done, err)
		}
	}
}

func BenchmarkConnectHandshake(b *testing.B) {
	u, _ := Parse("http://user:pw@p")
	reply := []byte("HTTP/1.1 200 Connection established\r\nVia: 1.1 proxy\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		h, _ := NewConnect(u, "example.com", 443, nil)
		h.Start()
		if _, _, done, err := h.Feed(reply); !done || err != nil {
			b.Fatal(done, err)
		}
	}
}

func BenchmarkNoProxyMatch(b *testing.B) {
	np := ParseNoProxy("localhost, .corp.example, 10.0.0.0/8, 192.168.0.0/16, fd00::/8, a.example, b.example, c.example")
	hosts := []string{"www.example.com", "build.eu.corp.example", "10.20.30.40", "[2001:db8::1]"}
	b.ReportAllocs()
	for b.Loop() {
		for _, h := range hosts {
			np.Match(h)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("socks5h://user:p%40ss@proxy.example:1080"); err != nil {
			b.Fatal(err)
		}
	}
}
