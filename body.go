package ossappend

import (
	"errors"
	"io"
	"sync"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// body is the bytes of one append: the encoded frames of a group, back to
// back, never copied into one buffer.
type body struct {
	group []*frame
	parts [][]byte
	n     int64
	crc   uint64 // CRC-64 of the parts, once crcDone
	done  bool
}

func newBody(group []*frame) *body {
	b := &body{group: group, parts: make([][]byte, len(group))}
	for i, f := range group {
		b.parts[i] = f.encoded
		b.n += int64(len(f.encoded))
	}
	return b
}

// Len is the length of the body.
func (b *body) Len() int64 { return b.n }

// CRC64 is the CRC-64 of the whole body, computed the first time it is
// asked for: only reconciliation needs it.
func (b *body) CRC64() uint64 {
	if !b.done {
		for i, p := range b.parts {
			crc := b.group[i].crc // a spooled frame's, taken as it was encoded
			if !b.group[i].hasCRC {
				crc = ossapi.CRC64(p)
			}
			b.crc = oss.CRC64Combine(b.crc, crc, uint64(len(p)))
		}
		b.done = true
	}
	return b.crc
}

// reader returns a reader of the body for one request, whose Len tells the
// SDK the Content-Length. The caller ends it once the request has
// returned: net/http may go on reading a request's body after it has its
// answer (a 5xx sent before the body was read, say), and the frames'
// buffers must not be read once they go back to their pools.
func (b *body) reader() *bodyReader {
	return &bodyReader{parts: append([][]byte(nil), b.parts...), left: int(b.n)}
}

// errBodyEnded is what a Read of a request's body gets once the request has
// returned.
var errBodyEnded = errors.New("ossappend: the request this body was for has returned")

type bodyReader struct {
	mu    sync.Mutex
	parts [][]byte
	left  int
	ended bool
}

func (r *bodyReader) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.left
}

func (r *bodyReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return 0, errBodyEnded
	}
	for len(r.parts) > 0 && len(r.parts[0]) == 0 {
		r.parts = r.parts[1:]
	}
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.parts[0])
	r.parts[0] = r.parts[0][n:]
	r.left -= n
	return n, nil
}

// WriteTo writes the rest of the body to w, part by part, without a copy
// of its own.
func (r *bodyReader) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return 0, errBodyEnded
	}
	var total int64
	for ; len(r.parts) > 0; r.parts = r.parts[1:] {
		n, err := w.Write(r.parts[0])
		total += int64(n)
		r.left -= n
		if err != nil {
			r.parts[0] = r.parts[0][n:]
			return total, err
		}
	}
	return total, nil
}

// end makes the reader read no more of the frames: once it returns, no
// Read or WriteTo touches them.
func (r *bodyReader) end() {
	r.mu.Lock()
	r.ended, r.parts = true, nil
	r.mu.Unlock()
}
