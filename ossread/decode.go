package ossread

import (
	"bytes"
	"fmt"
	"io"

	"github.com/ossappend/ossappend/compress"
)

// maxMagic is how many bytes compress.Detect needs at most.
const maxMagic = 10

// decoder decodes the object a Follower reads, for a Follower or a Reader
// made with WithDecode. The codec is the one recorded with the object when
// an ossappend writer created it (x-oss-meta-ossappend-codec), which the
// Follower's first HeadObject reports; an object recorded as "none" passes
// through as stored, whatever its bytes. Only an object without a record
// (another tool wrote it) has its codec detected from its first bytes.
type decoder struct {
	f   *Follower
	dec io.ReadCloser // set by the first Read
	err error         // sticky, once the first Read failed
}

func newDecoder(f *Follower) *decoder { return &decoder{f: f} }

func (d *decoder) Read(p []byte) (int, error) {
	if d.dec == nil {
		if d.err == nil {
			d.err = d.start()
		}
		if d.err != nil {
			return 0, d.err
		}
	}
	return d.dec.Read(p)
}

func (d *decoder) Close() error {
	if d.dec != nil {
		return d.dec.Close()
	}
	return nil
}

// start reads the object's first bytes, which makes the Follower ask OSS
// for the object and its record, and sets up the decoding.
func (d *decoder) start() error {
	head := make([]byte, 0, maxMagic)
	n, err := d.f.read(head[:cap(head)])
	head = head[:n]
	if n == 0 {
		return err
	}
	codec := d.f.end.Codec
	// A recorded codec other than none must open with its magic number:
	// read as many bytes as that takes. An append stores a whole frame, so
	// these bytes are stored already.
	for codec != "" && codec != "none" && len(head) < maxMagic && err == nil {
		n, err = d.f.read(head[len(head):cap(head)])
		head = head[:len(head)+n]
	}
	if err != nil && err != io.EOF {
		return err
	}
	src := io.MultiReader(bytes.NewReader(head), storedBytes{d.f})
	switch codec {
	case "":
		d.dec = compress.NewReader(src)
	case "none":
		d.dec = io.NopCloser(src)
	case "gzip", "zstd", "s2":
		if got := compress.Detect(head); got != codec {
			return fmt.Errorf("recorded as %s (x-oss-meta-ossappend-codec), but its bytes at %d do not begin a %s frame", codec, d.f.Offset()-int64(len(head)), codec)
		}
		d.dec = compress.NewReader(src)
	default:
		return fmt.Errorf("recorded as %q (x-oss-meta-ossappend-codec), a codec this version cannot decode; read it as stored, without WithDecode", codec)
	}
	return nil
}

// storedBytes reads the bytes of a Follower as stored.
type storedBytes struct{ f *Follower }

func (s storedBytes) Read(p []byte) (int, error) { return s.f.read(p) }
