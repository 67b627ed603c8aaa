package ossappend

import (
	"context"
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
// Each ReadFrom under way holds one frame (see WithMaxInflight).
func (w *Writer) ReadFrom(r io.Reader) (total int64, err error) {
	// Seal the current frame first: whoever wrote its bytes, they stay
	// ahead of what this call reads and of their writers' later bytes.
	w.mu.Lock()
	if err := w.usableLocked(); err != nil {
		w.mu.Unlock()
		return 0, err
	}
	if w.cur != nil {
		w.sealLocked(w.cur)
	}
	w.mu.Unlock()

	// f is the frame being read into. Besides the filler's reference,
	// which goes to the pipeline when f is sealed, ReadFrom holds one of
	// its own on f for as long as it uses it.
	var f *frame
	for {
		if f == nil {
			if f, err = w.readerFrame(); err != nil {
				return total, err
			}
		}
		w.mu.Lock()
		sealed, off := f.sealed, len(f.buf)
		w.mu.Unlock()
		if sealed { // by the timer, Flush or Close since the last Read
			f.release()
			f = nil
			continue
		}

		n, rerr := r.Read(f.buf[off:cap(f.buf)])

		if n > 0 {
			if f, err = w.commit(f, off, n); err != nil {
				return total, err
			}
			total += int64(n)
		}
		if rerr != nil {
			if f != nil {
				w.mu.Lock()
				w.parkLocked(f)
				w.mu.Unlock()
				f.release()
			}
			if errors.Is(rerr, io.EOF) {
				rerr = nil
			}
			return total, rerr
		}
	}
}

// readerFrame takes a free frame for ReadFrom, waiting for one without
// holding any lock or frame, and registers it so that the timer, Flush and
// Close seal it. It returns it with ReadFrom's reference.
func (w *Writer) readerFrame() (*frame, error) {
	f, err := w.frames.get(w.closing)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		f.release()
		return nil, err
	}
	f.refs.Add(1)
	w.reading = append(w.reading, f)
	return f, nil
}

// commit accepts the n bytes a Read placed at f.buf[off:]. It returns the
// frame to read into next, with ReadFrom's reference: f, or nil once f is
// full, or another frame if f was sealed while the Read ran.
func (w *Writer) commit(f *frame, off, n int) (*frame, error) {
	w.mu.Lock()
	if f.sealed {
		w.mu.Unlock()
		return w.carry(f, off, n)
	}
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		// Close seals every registered frame that holds bytes, so a closed
		// writer's f is empty; a failed writer's f is sealed, to be counted
		// as written and not stored.
		w.parkLocked(f)
		f.release()
		return nil, err
	}
	w.acceptLocked(f, n)
	if f.avail() == 0 {
		w.sealLocked(f)
		f.release()
		return nil, nil
	}
	return f, nil
}

// carry moves the n bytes a Read placed at old.buf[off:], after old was
// sealed, to the front of a frame of their own, registered, with ReadFrom's
// reference. It never waits for a free frame while holding one: without a
// frame at hand, it waits for old to be stored and fills it again.
func (w *Writer) carry(old *frame, off, n int) (*frame, error) {
	f := w.frames.tryGet()
	if f != nil {
		copy(f.buf[:n], old.buf[off:off+n])
		f.refs.Add(1)
		old.release()
	} else {
		if err := w.waitSettled(context.Background(), old.seq); err != nil {
			old.release()
			return nil, err
		}
		// Stored: the pipeline touches old no more but to drop its
		// reference, which may still be on its way; take the filler's.
		f = old
		read := f.buf[off : off+n]
		f.reset()
		copy(f.buf[:n], read)
		f.refs.Add(1)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		f.release()
		f.release()
		return nil, err
	}
	w.reading = append(w.reading, f)
	w.acceptLocked(f, n)
	return f, nil
}

// acceptLocked commits n bytes just placed after f's contents.
func (w *Writer) acceptLocked(f *frame, n int) {
	if len(f.buf) == 0 {
		w.startedLocked(f)
	}
	f.buf = f.buf[:len(f.buf)+n]
}

// parkLocked leaves a registered frame that ReadFrom is done with where
// its bytes go on: as the current frame, which Write continues, if there is
// none; otherwise sealed. An empty frame goes back to the pool. It takes
// over the filler's reference; the caller still drops its own.
func (w *Writer) parkLocked(f *frame) {
	if f.sealed { // the pipeline's now
		return
	}
	w.unregisterLocked(f)
	switch {
	case len(f.buf) == 0:
		f.release()
	case w.cur == nil && !w.waiting && w.usableLocked() == nil:
		w.cur = f
	default:
		// Not closed: Close seals every registered frame with bytes.
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
