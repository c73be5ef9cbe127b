package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"os"
)

// Workload Dgz: a body of text-like bytes, gzip-coded once when the server starts (-gz N),
// so that the server's compression is not in what is measured, and served by /gz with
// "Content-Encoding: gzip" and the coded length to a client whose Accept-Encoding names
// gzip. The coded body can be kept in a file (-gzcache) that later servers read instead of
// compressing again: the orchestrator starts a fresh server for every run.

// gzBody is the coded body.
var gzBody []byte

// gzVersion names the content and the compression: a cache file of another version is
// not read.
const gzVersion = "text1-gzip6"

// prepareGz makes gzBody for a decoded body of n bytes, or reads it from cache when that
// file holds the same version and size.
func prepareGz(n int64, cache string) {
	if cache != "" {
		if b, err := os.ReadFile(cache); err == nil && validGz(b, n) {
			gzBody = b
			return
		}
	}
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.DefaultCompression)
	zw.Comment = gzVersion
	writeText(zw, n)
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	gzBody = out.Bytes()
	if cache != "" {
		tmp := cache + ".tmp"
		if err := os.WriteFile(tmp, gzBody, 0o644); err == nil {
			os.Rename(tmp, cache)
		}
	}
	log.Printf("gzip: %d bytes coded to %d (%.2f×)", n, len(gzBody), float64(n)/float64(len(gzBody)))
}

// validGz reports whether b is a gzip body of this version that decodes to n bytes
// (by its header's comment and its trailer's length modulo 2³²).
func validGz(b []byte, n int64) bool {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil || zr.Comment != gzVersion || len(b) < 8 {
		return false
	}
	return binary.LittleEndian.Uint32(b[len(b)-4:]) == uint32(n)
}

// writeText writes n bytes of text-like content to w: lines of about 75 characters of
// words drawn, with a skewed distribution, from a vocabulary of 1,024 made-up words of 2
// to 9 letters (common letters more often). gzip at its default level codes it about
// 3× smaller, as it does prose; it is random enough not to repeat within deflate's window.
func writeText(w io.Writer, n int64) {
	r := rand.New(rand.NewPCG(1, 2))
	const letters = "etaoinshrdlcumwfgypbvkjxqz"
	vocab := make([][]byte, 1024)
	for i := range vocab {
		word := make([]byte, 2+r.IntN(8))
		for j := range word {
			word[j] = letters[r.IntN(26)*r.IntN(26)/26]
		}
		vocab[i] = word
	}
	buf := make([]byte, 0, 64<<10)
	col := 0
	for n > 0 {
		x := r.Float64()
		word := vocab[int(x*x*x*float64(len(vocab)))]
		buf = append(buf, word...)
		col += len(word) + 1
		if col > 72 {
			buf, col = append(buf, '\n'), 0
		} else {
			buf = append(buf, ' ')
		}
		if len(buf) >= 60<<10 || int64(len(buf)) >= n {
			k := min(int64(len(buf)), n)
			w.Write(buf[:k])
			n -= k
			buf = buf[:0]
		}
	}
}

// sendGz answers /gz: the coded body to a client that accepts gzip, 406 to one that does
// not (so that a client that would not decode fails loudly rather than count coded bytes).
func sendGz(c net.Conn, acceptGzip bool) error {
	if gzBody == nil {
		_, err := fmt.Fprintf(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
		return err
	}
	if !acceptGzip {
		_, err := fmt.Fprintf(c, "HTTP/1.1 406 Not Acceptable\r\nContent-Length: 0\r\n\r\n")
		return err
	}
	if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n", len(gzBody)); err != nil {
		return err
	}
	_, err := c.Write(gzBody)
	return err
}
