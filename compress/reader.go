package compress

import (
	"bufio"
	"bytes"
	"errors"
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
	magics      = [][]byte{gzipMagic, zstdMagic, s2Magic, snappyMagic}
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

// undecided reports whether head is too short to tell its codec: empty, or
// a proper prefix of a magic number.
func undecided(head []byte) bool {
	if len(head) == 0 {
		return true
	}
	for _, m := range magics {
		if len(head) < len(m) && bytes.HasPrefix(m, head) {
			return true
		}
	}
	skippable := []byte{0x50, 0x2a, 0x4d, 0x18}
	return len(head) < len(skippable) && head[0]&0xf0 == 0x50 && bytes.HasPrefix(skippable[1:], head[1:])
}

// NewReader returns a reader of the decoded contents of r, an object made
// of frames of one codec, which it detects from the first bytes (see
// Detect). Bytes that open with no known magic number pass through
// unchanged, so an uncompressed object reads as itself.
//
// The reader is prompt on a stream that grows, such as an object being
// followed while it is written (see ossappend.Follower): it waits for no
// more bytes than it needs, so each frame decodes as soon as it has
// arrived whole. The codec is detected at the first Read, which reports any
// error. Close releases the decoder; it does not close r.
func NewReader(r io.Reader) io.ReadCloser {
	return &reader{src: r}
}

type reader struct {
	src io.Reader
	dec io.Reader // the decoding reader, once the codec is known
	c   io.Closer // its Close, if any
	err error
}

var errClosed = errors.New("compress: read from a closed reader")

func (d *reader) Read(p []byte) (int, error) {
	if d.dec == nil && d.err == nil {
		d.err = d.start()
	}
	if d.err != nil {
		return 0, d.err
	}
	return d.dec.Read(p)
}

func (d *reader) Close() error {
	if d.err == nil {
		d.err = errClosed
	}
	if d.c != nil {
		return d.c.Close()
	}
	return nil
}

// start reads the first bytes, just as many as it takes to tell the codec,
// and sets up its decoder.
func (d *reader) start() error {
	head := make([]byte, 0, 16)
	for undecided(head) {
		n, err := d.src.Read(head[len(head):cap(head)])
		head = head[:len(head)+n]
		if err == io.EOF {
			if len(head) == 0 {
				return io.EOF
			}
			break
		}
		if err != nil {
			return fmt.Errorf("compress: detect codec: %w", err)
		}
	}
	src := io.MultiReader(bytes.NewReader(head), d.src)
	switch Detect(head) {
	case "gzip":
		g := &gzipMembers{br: bufio.NewReaderSize(src, 64<<10)}
		d.dec, d.c = g, g
	case "zstd":
		zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return fmt.Errorf("compress: zstd: %w", err)
		}
		rc := zr.IOReadCloser()
		d.dec, d.c = rc, rc
	case "s2":
		d.dec = s2.NewReader(src)
	default:
		d.dec = src
	}
	return nil
}

// gzipMembers decodes concatenated gzip members one at a time. The gzip
// reader's multistream mode reads the next member's header before it
// returns the end of a member, which would hold a growing object's last
// frame back until the next one is stored.
type gzipMembers struct {
	br     *bufio.Reader
	zr     *gzip.Reader
	member bool // within a member
}

func (g *gzipMembers) Read(p []byte) (int, error) {
	for {
		if !g.member {
			var err error
			if g.zr == nil {
				g.zr, err = gzip.NewReader(g.br)
			} else {
				err = g.zr.Reset(g.br)
			}
			if err != nil {
				if err != io.EOF {
					err = fmt.Errorf("compress: gzip: %w", err)
				}
				return 0, err // io.EOF between members is the end
			}
			g.zr.Multistream(false)
			g.member = true
		}
		n, err := g.zr.Read(p)
		if err == io.EOF {
			g.member = false
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (g *gzipMembers) Close() error {
	if g.zr != nil {
		return g.zr.Close()
	}
	return nil
}
