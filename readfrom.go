package ossappend

import (
	"errors"
	"io"
	"sync"
)

// readChunk is the size of ReadFrom's reads.
const readChunk = 64 << 10

// maxEmptyReads is how many reads in a row may return no bytes and no
// error before ReadFrom gives up with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

var chunks = sync.Pool{New: func() any { return new([readChunk]byte) }}

// ReadFrom reads r until EOF and writes what it reads, so that io.Copy
// into a Writer needs no buffer of its own. It returns the number of bytes
// accepted, and nil at EOF.
//
// Each Read's bytes go into the writer as soon as the Read returns, filling
// frames to the brim: they are not kept together as a Write's are, and
// bytes that a concurrent Write accepts may come between two Reads'. While
// r blocks (an idle pipe, say), ReadFrom holds no frame and the flush
// interval applies to what it has written as to any Write. A reader that
// keeps returning no bytes and no error ends it with io.ErrNoProgress.
func (w *Writer) ReadFrom(r io.Reader) (total int64, err error) {
	w.mu.Lock()
	err = w.usableLocked()
	w.mu.Unlock()
	if err != nil {
		return 0, err
	}
	chunk := chunks.Get().(*[readChunk]byte)
	defer chunks.Put(chunk)
	for empty := 0; ; {
		n, rerr := r.Read(chunk[:])
		if n > 0 {
			empty = 0
			k, werr := fill(w, chunk[:n], false)
			total += int64(k)
			if werr != nil {
				return total, werr
			}
		} else if rerr == nil {
			if empty++; empty == maxEmptyReads {
				return total, io.ErrNoProgress
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				rerr = nil
			}
			return total, rerr
		}
	}
}
