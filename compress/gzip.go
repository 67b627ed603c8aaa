package compress

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// DefaultGzipLevel is the level ByName uses for gzip: klauspost's default,
// a good balance of speed and ratio for log text.
const DefaultGzipLevel = gzip.DefaultCompression

type gzipCodec struct {
	level int
	err   error
}

// gzipStates are the process's pools of gzip encoders, one per level,
// shared by every codec of that level.
var gzipStates [gzip.BestCompression - gzip.StatelessCompression + 1]sync.Pool // of *gzipState

type gzipState struct {
	zw  *gzip.Writer
	out appendWriter
}

// Gzip returns a codec that writes each frame as one gzip member, at level
// -3 (stateless) to 9 (best); -1 is the default. Concatenated members are a
// valid gzip file: gzip -dc decodes the whole object. An out-of-range level
// is reported by Validate and Encode as ErrInvalidLevel.
func Gzip(level int) Codec {
	c := &gzipCodec{level: level}
	if level < gzip.StatelessCompression || level > gzip.BestCompression {
		c.err = fmt.Errorf("%w: gzip level %d (want %d to %d)", ErrInvalidLevel, level, gzip.StatelessCompression, gzip.BestCompression)
	}
	return c
}

func (c *gzipCodec) Name() string      { return "gzip" }
func (c *gzipCodec) Extension() string { return ".gz" }
func (c *gzipCodec) MediaType() string { return "application/gzip" }

// MaxEncodedLen: deflate falls back to stored blocks, 5 bytes of header for
// each, behind gzip's 10-byte header and before its 8-byte trailer (zlib's
// deflateBound counts a block per 16 KiB; more blocks than that only make
// the bound safer).
func (c *gzipCodec) MaxEncodedLen(n int) int { return n + 5*(n/16383+1) + 18 + 64 }
func (c *gzipCodec) Validate() error         { return c.err }

func (c *gzipCodec) Encode(dst, src []byte) ([]byte, error) {
	if c.err != nil {
		return dst, c.err
	}
	if len(src) == 0 {
		return dst, nil
	}
	pool := &gzipStates[c.level-gzip.StatelessCompression]
	st, _ := pool.Get().(*gzipState)
	if st == nil {
		st = &gzipState{}
		zw, err := gzip.NewWriterLevel(&st.out, c.level)
		if err != nil {
			return dst, fmt.Errorf("compress: gzip: %w", err)
		}
		st.zw = zw
	}
	st.out.b = dst
	st.zw.Reset(&st.out)
	_, err := st.zw.Write(src)
	if err == nil {
		err = st.zw.Close()
	}
	dst, st.out.b = st.out.b, nil
	pool.Put(st)
	if err != nil {
		return dst, fmt.Errorf("compress: gzip: %w", err)
	}
	return dst, nil
}
