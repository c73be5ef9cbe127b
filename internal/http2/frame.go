package http2

import "encoding/binary"

// Frame types (RFC 9113 section 6).
const (
	frameData         = 0x0
	frameHeaders      = 0x1
	framePriority     = 0x2
	frameRSTStream    = 0x3
	frameSettings     = 0x4
	framePushPromise  = 0x5
	framePing         = 0x6
	frameGoAway       = 0x7
	frameWindowUpdate = 0x8
	frameContinuation = 0x9
)

// Frame flags.
const (
	flagEndStream  = 0x1
	flagAck        = 0x1
	flagEndHeaders = 0x4
	flagPadded     = 0x8
	flagPriority   = 0x20
)

// Setting identifiers.
const (
	settingHeaderTableSize      = 0x1
	settingEnablePush           = 0x2
	settingMaxConcurrentStreams = 0x3
	settingInitialWindowSize    = 0x4
	settingMaxFrameSize         = 0x5
	settingMaxHeaderListSize    = 0x6
)

// frameHeaderLen is the length of the fixed frame header.
const frameHeaderLen = 9

// clientPreface is the connection preface a client sends first.
const clientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// frameHeader is the fixed header of a frame.
type frameHeader struct {
	length uint32
	typ    uint8
	flags  uint8
	stream uint32 // reserved bit cleared
}

// parseFrameHeader reads a frame header from the first 9 bytes of b.
func parseFrameHeader(b []byte) frameHeader {
	_ = b[8]
	return frameHeader{
		length: uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		typ:    b[3],
		flags:  b[4],
		stream: binary.BigEndian.Uint32(b[5:9]) & (1<<31 - 1),
	}
}

// appendFrameHeader appends a frame header to dst.
func appendFrameHeader(dst []byte, length int, typ, flags uint8, stream uint32) []byte {
	return append(dst, byte(length>>16), byte(length>>8), byte(length), typ, flags,
		byte(stream>>24), byte(stream>>16), byte(stream>>8), byte(stream))
}

// appendUint32 appends v in network byte order.
func appendUint32(dst []byte, v uint32) []byte {
	return binary.BigEndian.AppendUint32(dst, v)
}

// appendSetting appends one setting of a SETTINGS payload.
func appendSetting(dst []byte, id uint16, v uint32) []byte {
	dst = binary.BigEndian.AppendUint16(dst, id)
	return appendUint32(dst, v)
}
