package decode

import (
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// ZstdMaxWindow is the largest zstd window a [Decoder] accepts: RFC 8878
// (section 3.1.1.1.2) asks decoders to support 8 MiB, and a frame that needs
// more is refused with an error matching [ErrCorrupt]. It bounds the memory
// of a zstd decoder.
const ZstdMaxWindow = 8 << 20

// layer undoes one coding. It reads coded bytes from in (the source, or the
// layer below it in the stack) through the coding's library reader, which it
// opens on the first Read, inside the coroutine, since opening reads the
// stream's header.
//
// A layer reports io.EOF only when its stream has ended and its input has
// ended too; a byte after the end of the stream is ErrTrailingData.
type layer struct {
	d      *Decoder
	coding Coding
	in     flate.Reader
	r      io.Reader // the library reader; nil until opened
	done   bool      // io.EOF was returned
	pre    prefixed  // deflate: the two sniffed bytes in front of in

	zs *zstd.Decoder // kept to be closed
}

func (l *layer) Read(p []byte) (int, error) {
	if l.done {
		return 0, io.EOF
	}
	if l.d.failure != nil {
		return 0, l.d.failure
	}
	if l.r == nil {
		if err := l.open(); err != nil {
			return 0, l.fail(err)
		}
	}
	n, err := l.r.Read(p)
	if l.coding == Brotli && isBrotliExcess(err) {
		// The brotli reader says "excessive input" at the end of a stream in two cases:
		// bytes follow the stream in what it read, or the stream's last bytes came in
		// pieces and its internal buffer still counts them, although they were used. A
		// second Read tells them apart: with bytes left over it says the same again at
		// once; otherwise it reads on from the input, and reports io.EOF at its end (a
		// byte that follows is then excess for sure).
		if _, again := l.r.Read(p[n:n]); again == io.EOF {
			err = io.EOF
		}
	}
	if err == io.EOF {
		err = l.checkEnd()
		if err == nil {
			l.done = true
			return n, io.EOF
		}
	}
	if err != nil {
		return n, l.fail(err)
	}
	return n, nil
}

// open makes the library reader for the layer's coding.
func (l *layer) open() error {
	switch l.coding {
	case Gzip:
		zr, err := gzip.NewReader(l.in)
		if err != nil {
			return err
		}
		l.r = zr
	case Deflate:
		return l.openDeflate()
	case Brotli:
		l.r = brotli.NewReader(l.in)
	case Zstd:
		zs, err := zstd.NewReader(l.in,
			zstd.WithDecoderConcurrency(1), // decodes in the caller: no goroutine
			zstd.WithDecoderMaxWindow(ZstdMaxWindow),
			zstd.WithDecoderLowmem(true))
		if err != nil {
			return err
		}
		l.r, l.zs = zs, zs
	default:
		panic("decode: unknown coding in a Decoder")
	}
	return nil
}

// openDeflate reads the first two bytes and opens a zlib reader when they
// are a zlib header (RFC 1950: compression method 8, a window of at most
// 32 KiB, a check value that makes them a multiple of 31, no preset
// dictionary), and a raw deflate reader otherwise, as browsers and curl
// accept both for "deflate".
func (l *layer) openDeflate() error {
	var err error
	if l.pre.b[0], err = l.in.ReadByte(); err != nil {
		return noEOF(err)
	}
	if l.pre.b[1], err = l.in.ReadByte(); err != nil {
		return noEOF(err)
	}
	l.pre.r = l.in
	if isZlibHeader(l.pre.b[0], l.pre.b[1]) {
		zr, err := zlib.NewReader(&l.pre)
		if err != nil {
			return err
		}
		l.r = zr
		return nil
	}
	l.r = flate.NewReader(&l.pre)
	return nil
}

func isZlibHeader(cmf, flg byte) bool {
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint(cmf)<<8|uint(flg))%31 == 0 && flg&0x20 == 0
}

// checkEnd is called when the library reports the end of its stream: the
// layer's input must end there too.
func (l *layer) checkEnd() error {
	_, err := l.in.ReadByte()
	switch err {
	case nil:
		return errTrailing
	case io.EOF:
		return nil
	}
	return err
}

// fail records the first failure of the stack, classified, and returns it.
func (l *layer) fail(err error) error {
	d := l.d
	if d.failure != nil {
		return d.failure
	}
	switch {
	case errors.Is(err, errStopped):
		d.failure = errStopped
	case err == errTrailing, isBrotliExcess(err):
		d.failure = &codingError{coding: l.coding, kind: ErrTrailingData}
	case errors.Is(err, io.ErrUnexpectedEOF):
		d.failure = &codingError{coding: l.coding, kind: ErrTruncated, cause: err}
	default:
		d.failure = &codingError{coding: l.coding, kind: ErrCorrupt, cause: err}
	}
	return d.failure
}

// release drops the library reader.
func (l *layer) release() {
	if l.zs != nil {
		l.zs.Close()
	}
	*l = layer{}
}

// isBrotliExcess reports whether err is the brotli reader's "excessive input" (an
// unexported value of the library).
func isBrotliExcess(err error) bool {
	return err != nil && err.Error() == "brotli: excessive input"
}

// errTrailing is returned by checkEnd; fail turns it into ErrTrailingData.
var errTrailing = errors.New("decode: trailing data")

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// prefixed reads two bytes already taken from r, then r.
type prefixed struct {
	b [2]byte
	i int
	r flate.Reader
}

func (p *prefixed) Read(b []byte) (int, error) {
	if p.i < len(p.b) {
		n := copy(b, p.b[p.i:])
		p.i += n
		return n, nil
	}
	return p.r.Read(b)
}

func (p *prefixed) ReadByte() (byte, error) {
	if p.i < len(p.b) {
		p.i++
		return p.b[p.i-1], nil
	}
	return p.r.ReadByte()
}
