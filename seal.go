package ossappend

import (
	"fmt"
	"time"
)

// This file holds the filling side's small steps, all called with
// Writer.mu held: getting a frame, noting its first byte, sealing it.

// usableLocked returns why the writer takes no more bytes, if it does not.
func (w *Writer) usableLocked() error {
	if w.closed {
		return ErrClosed
	}
	if err := w.failure.Load(); err != nil {
		return *err
	}
	return nil
}

// newFrameLocked makes a fresh frame the current one. It is called with
// both wmu and mu held; if no frame is free it waits for one with mu
// released, so that the timer, Flush, Close and ReadFrom go on, while wmu
// keeps other writes out and this write's frames together. In non-blocking
// mode it returns ErrDropped instead of waiting.
func (w *Writer) newFrameLocked() (*frame, error) {
	f := w.frames.tryGet()
	if f == nil {
		if w.cfg.nonBlocking {
			return nil, ErrDropped
		}
		w.waiting = true
		w.mu.Unlock()
		var err error
		f, err = w.frames.get(w.closing)
		w.mu.Lock()
		w.waiting = false
		if err != nil {
			return nil, err
		}
		if err := w.usableLocked(); err != nil {
			f.release()
			return nil, err
		}
	}
	w.cur = f // still nil: ReadFrom parks no frame while a Write waits
	return f, nil
}

// startedLocked notes that f received its first byte, so that the timer
// seals it within FlushInterval.
func (w *Writer) startedLocked(f *frame) {
	if w.cfg.flushInterval <= 0 {
		return
	}
	f.born = time.Now()
	select {
	case w.kick <- struct{}{}:
	default: // the timer has a kick pending already
	}
}

// sealLocked hands a non-empty frame to the pipeline: it numbers the
// frame, queues it for the append loop (and the compressors), and stops
// Write, ReadFrom and the timer from touching it. An empty frame goes back
// to the pool instead. The channels never block: they hold every frame.
func (w *Writer) sealLocked(f *frame) {
	if w.cur == f {
		w.cur = nil
	}
	w.unregisterLocked(f)
	if len(f.buf) == 0 {
		f.release()
		return
	}
	w.sealed++
	f.seq, f.sealed = w.sealed, true
	w.stats.frames.Add(1)
	w.stats.written.Add(int64(len(f.buf))) // Write counts nothing: it stays lean
	if w.encodeQ != nil {
		w.queue <- f
		w.encodeQ <- f
		return
	}
	f.enc = f.buf
	w.queue <- f
}

// sealAllLocked seals every frame that holds bytes: the current one and
// those ReadFrom calls are reading into. It returns the seq of the last
// sealed frame, which Flush waits for.
func (w *Writer) sealAllLocked() uint64 {
	if w.cur != nil {
		w.sealLocked(w.cur)
	}
	for i := len(w.reading) - 1; i >= 0; i-- {
		if f := w.reading[i]; len(f.buf) > 0 {
			w.sealLocked(f)
		}
	}
	return w.sealed
}

// dropLocked counts n dropped bytes and tells the error handler, at most
// once a second.
func (w *Writer) dropLocked(n int) {
	total := w.stats.dropped.Add(int64(n))
	if w.notes == nil || time.Since(w.lastDrop) < time.Second {
		return
	}
	w.lastDrop = time.Now()
	w.report(fmt.Errorf("%w: %d bytes so far (non-blocking writer, buffers full)", ErrDropped, total))
}

// report passes err to the error handler's goroutine without waiting: a
// report that finds the queue full is dropped. It is called with mu held or
// from the append loop, before Close closes the queue.
func (w *Writer) report(err error) {
	if w.notes == nil {
		return
	}
	select {
	case w.notes <- err:
	default:
	}
}

// notify runs the error handler, one report at a time.
func (w *Writer) notify() error {
	for err := range w.notes {
		w.cfg.onError(err)
	}
	return nil
}
