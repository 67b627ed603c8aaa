package osstest

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// A blob is the bytes of an object or a part on their way into the store:
// in memory, or, when the server persists, in a staging file of its
// directory that the store renames into place.
type blob struct {
	size int64
	crc  uint64
	md5  []byte // nil unless it was asked for
	data []byte // in memory
	path string // on disk
}

// discard removes the staging file of a blob the store did not take.
func (b *blob) discard() {
	if b != nil && b.path != "" {
		_ = os.Remove(b.path)
	}
}

// open returns the blob's bytes.
func (b *blob) open() (io.ReadCloser, error) {
	if b.path == "" {
		return io.NopCloser(bytes.NewReader(b.data)), nil
	}
	f, err := os.Open(b.path)
	if err != nil {
		return nil, fmt.Errorf("osstest: %w", err)
	}
	return f, nil
}

// errBodyRead marks a failure to read a request's body: the client's
// trouble, not the server's.
var errBodyRead = errors.New("read request body")

// clientBody is a request's body, whose read errors wrap errBodyRead.
type clientBody struct{ r io.Reader }

func (b clientBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", errBodyRead, err)
	}
	return n, err
}

// copyBuffers are the buffers bodies are copied through.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// sums is what copySummed learns of the bytes it copies.
type sums struct {
	n   int64
	crc uint64
	md5 []byte
}

// copySummed copies at most limit bytes of src to dst, with their CRC-64
// and, if wantMD5, their MD5. More than limit bytes is tooLarge.
func copySummed(dst io.Writer, src io.Reader, limit int64, wantMD5 bool, tooLarge error) (sums, error) {
	crc := oss.NewCRC64(0)
	var md hash.Hash
	w := io.MultiWriter(dst, crc)
	if wantMD5 {
		md = md5.New()
		w = io.MultiWriter(dst, crc, md)
	}
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	var s sums
	for {
		n, rerr := src.Read(*buf)
		if n > 0 {
			if s.n+int64(n) > limit {
				return s, tooLarge
			}
			if _, err := w.Write((*buf)[:n]); err != nil {
				return s, fmt.Errorf("osstest: %w", err)
			}
			s.n += int64(n)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return s, fmt.Errorf("osstest: read: %w", rerr)
		}
	}
	s.crc = crc.Sum64()
	if md != nil {
		s.md5 = md.Sum(nil)
	}
	return s, nil
}

// stage reads at most limit bytes of r into a new blob: in memory if path
// is "", else in a new file at path, fsynced. More than limit bytes is
// tooLarge.
func stage(r io.Reader, path string, limit int64, wantMD5 bool, tooLarge error) (*blob, error) {
	if path == "" {
		var buf bytes.Buffer
		s, err := copySummed(&buf, r, limit, wantMD5, tooLarge)
		if err != nil {
			return nil, err
		}
		return &blob{size: s.n, crc: s.crc, md5: s.md5, data: buf.Bytes()}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("osstest: %w", err)
	}
	s, err := copySummed(f, r, limit, wantMD5, tooLarge)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, err
	}
	return &blob{size: s.n, crc: s.crc, md5: s.md5, path: path}, nil
}

// drain reads and forgets at most limit bytes of r, so that an error can
// be answered on a connection the client may keep using.
func drain(r io.Reader, limit int64) {
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	_, _ = io.CopyBuffer(io.Discard, io.LimitReader(r, limit), *buf)
}
