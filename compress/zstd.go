package compress

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// DefaultZstdLevel is the level ByName uses for zstd: level 3, zstd's own
// default, which klauspost maps to its "default" speed.
const DefaultZstdLevel = 3

type zstdCodec struct {
	level int
	err   error
}

// zstdEncoders are the process's encoders, one per level, shared by every
// codec of that level: an encoder holds GOMAXPROCS block encoders and
// their windows, which a process with many writers must not multiply.
var zstdEncoders struct {
	mu  sync.Mutex
	enc map[int]*zstd.Encoder
}

// Zstd returns a codec that writes each frame as one zstd frame (with its
// content size and checksum), at a level of the zstd command's scale: 1
// (fastest) to 22 (best); 0 means DefaultZstdLevel. klauspost's encoder
// groups the levels into four speeds (1–2 fastest, 3–5 default, 6–9 better,
// 10–22 best). Concatenated frames are a valid zstd file: zstd -dc decodes
// the whole object. A level outside 0–22 is reported by Validate and Encode
// as ErrInvalidLevel.
func Zstd(level int) Codec {
	c := &zstdCodec{level: level}
	if level == 0 {
		c.level = DefaultZstdLevel
	}
	if level < 0 || level > 22 {
		c.err = fmt.Errorf("%w: zstd level %d (want 1 to 22, or 0 for the default)", ErrInvalidLevel, level)
	}
	return c
}

func (c *zstdCodec) Name() string      { return "zstd" }
func (c *zstdCodec) Extension() string { return ".zst" }
func (c *zstdCodec) MediaType() string { return "application/zstd" }

// MaxEncodedLen: zstd's own bound (ZSTD_COMPRESSBOUND: raw blocks of 128
// KiB behind 3-byte headers, and a small frame) rounded up, plus the
// checksum.
func (c *zstdCodec) MaxEncodedLen(n int) int { return n + n>>7 + 128<<10>>11 + 64 }
func (c *zstdCodec) Validate() error         { return c.err }

// encoder returns the process's encoder of c's level, building it on
// first use. One zstd.Encoder serves every goroutine: EncodeAll draws from
// its internal pool of GOMAXPROCS block encoders, so frames compress in
// parallel without allocating.
func (c *zstdCodec) encoder() (*zstd.Encoder, error) {
	if c.err != nil {
		return nil, c.err
	}
	e := &zstdEncoders
	e.mu.Lock()
	defer e.mu.Unlock()
	if enc := e.enc[c.level]; enc != nil {
		return enc, nil
	}
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(c.level)),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
		zstd.WithEncoderCRC(true),
	)
	if err != nil {
		return nil, fmt.Errorf("compress: zstd: %w", err)
	}
	if e.enc == nil {
		e.enc = map[int]*zstd.Encoder{}
	}
	e.enc[c.level] = enc
	return enc, nil
}

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	enc, err := c.encoder()
	if err != nil {
		return dst, err
	}
	if len(src) == 0 {
		return dst, nil
	}
	return enc.EncodeAll(src, dst), nil
}
