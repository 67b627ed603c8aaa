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
//
// A reader that fills what it is asked for (a file, an in-memory reader)
// is read a frame at a time into a buffer of ReadFrom's own, which then
// becomes the frame: the bytes are copied once. The bytes of a Read that
// leaves room are copied into the current frame. Only one ReadFrom of a
// writer at a time has such a buffer, so memory stays bounded: calls made
// meanwhile read 64 KiB at a time and copy.
func (w *Writer) ReadFrom(r io.Reader) (total int64, err error) {
	w.fill.mu.Lock()
	err = w.usableLocked()
	w.fill.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if w.cfg.budget == nil && w.sp == nil && w.cfg.flushSize <= maxReadFrame && w.readingFrames.CompareAndSwap(false, true) {
		defer w.readingFrames.Store(false)
		return w.readFrames(r)
	}
	return w.readChunks(r)
}

// maxReadFrame is the largest FlushSize for which ReadFrom reads a frame at
// a time; larger frames are read in chunks, so that a short io.Copy does not
// take a buffer of that size. (With a Budget, too, whose bounds its own
// buffer would escape, and with a spool, whose frames are its files.)
const maxReadFrame = 16 << 20

// readChunks is ReadFrom in chunks, each copied into the current frame.
func (w *Writer) readChunks(r io.Reader) (total int64, err error) {
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

// readFrames is ReadFrom a frame at a time: it asks r for what fills a
// buffer of FlushSize bytes, and a Read that fills it makes it a frame as
// it is; the bytes of a Read that leaves room are copied into the current
// frame at once, so that none wait while the next Read blocks.
func (w *Writer) readFrames(r io.Reader) (total int64, err error) {
	size := w.cfg.flushSize
	buf := getBuffer(size)
	defer func() { putBuffer(buf) }()
	for empty := 0; ; {
		n, rerr := r.Read(buf[:size])
		switch {
		case n == size:
			empty = 0
			if err := w.adopt(buf[:n]); err != nil {
				return total, err
			}
			total += int64(n)
			buf = getBuffer(size)
		case n > 0:
			empty = 0
			k, werr := fill(w, buf[:n], false)
			total += int64(k)
			if werr != nil {
				return total, werr
			}
		case rerr == nil:
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

// adopt makes buf, a full frame's bytes read by ReadFrom, a frame of the
// writer as it is, after the current frame, whose bytes were written
// first. It takes buf over, unless it returns an error: then none of it
// was accepted.
func (w *Writer) adopt(buf []byte) error {
	w.fill.turn.Lock()
	defer w.fill.turn.Unlock()
	w.fill.mu.Lock()
	defer w.fill.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return err
	}
	w.queueLocked()
	f, err := w.takeFrameLocked()
	if err != nil {
		if errors.Is(err, ErrDropped) {
			w.dropLocked(len(buf))
		}
		return err
	}
	f.buf = buf
	w.startLocked(f)
	w.queueLocked()
	return nil
}
