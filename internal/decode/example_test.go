package decode_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/xfer-go/xfer/internal/decode"
)

// This example decodes a gzip body that arrives in small pieces, the way an
// event loop hands a Decoder what each read of the socket returned.
func Example() {
	var coded bytes.Buffer
	zw := gzip.NewWriter(&coded)
	zw.Write([]byte("hello, decoded world\n"))
	zw.Close()

	codings, err := decode.Parse([]string{"gzip"})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := decode.NewDecoder(codings)
	defer d.Close()

	var body []byte
	deliver := func() error { // take decoded bytes until the Decoder needs input
		for {
			p, err := d.Output()
			if err != nil || len(p) == 0 {
				return err
			}
			body = append(body, p...) // a Write callback
			d.Consumed(len(p))
		}
	}
	readBuf := make([]byte, 8) // the loop's read buffer, reused for every read
	for in := coded.Bytes(); len(in) > 0; {
		n := copy(readBuf, in)
		in = in[n:]
		d.Feed(readBuf[:n])
		if err := deliver(); err != nil {
			fmt.Println(err)
			return
		}
	}
	d.FeedEOF() // the body ended
	if err := deliver(); err != io.EOF {
		fmt.Println("bad content encoding:", err)
		return
	}
	fmt.Printf("%s", body)
	// Output: hello, decoded world
}

// This example pauses delivery, as when a Write callback returns ErrPause:
// the decoded bytes stay in the Decoder and come back on resume, and Keep
// lets the loop reuse its read buffer meanwhile.
func ExampleDecoder_Keep() {
	var coded bytes.Buffer
	zw := gzip.NewWriter(&coded)
	zw.Write(bytes.Repeat([]byte("0123456789"), 5000)) // 50000 bytes
	zw.Close()

	d := decode.NewDecoder([]decode.Coding{decode.Gzip})
	defer d.Close()
	readBuf := bytes.Clone(coded.Bytes())
	d.Feed(readBuf)
	d.FeedEOF()

	p, _ := d.Output()
	fmt.Println("first chunk:", len(p))
	// The application pauses: stop taking output, keep the unread input.
	d.Keep()
	clear(readBuf)

	// Later, resume: the same chunk comes first.
	total := 0
	for {
		p, err := d.Output()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		total += len(p)
		d.Consumed(len(p))
	}
	fmt.Println("total:", total)
	// Output:
	// first chunk: 16384
	// total: 50000
}

// This example shows the errors for a reply the client cannot decode.
func ExampleParse() {
	_, err := decode.Parse([]string{"gzip", "compress"})
	fmt.Println(err, errors.Is(err, decode.ErrUnknownCoding))
	_, err = decode.Parse([]string{"gzip, gzip, br, br, zstd", "deflate"})
	fmt.Println(err, errors.Is(err, decode.ErrTooManyCodings))
	codings, _ := decode.Parse([]string{"x-gzip, identity", "br"})
	fmt.Println(codings)
	// Output:
	// decode: unknown content coding "compress" true
	// decode: more than 5 content codings true
	// [gzip br]
}
