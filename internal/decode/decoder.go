package decode

import (
	"bufio"
	"compress/flate"
	"io"
	"iter"
	"sync"
)

// ChunkSize is the most decoded bytes [Decoder.Output] returns at once, the
// size of the output buffer a decoding Decoder holds. It is curl's
// CURL_MAX_WRITE_SIZE: a Write callback never gets more than this.
const ChunkSize = 16 << 10

// stackBufSize is the buffer between two layers of a stack of codings.
const stackBufSize = 4 << 10

// Decoder undoes the content codings of one response body, without blocking
// and without a goroutine of its own.
//
// The caller feeds the coded body with [Decoder.Feed] and [Decoder.FeedEOF],
// and takes the decoded bytes with [Decoder.Output] and [Decoder.Consumed]:
//
//	d.Feed(coded)
//	for {
//		out, err := d.Output()
//		if err != nil { ... } // io.EOF: the body ended well
//		if len(out) == 0 { break } // needs more input
//		... deliver out; to pause, stop here without Consumed ...
//		d.Consumed(len(out))
//	}
//	d.Keep() // when coded is about to be reused while unread bytes remain
//
// The decoding runs in a coroutine ([iter.Pull]) that exists from the first
// Output after input until the end of the stream, a failure or
// [Decoder.Close]. Close must be called when the transfer ends early, or the
// coroutine stays suspended; calling it after the end is harmless and frees
// the Decoder's memory at once.
//
// A Decoder is not safe for concurrent use. Its calls must come from the
// same goroutine state: a goroutine locked to its OS thread
// (runtime.LockOSThread) must keep that lock while the coroutine exists.
type Decoder struct {
	codings [MaxCodings]Coding
	n       int // codings in use

	src source

	// Decoded bytes are out[start:end]. The coroutine appends at end and, when
	// start == end, moves both back to 0; Consumed advances start.
	out        *[ChunkSize]byte
	start, end int

	state   state
	err     error // final result once state == stateDone: io.EOF or the failure
	failure error // the first failure inside the stack of layers

	// The coroutine; nil unless state == stateRunning.
	next func() (struct{}, bool)
	stop func()

	layers [MaxCodings]layer
}

type state uint8

const (
	stateNew     state = iota // no coroutine yet
	stateRunning              // coroutine suspended: waiting for input or for out to drain
	stateDone                 // the stream ended or failed; err is final
	stateClosed               // Close was called
)

// NewDecoder returns a Decoder for a body coded with codings, in the order
// the server applied them (as [Parse] returns them). It panics unless there
// are 1 to [MaxCodings] codings, all known. No memory beyond the Decoder
// itself is taken before the first input.
func NewDecoder(codings []Coding) *Decoder {
	if len(codings) == 0 || len(codings) > MaxCodings {
		panic("decode: NewDecoder needs 1 to MaxCodings codings")
	}
	d := &Decoder{n: len(codings)}
	for i, c := range codings {
		if c < Gzip || c > Zstd {
			panic("decode: NewDecoder: unknown coding " + c.String())
		}
		d.codings[i] = c
	}
	return d
}

// Feed hands coded body bytes to the Decoder. It does not copy p: the
// Decoder reads p in place, so p must stay unchanged until Output has
// reported that it needs input (no bytes and no error), or until
// [Decoder.Keep] has been called. Feeding again while unread bytes remain
// copies both. Input after FeedEOF, the end of the stream or Close is
// dropped.
func (d *Decoder) Feed(p []byte) {
	if d.src.eof || d.state >= stateDone {
		return
	}
	d.src.feed(p)
}

// FeedEOF records the end of the coded body. Output then returns the rest of
// the decoded bytes and io.EOF if the stream was complete, or an error
// matching [ErrTruncated] if it was not. A body with no bytes at all decodes
// to nothing, with io.EOF (a HEAD reply, or 204, may carry Content-Encoding).
func (d *Decoder) FeedEOF() {
	d.src.eof = true
}

// Keep copies the fed bytes that are not decoded yet into memory the Decoder
// owns, so that the slice given to Feed may be reused. It costs nothing when
// all of them were read. A loop that stops taking Output before it reports
// that it needs input (a paused transfer) calls Keep before its read buffer
// changes.
func (d *Decoder) Keep() {
	d.src.keep()
}

