package compress

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Magic numbers that open a frame of each format.
var (
	gzipMagic   = []byte{0x1f, 0x8b}
	zstdMagic   = []byte{0x28, 0xb5, 0x2f, 0xfd}
	s2Magic     = []byte("\xff\x06\x00\x00S2sTwO")
	snappyMagic = []byte("\xff\x06\x00\x00sNaPpY")
)

// Detect returns the name of the codec whose frame begins b ("gzip",
// "zstd", "s2"), or "none" when b begins with none of their magic numbers.
// b needs at most 10 bytes.
func Detect(b []byte) string {
	switch {
	case bytes.HasPrefix(b, gzipMagic):
		return "gzip"
	case bytes.HasPrefix(b, zstdMagic), isZstdSkippable(b):
		return "zstd"
	case bytes.HasPrefix(b, s2Magic), bytes.HasPrefix(b, snappyMagic):
		return "s2"
	}
	return "none"
}

// isZstdSkippable reports whether b opens a zstd skippable frame, whose
// magic is 0x184D2A50 to 0x184D2A5F, little-endian.
func isZstdSkippable(b []byte) bool {
	return len(b) >= 4 && b[0]&0xf0 == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18
}

// NewReader returns a reader of the decoded contents of r, an object made of
// frames of one codec, which it detects from the first bytes (see Detect).
// Bytes that open with no known magic number are passed through unchanged,
// so an uncompressed object reads as itself. Close releases the decoder; it
// does not close r.
func NewReader(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(len(s2Magic))
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("compress: detect codec: %w", err)
	}
	switch Detect(head) {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("compress: gzip: %w", err)
		}
		return zr, nil
	case "zstd":
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("compress: zstd: %w", err)
		}
		return zr.IOReadCloser(), nil
	case "s2":
		return io.NopCloser(s2.NewReader(br)), nil
	}
	return io.NopCloser(br), nil
}
