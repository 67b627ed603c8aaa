package spool

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// A writer that sends its frames as they are, without a codec, need not
// copy them out of the spool: View gives the bytes of a frame in the map
// the spool keeps of it, and a Reader streams them from the frame's file
// where there is no map, checking them as it goes. Either way the bytes
// go from the page cache to the request.

// View returns the data of finished frame id in the map the spool keeps
// of it, without a copy, or nil if it keeps none (a frame of an earlier
// process, one whose map it let go, or where frames take the write path):
// then Read copies it, or a Reader streams it from its file. Those are the
// bytes Finish took the checksum of, and nothing writes to them since. A
// map the spool keeps stays until the frame is removed or the spool
// closed: the slice must not be used after either.
func (s *Spool) View(id uint64) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.kept[id]
	if !ok {
		return nil
	}
	return k.m.b[pageSize : pageSize+k.n : pageSize+k.n]
}

// A Reader reads a finished frame's data from its file (Spool.Reader).
type Reader struct {
	f      *os.File
	newest slot   // the record the data must match
	off    int64  // bytes read
	crc    uint32 // of the bytes read
	err    error  // sticky
}

// Reader opens finished frame id, which must hold n bytes, to read its
// data from its file. It checks what Read checks, as it goes: the header
// and the records when it opens the file, and the data against the newest
// record's checksum when the last bytes are read: if they do not match,
// the Read that would return those bytes returns none and an error
// wrapping ErrDamaged, so that a request that streams the frame fails
// before it is whole. A frame that does not exist gives an error wrapping
// fs.ErrNotExist. The caller closes the Reader.
func (s *Spool) Reader(id uint64, n int64) (*Reader, error) {
	what := func(err error) error { return fmt.Errorf("spool %s: read frame %d: %w", s.dir, id, err) }
	s.mu.Lock()
	_, filling := s.fillings[id]
	s.mu.Unlock()
	if filling {
		return nil, fmt.Errorf("spool %s: read frame %d: it is still filling", s.dir, id)
	}
	f, err := os.Open(s.framePath(id))
	if err != nil {
		return nil, what(err)
	}
	newest, err := checkFinished(f, id)
	if err == nil && newest.n != n {
		err = &damagedError{path: f.Name(), reason: fmt.Sprintf("it holds %d bytes, not the %d it was finished with", newest.n, n)}
	}
	if err != nil {
		f.Close()
		return nil, what(err)
	}
	return &Reader{f: f, newest: newest}, nil
}

// Len returns the bytes left to read.
func (r *Reader) Len() int64 { return r.newest.n - r.off }

// Read reads the frame's data.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	left := r.newest.n - r.off
	if left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), left)]
	n, err := r.f.ReadAt(p, pageSize+r.off)
	if n < len(p) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF // the file was cut since it was opened
		}
		r.err = fmt.Errorf("read frame file %s: %w", r.f.Name(), err)
		return 0, r.err
	}
	crc := crc32c(r.crc, p)
	if r.off+int64(n) == r.newest.n && crc != r.newest.crc {
		r.err = dataMismatch(r.f, r.newest.crc, crc)
		return 0, r.err
	}
	r.off += int64(n)
	r.crc = crc
	return n, nil
}

// readerBuffers are WriteTo's buffers.
var readerBuffers = sync.Pool{New: func() any { return new([256 << 10]byte) }}

// WriteTo writes the rest of the frame's data to w, checked as Read
// checks it.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	buf := readerBuffers.Get().(*[256 << 10]byte)
	defer readerBuffers.Put(buf)
	var total int64
	for {
		n, err := r.Read(buf[:])
		if n > 0 {
			k, werr := w.Write(buf[:n])
			total += int64(k)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// Err returns why the Reader could not read the frame's data, or found
// it damaged, if it could not or did; else nil.
func (r *Reader) Err() error { return r.err }

// Close closes the frame's file.
func (r *Reader) Close() error { return r.f.Close() }