// Output returns decoded bytes waiting to be delivered, decoding more of the
// fed input when there are none. It returns:
//
//   - up to [ChunkSize] bytes and a nil error: deliver them and report it with
//     [Decoder.Consumed]; until then, Output returns the same bytes again (a
//     paused transfer stops here and calls Output again on resume).
//   - no bytes and a nil error: all the input fed so far is decoded; Feed
//     more (or FeedEOF).
//   - no bytes and io.EOF: the body ended (FeedEOF) and its stream was
//     complete.
//   - no bytes and another error: the stream is corrupt ([ErrCorrupt],
//     [ErrTruncated], [ErrTrailingData]), or the Decoder was closed
//     ([ErrClosed]). Decoded bytes that came before the failure are
//     returned first. The error is final.
//
// The bytes belong to the Decoder: they are valid until the next call of
// Consumed, Output, Feed or Close.
func (d *Decoder) Output() ([]byte, error) {
	if d.start < d.end {
		return d.out[d.start:d.end], nil
	}
	switch d.state {
	case stateClosed:
		return nil, ErrClosed
	case stateDone:
		d.releaseOut()
		return nil, d.err
	case stateNew:
		if len(d.src.b) == 0 {
			if !d.src.eof {
				return nil, nil
			}
			d.finish(io.EOF) // an empty body
			return nil, io.EOF
		}
		d.start, d.end = 0, 0
		d.out = outPool.Get().(*[ChunkSize]byte)
		d.next, d.stop = iter.Pull(d.run)
		d.state = stateRunning
	case stateRunning:
		if d.src.waiting && len(d.src.b) == 0 && !d.src.eof {
			return nil, nil // resuming would only yield again
		}
	}
	if _, more := d.next(); !more {
		// run has returned and set the state; the coroutine is gone.
		d.next, d.stop = nil, nil
		d.releaseStack()
	}
	if d.start < d.end {
		return d.out[d.start:d.end], nil
	}
	if d.state == stateDone {
		d.releaseOut()
		return nil, d.err
	}
	return nil, nil
}

// Consumed reports that the first n bytes returned by Output were delivered.
// It panics if n is more than Output returned.
func (d *Decoder) Consumed(n int) {
	if n < 0 || n > d.end-d.start {
		panic("decode: Consumed more bytes than Output returned")
	}
	d.start += n
}

// Close ends the Decoder: a suspended coroutine is stopped, and the
// libraries' readers, the output buffer and any kept input are released.
// Output then returns [ErrClosed]. Close may be called at any time, and more
// than once.
func (d *Decoder) Close() {
	if d.state == stateClosed {
		return
	}
	if d.state == stateRunning {
		stop := d.stop
		d.next, d.stop = nil, nil
		stop() // the coroutine resumes, its reads fail, run returns
		d.releaseStack()
	}
	d.releaseOut()
	d.src.release()
	d.state = stateClosed
}

// run is the body of the coroutine: it reads the decoded stream into out
// until out is full (then yields until the caller has taken it) or the stream
// ends. The source yields from inside the libraries when it has no input.
func (d *Decoder) run(yield func(struct{}) bool) {
	d.src.yield = yield
	defer func() {
		d.src.yield = nil
		if d.state == stateRunning {
			// A panic is unwinding through the coroutine; it reaches the
			// caller of Output. The stream is over.
			d.finish(errAborted)
		}
	}()
	top := d.build()
	idle := 0
	for {
		if d.start == d.end {
			d.start, d.end = 0, 0
		}
		if d.end == len(d.out) {
			if !yield(struct{}{}) {
				d.finish(errStopped)
				return
			}
			continue
		}
		n, err := top.Read(d.out[d.end:])
		d.end += n
		if err != nil {
			d.finish(err)
			return
		}
		if idle = idle + 1; n > 0 {
			idle = 0
		} else if idle == 100 {
			d.finish(errNoProgress)
			return
		}
	}
}

// build links the layers, the last coding applied reading from the source,
// and returns the reader of the decoded body.
func (d *Decoder) build() io.Reader {
	var in flate.Reader = &d.src
	for i := d.n - 1; i >= 0; i-- {
		l := &d.layers[i]
		*l = layer{d: d, coding: d.codings[i], in: in}
		if i > 0 {
			in = bufio.NewReaderSize(l, stackBufSize)
		}
	}
	return &d.layers[0]
}

// finish ends the stream with err (io.EOF: a clean end).
func (d *Decoder) finish(err error) {
	if err != io.EOF && d.failure != nil {
		err = d.failure
	}
	d.state, d.err = stateDone, err
}

// releaseStack drops what only the coroutine used: the layers and the input.
func (d *Decoder) releaseStack() {
	for i := range d.layers[:d.n] {
		d.layers[i].release()
	}
	d.src.release()
}

// releaseOut hands the output buffer back to the pool.
func (d *Decoder) releaseOut() {
	if d.out != nil {
		outPool.Put(d.out)
		d.out, d.start, d.end = nil, 0, 0
	}
}

// outPool holds output buffers between transfers.
var outPool = sync.Pool{New: func() any { return new([ChunkSize]byte) }}
