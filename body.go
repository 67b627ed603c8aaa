package ossappend

import (
	"errors"
	"io"
	"sync"

	"github.com/ossappend/ossappend/internal/fastcrc"
	"github.com/ossappend/ossappend/internal/ossapi"
	"github.com/ossappend/ossappend/internal/spool"
)

// body is the bytes of one append: the encoded frames of a group, back to
// back, never copied into one buffer. A frame's bytes are in memory (a
// buffer of the writer's, or the map of a spool's frame) or, for a frame
// of the spool without a map, in its file, read as the request sends them.
type body struct {
	group []*frame
	parts []part
	n     int64
	crc   uint64 // CRC-64 of the parts, once crcDone
	done  bool
}

// part is one frame's bytes in a body: b, or, if file is set, the n bytes
// of frame id in that spool.
type part struct {
	b    []byte
	file *spool.Spool
	id   uint64
	n    int64
}

func newBody(group []*frame) *body { return new(body).of(group) }

// of makes b the body of group, reusing its arrays, and returns it.
func (b *body) of(group []*frame) *body {
	*b = body{group: group, parts: b.parts[:0]}
	for _, f := range group {
		b.parts = append(b.parts, part{b: f.encoded, file: f.onFile, id: f.spoolID, n: f.sendLen()})
		b.n += f.sendLen()
	}
	return b
}

// Len is the length of the body.
func (b *body) Len() int64 { return b.n }

// CRC64 is the CRC-64 of the whole body, computed the first time it is
// asked for: only reconciliation needs it, and the spool's record, whose
// frames come with theirs (a frame read from its file always does).
func (b *body) CRC64() uint64 {
	if !b.done {
		for i, p := range b.parts {
			crc := b.group[i].crc // a spooled frame's, taken as it was finished or encoded
			if !b.group[i].hasCRC {
				crc = ossapi.CRC64(p.b)
			}
			b.crc = fastcrc.Combine(b.crc, crc, uint64(p.n))
		}
		b.done = true
	}
	return b.crc
}

// reader returns a reader of the body for one request, whose Len tells the
// SDK the Content-Length. The caller ends it once the request has
// returned: net/http may go on reading a request's body after it has its
// answer (a 5xx sent before the body was read, say), and the frames'
// buffers must not be read once they go back to their pools, nor a
// spool's maps once their frames are removed, nor the body's parts once
// it is the body of another group.
func (b *body) reader() *bodyReader {
	return &bodyReader{parts: b.parts, left: b.n}
}

// errBodyEnded is what a Read of a request's body gets once the request has
// returned.
var errBodyEnded = errors.New("ossappend: the request this body was for has returned")

// bodyReader reads a body's parts, which it does not change, from part i,
// off bytes into it.
type bodyReader struct {
	mu     sync.Mutex
	parts  []part
	i      int
	off    int
	file   *spool.Reader // of parts[i], once opened
	left   int64
	ended  bool
	failed error // a spool file that could not be read, or did not check out
}

func (r *bodyReader) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int(r.left)
}

func (r *bodyReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		switch {
		case r.ended:
			return 0, errBodyEnded
		case r.failed != nil:
			return 0, r.failed
		case r.i == len(r.parts):
			return 0, io.EOF
		}
		pt := &r.parts[r.i]
		if pt.file == nil {
			if r.off == len(pt.b) {
				r.next()
				continue
			}
			n := copy(p, pt.b[r.off:])
			r.off += n
			r.left -= int64(n)
			return n, nil
		}
		if !r.open() {
			return 0, r.failed
		}
		n, err := r.file.Read(p)
		r.left -= int64(n)
		if err == io.EOF {
			r.next()
			if n == 0 {
				continue
			}
			err = nil
		} else if err != nil {
			r.failed = err
		}
		return n, err
	}
}

// WriteTo writes the rest of the body to w, part by part, without a copy
// of its own of the parts in memory.
func (r *bodyReader) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return 0, errBodyEnded
	}
	var total int64
	for r.i < len(r.parts) {
		if r.failed != nil {
			return total, r.failed
		}
		pt := &r.parts[r.i]
		if pt.file == nil {
			n, err := w.Write(pt.b[r.off:])
			total += int64(n)
			r.left -= int64(n)
			r.off += n
			if err != nil {
				return total, err
			}
			r.next()
			continue
		}
		if !r.open() {
			return total, r.failed
		}
		n, err := r.file.WriteTo(w)
		total += n
		r.left -= n
		if err != nil {
			r.failed = r.file.Err() // nil if w failed
			return total, err
		}
		r.next()
	}
	return total, nil
}

// open opens the file of parts[i] if it is not open yet, and says whether
// it is; if it could not, r.failed says why. r.mu is held.
func (r *bodyReader) open() bool {
	if r.file != nil {
		return true
	}
	pt := r.parts[r.i]
	f, err := pt.file.Reader(pt.id, pt.n)
	if err != nil {
		r.failed = err
		return false
	}
	r.file = f
	return true
}

// next moves past parts[i], read to its end. r.mu is held.
func (r *bodyReader) next() {
	if r.file != nil {
		r.file.Close()
		r.file = nil
	}
	r.i++
	r.off = 0
}

// unreadBody is the error of an append whose body could not be read from
// the spool's files, or did not check out: the request was cut short.
type unreadBody struct{ err error }

func (e *unreadBody) Error() string { return "ossappend: spool: " + e.err.Error() }
func (e *unreadBody) Unwrap() error { return e.err }

// failure returns why a spool file of the body could not be sent, if that
// is what stopped the request.
func (r *bodyReader) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// end makes the reader read no more of the frames: once it returns, no
// Read or WriteTo touches them.
func (r *bodyReader) end() {
	r.mu.Lock()
	r.ended, r.parts = true, nil
	r.i = 0
	if r.file != nil {
		r.file.Close()
		r.file = nil
	}
	r.mu.Unlock()
}
