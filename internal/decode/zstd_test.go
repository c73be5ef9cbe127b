package decode

import (
	"bytes"
	"errors"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// zstdStream codes p as one streamed zstd frame that declares window.
func zstdStream(t *testing.T, p []byte, window int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(window))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(p)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestZstdWindow checks that a frame needing more than ZstdMaxWindow is
// refused, and one needing exactly that much decodes.
func TestZstdWindow(t *testing.T) {
	checkLeaks(t)
	plain := testData(1<<20, 11)
	for _, tt := range []struct {
		window int
		ok     bool
	}{{ZstdMaxWindow, true}, {2 * ZstdMaxWindow, false}, {64 << 20, false}} {
		coded := zstdStream(t, plain, tt.window)
		var h zstd.Header
		if err := h.Decode(coded); err != nil || h.WindowSize != uint64(tt.window) {
			t.Fatalf("the encoder wrote a window of %d, want %d (%v)", h.WindowSize, tt.window, err)
		}
		d := NewDecoder([]Coding{Zstd})
		got, err := decodeAll(d, coded, 16<<10)
		d.Close()
		switch {
		case tt.ok && (err != nil || !bytes.Equal(got, plain)):
			t.Errorf("window %d: %d bytes, %v", tt.window, len(got), err)
		case !tt.ok && !errors.Is(err, ErrCorrupt):
			t.Errorf("window %d: error %v, want ErrCorrupt", tt.window, err)
		case !tt.ok && !errors.Is(err, zstd.ErrWindowSizeExceeded) && !errors.Is(err, zstd.ErrDecoderSizeExceeded):
			t.Errorf("window %d: error %v does not wrap zstd's", tt.window, err)
		case !tt.ok:
			t.Logf("window %d: %v", tt.window, err)
		}
	}
}
