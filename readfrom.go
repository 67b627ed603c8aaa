package ossappend

import (
	"errors"
	"io"
)

// ReadFrom reads r until EOF straight into frame buffers, so io.Copy into
// a Writer costs one copy. It returns the number of bytes accepted, and nil
// at EOF.
//
// Reads happen without the writer's lock: other goroutines keep writing,
// and the flush interval holds even while r blocks (say, an idle pipe): a
// frame due while a Read is under way is sealed with the bytes read so far,
// and the Read's bytes move to the next frame when it returns. Bytes that
// ReadFrom and a concurrent Write accept are not ordered with each other.
func (w *Writer) ReadFrom(r io.Reader) (total int64, err error) {
	// Adopt the current frame, so that this goroutine's earlier writes
	// stay ahead of what it reads.
	w.mu.Lock()
	if err := w.usableLocked(); err != nil {
		w.mu.Unlock()
		return 0, err
	}
	f := w.cur
	w.cur = nil
	if f != nil {
		w.reading = append(w.reading, f)
	}
	w.mu.Unlock()

	for {
		if f == nil {
			if f, err = w.frames.get(w.closing); err != nil {
				return total, err
			}
			w.mu.Lock()
			if err := w.usableLocked(); err != nil {
				w.mu.Unlock()
				f.release()
				return total, err
			}
			// Registered frames are ones the timer, Flush and Close seal.
			w.reading = append(w.reading, f)
			w.mu.Unlock()
		}

		// Read into the spare capacity without the lock, holding a second
		// reference so that f outlives a seal that happens meanwhile.
		w.mu.Lock()
		if f.sealed { // by the timer, Flush or Close, since we got it
			w.mu.Unlock()
			f = nil
			continue
		}
		f.refs.Add(1)
		off := len(f.buf)
		w.mu.Unlock()
		n, rerr := r.Read(f.buf[off:cap(f.buf)])

		w.mu.Lock()
		if f.sealed {
			// Sealed while we read, with the bytes before off: carry the
			// bytes just read over to a new frame.
			w.mu.Unlock()
			if f, err = w.carry(f, off, n); err != nil {
				return total, err
			}
			total += int64(n)
		} else {
			f.refs.Add(-1) // the filler's reference remains
			if err := w.usableLocked(); err != nil {
				w.unregisterLocked(f)
				w.mu.Unlock()
				f.release()
				return total, err
			}
			w.acceptLocked(f, n)
			total += int64(n)
			if f.avail() == 0 {
				w.sealLocked(f)
				f = nil
			}
			w.mu.Unlock()
		}

		if rerr != nil {
			w.mu.Lock()
			w.parkLocked(f)
			w.mu.Unlock()
			if errors.Is(rerr, io.EOF) {
				rerr = nil
			}
			return total, rerr
		}
	}
}

// acceptLocked commits n bytes just placed after f's contents.
func (w *Writer) acceptLocked(f *frame, n int) {
	if n == 0 {
		return
	}
	if len(f.buf) == 0 {
		w.startedLocked(f)
	}
	f.buf = f.buf[:len(f.buf)+n]
}

// carry copies the n bytes read at old.buf[off:] into a fresh frame, which
// it registers, and lets old go. It returns nil when n is 0.
func (w *Writer) carry(old *frame, off, n int) (*frame, error) {
	defer old.release()
	if n == 0 {
		return nil, nil
	}
	f, err := w.frames.get(w.closing)
	if err != nil {
		return nil, err
	}
	copy(f.buf[:n], old.buf[off:off+n])
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		f.release()
		return nil, err
	}
	w.acceptLocked(f, n)
	w.reading = append(w.reading, f)
	return f, nil
}

// parkLocked leaves a partly filled frame where Write continues it: as the
// current frame if there is none, otherwise sealed behind it. An empty
// frame goes back to the pool.
func (w *Writer) parkLocked(f *frame) {
	if f == nil || f.sealed { // a sealed frame is the pipeline's now
		return
	}
	w.unregisterLocked(f)
	switch {
	case w.closed, len(f.buf) == 0:
		// Close sealed every frame with bytes, so this one has none.
		f.release()
	case w.cur == nil:
		w.cur = f
	default:
		w.sealLocked(f)
	}
}

// unregisterLocked removes f from the frames ReadFrom calls read into.
func (w *Writer) unregisterLocked(f *frame) {
	for i, r := range w.reading {
		if r == f {
			w.reading = append(w.reading[:i], w.reading[i+1:]...)
			return
		}
	}
}
