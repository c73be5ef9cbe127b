package http2

// Limits and defaults. The limits are fixed; the defaults apply to the zero
// fields of a [Config].
const (
	// MaxHeaderBlockBytes bounds the encoded bytes of one header block,
	// HEADERS and all its CONTINUATION frames together (padding and
	// priority fields excluded). Beyond it the connection ends with
	// [ErrHeaderTooLarge]: a CONTINUATION flood costs memory and time
	// bounded by this, not by the server.
	MaxHeaderBlockBytes = 100 << 10

	// MaxHeaderListSize bounds the decoded size of one header block as
	// RFC 9113 counts it (name + value + 32 per field), and the length of
	// any one HPACK string. It is advertised as
	// SETTINGS_MAX_HEADER_LIST_SIZE, the same 100 KiB as the HTTP/1.1
	// response header limit.
	MaxHeaderListSize = 100 << 10

	// MaxHeaderFields bounds the number of fields in one header block.
	MaxHeaderFields = 1000

	// MaxInterimResponses bounds the 1xx responses before the final one.
	MaxInterimResponses = 100

	// HeaderTableSize is the HPACK dynamic table size advertised in
	// SETTINGS_HEADER_TABLE_SIZE (the protocol default); a table size
	// update above it is a COMPRESSION_ERROR.
	HeaderTableSize = 4096

	// MaxIdleFrames bounds frames that carry no response: PING, SETTINGS,
	// PRIORITY, WINDOW_UPDATE and RST_STREAM on closed streams, DATA
	// without payload or END_STREAM (DATA with payload on a closed stream
	// is not counted either way: after a reset the server may still have a
	// window of it in flight), empty CONTINUATION fragments,
	// frames of unknown type, header blocks of closed streams. Each such
	// frame spends one credit; each DATA frame with payload and each
	// response header block gives one back, up to this many. When no
	// credit is left the connection ends with [ErrFlood] and
	// ENHANCE_YOUR_CALM. So idle frames never outnumber useful ones by
	// more than MaxIdleFrames.
	MaxIdleFrames = 1000

	// MaxOutboundBytes bounds [ClientConn.Outbound] for frames this client
	// sends on its own (SETTINGS and PING acknowledgements, resets,
	// window updates): queuing one while more than this waits unsent ends
	// the connection with [ErrFlood], as the server sends faster than it
	// reads. [ClientConn.WriteData] accepts body bytes only while less
	// than a quarter of it waits.
	MaxOutboundBytes = 1 << 20

	// DefaultMaxConcurrentStreams is the streams this client opens on one
	// connection at most, unless Config says otherwise; a lower
	// SETTINGS_MAX_CONCURRENT_STREAMS from the server wins. Until the
	// server's SETTINGS arrived no more than this many are opened.
	DefaultMaxConcurrentStreams = 100

	// DefaultStreamWindow is the initial receive window of a stream,
	// advertised as SETTINGS_INITIAL_WINDOW_SIZE.
	DefaultStreamWindow = 64 << 10

	// DefaultMaxStreamWindow is the size a stream's receive window grows
	// to at most while the application keeps up with the data.
	DefaultMaxStreamWindow = 10 << 20

	// DefaultConnWindow is the connection's receive window, opened with a
	// WINDOW_UPDATE right after the preface. It bounds the response bytes
	// held unconsumed by all streams of the connection together.
	DefaultConnWindow = 32 << 20

	// DefaultMaxFrameSize is the SETTINGS_MAX_FRAME_SIZE advertised: the
	// protocol's default and least value.
	DefaultMaxFrameSize = 16 << 10

	maxWindow      = 1<<31 - 1
	maxFrameSizeHi = 1<<24 - 1
)

// Config holds the choices of a [ClientConn]; its zero value uses the
// defaults.
type Config struct {
	// MaxConcurrentStreams: 0 is DefaultMaxConcurrentStreams.
	MaxConcurrentStreams int

	// StreamWindow is the initial receive window of each stream, at least
	// 65535 (smaller values are raised to it, as the server may use
	// 65535 until it acknowledged our SETTINGS); 0 is
	// DefaultStreamWindow.
	StreamWindow int

	// MaxStreamWindow is the receive window a stream may grow to; 0 is
	// DefaultMaxStreamWindow. A value below StreamWindow disables growth.
	MaxStreamWindow int

	// ConnWindow is the connection's receive window, at least 65535 and
	// at most 2^31-1; 0 is DefaultConnWindow.
	ConnWindow int

	// MaxFrameSize is advertised as SETTINGS_MAX_FRAME_SIZE, from 16384
	// to 2^24-1; 0 is DefaultMaxFrameSize.
	MaxFrameSize int
}

// norm returns cfg with defaults filled in and values brought within range.
func (cfg Config) norm() Config {
	if cfg.MaxConcurrentStreams <= 0 {
		cfg.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	if cfg.StreamWindow == 0 {
		cfg.StreamWindow = DefaultStreamWindow
	}
	cfg.StreamWindow = min(max(cfg.StreamWindow, 65535), maxWindow)
	if cfg.MaxStreamWindow == 0 {
		cfg.MaxStreamWindow = DefaultMaxStreamWindow
	}
	cfg.MaxStreamWindow = min(max(cfg.MaxStreamWindow, cfg.StreamWindow), maxWindow)
	if cfg.ConnWindow == 0 {
		cfg.ConnWindow = DefaultConnWindow
	}
	cfg.ConnWindow = min(max(cfg.ConnWindow, 65535), maxWindow)
	if cfg.MaxFrameSize == 0 {
		cfg.MaxFrameSize = DefaultMaxFrameSize
	}
	cfg.MaxFrameSize = min(max(cfg.MaxFrameSize, DefaultMaxFrameSize), maxFrameSizeHi)
	return cfg
}

// Settings are the values of the server's SETTINGS, or their defaults
// until it sent them.
type Settings struct {
	HeaderTableSize      uint32
	MaxConcurrentStreams uint32 // 2^32-1 when the server set no limit
	InitialWindowSize    uint32
	MaxFrameSize         uint32
	MaxHeaderListSize    uint32 // 2^32-1 when the server set no limit
}

// defaultSettings are the values RFC 9113 section 6.5.2 assumes.
var defaultSettings = Settings{
	HeaderTableSize:      4096,
	MaxConcurrentStreams: 1<<32 - 1,
	InitialWindowSize:    65535,
	MaxFrameSize:         16384,
	MaxHeaderListSize:    1<<32 - 1,
}
