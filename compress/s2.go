package compress

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/klauspost/compress/s2"
)

// The S2 stream format (Snappy's framing format with S2 blocks): a stream
// identifier chunk, then one chunk per block of at most s2BlockSize input
// bytes, each carrying a masked CRC-32C of its uncompressed bytes.
const (
	s2BlockSize        = 1 << 20 // what s2.Writer uses by default
	s2ChunkCompressed  = 0x00
	s2ChunkUncompessed = 0x01
	s2ChunkHeaderLen   = 8 // type, 3-byte length, 4-byte checksum
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type s2Codec struct{}

// S2 returns a codec that writes each frame as one S2 stream (Snappy
// framing with S2 blocks of 1 MiB and CRC-32C checksums). Concatenated
// streams are a valid stream: s2d and NewReader decode the whole object.
func S2() Codec { return s2Codec{} }

func (s2Codec) Name() string      { return "s2" }
func (s2Codec) Extension() string { return ".s2" }
func (s2Codec) MediaType() string { return "application/x-s2" }

// MaxEncodedLen: the stream's magic, and each block of up to s2BlockSize
// bytes stored as it is behind a chunk header.
func (s2Codec) MaxEncodedLen(n int) int {
	return len(s2Magic) + n + (n/s2BlockSize+1)*s2ChunkHeaderLen
}

// Encode frames src itself rather than through s2.Writer, whose internal
// buffer pool allocates on every block: each block is compressed with
// s2.Encode straight into dst's spare capacity.
func (s2Codec) Encode(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst, nil
	}
	dst = append(dst, s2Magic...)
	for len(src) > 0 {
		block := src[:min(len(src), s2BlockSize)]
		src = src[len(block):]

		start := len(dst)
		dst = grow(dst, s2ChunkHeaderLen+s2.MaxEncodedLen(len(block)))
		body := s2.Encode(dst[start+s2ChunkHeaderLen:cap(dst)], block)
		kind := byte(s2ChunkCompressed)
		if len(body) >= len(block) { // incompressible: store it as is
			kind = s2ChunkUncompessed
			body = append(dst[start+s2ChunkHeaderLen:start+s2ChunkHeaderLen], block...)
		}
		n := 4 + len(body)
		dst = dst[:start+s2ChunkHeaderLen+len(body)]
		dst[start] = kind
		dst[start+1], dst[start+2], dst[start+3] = byte(n), byte(n>>8), byte(n>>16)
		c := crc32.Update(0, castagnoli, block)
		binary.LittleEndian.PutUint32(dst[start+4:], c>>15|c<<17+0xa282ead8)
	}
	return dst, nil
}

// grow returns b with room for at least n more bytes after len(b).
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), 2*cap(b)+n)
	copy(nb, b)
	return nb
}
