package ossappend

import (
	"fmt"
	"time"
)

// This file holds the filling side's small steps, all called with
// Writer.mu held: taking a frame, queuing it, counting what is dropped.
//
// The current frame, w.cur, always holds at least one byte: a frame
// becomes current when the first bytes are copied into it, and stops being
// current when it is queued. So Write's fast path needs no other check than
// room, and a writer that is closed or failed simply has no current frame.

// fillCounts are the filling side's counters, under Writer.mu.
type fillCounts struct {
	queued      uint64 // seq of the last queued frame; frames queued
	written     int64  // bytes in queued frames
	dropped     int64  // bytes a non-blocking writer refused
	budgetWaits int64  // times a Write waited for the Budget
	hint        int    // the buffer size the last queued frame needed
	lastDrop    time.Time
}

// usableLocked returns why the writer takes no more bytes, if it does not.
func (w *Writer) usableLocked() error {
	if w.closed {
		return errClosed
	}
	if err := w.failure.Load(); err != nil {
		return *err
	}
	return nil
}

// newFrameLocked takes a free frame with a buffer for at least need bytes
// and makes it the current one; the caller fills it at once. It is called
// with both turn and mu held; if no frame (or no budget) is free it waits
// with mu released, so that the timer, Flush and Close go on, while turn
// keeps other writes out and this write's frames together. In
// non-blocking mode it returns ErrDropped instead of waiting.
func (w *Writer) newFrameLocked(need int) (*frame, error) {
	if w.sp != nil {
		return w.newSpoolFrameLocked()
	}
	f, err := w.takeFrameLocked()
	if err != nil {
		return nil, err
	}
	// The buffer the last frame needed, as a busy writer's frames fill up
	// alike, or what this write needs.
	size := w.cfg.flushSize
	c := bufferCap(max(need, w.fill.hint), size)
	cost := w.cfg.draw(c)
	if b := w.cfg.budget; b != nil && !b.tryAcquire(cost) {
		c = bufferCap(need, size)
		cost = w.cfg.draw(c)
		if !b.tryAcquire(cost) {
			if w.cfg.nonBlocking {
				w.frames.put(f)
				return nil, errDropped
			}
			w.fill.budgetWaits++
			w.mu.Unlock()
			ok := b.acquire(w.unblock, cost)
			w.mu.Lock()
			if !ok {
				w.frames.put(f)
				if err := w.usableLocked(); err != nil {
					return nil, err
				}
				return nil, errClosed
			}
			if err := w.usableLocked(); err != nil {
				b.release(cost)
				w.frames.put(f)
				return nil, err
			}
		}
	}
	f.buf = w.getBuf(c)
	if w.cfg.budget != nil {
		f.cost = cost
	}
	w.cur = f
	w.startLocked(f)
	return f, nil
}

// takeFrameLocked takes a free frame, waiting for one with mu released if
// it must and may (see newFrameLocked).
func (w *Writer) takeFrameLocked() (*frame, error) {
	if f := w.frames.tryGet(); f != nil {
		return f, nil
	}
	if w.cfg.nonBlocking {
		return nil, errDropped
	}
	w.mu.Unlock()
	f := w.frames.get(w.unblock.Done())
	w.mu.Lock()
	if f == nil {
		if err := w.usableLocked(); err != nil {
			return nil, err
		}
		return nil, errClosed
	}
	if err := w.usableLocked(); err != nil {
		w.frames.put(f)
		return nil, err
	}
	return f, nil
}

// growLocked makes room in the current frame for n more bytes, which must
// fit in FlushSize, by moving it to a buffer twice as large or more. With a
// budget it grows only if it can draw the bytes at once, and says so.
func (w *Writer) growLocked(f *frame, n int) bool {
	c := min(max(2*cap(f.buf), bufferCap(len(f.buf)+n, w.cfg.flushSize)), w.cfg.flushSize)
	if b := w.cfg.budget; b != nil {
		more := w.cfg.draw(c) - f.cost
		if !b.tryAcquire(more) {
			return false
		}
		f.cost += more
	}
	nb := append(w.getBuf(c), f.buf...)
	w.putBuf(f.buf)
	f.buf = nb
	return true
}

// queueLocked hands the current frame to the pipeline: it numbers it and
// queues it for the append loop (and the compressors). The queue never
// blocks: it holds every frame.
func (w *Writer) queueLocked() {
	f := w.cur
	if f == nil {
		return
	}
	w.cur = nil
	w.fill.queued++
	w.fill.written += int64(len(f.buf))
	w.fill.hint = len(f.buf)
	f.seq, f.n = w.fill.queued, len(f.buf)
	if f.fill != nil {
		w.queueSpoolLocked(f)
		return
	}
	if w.compressed {
		w.queue <- f
		w.encode(f)
		return
	}
	f.enc = f.buf
	w.queue <- f
}

// startLocked dates a new current frame: the period it belongs to, which
// moves on if the last one has ended, and when it is due to be queued,
// which the timer will see to.
func (w *Writer) startLocked(f *frame) {
	now := w.cfg.clock.Now()
	w.advancePeriodLocked(now)
	f.base = w.period.key
	f.due = w.period.end
	if d := w.cfg.flushInterval; d > 0 && (f.due.IsZero() || now.Add(d).Before(f.due)) {
		f.due = now.Add(d)
	}
	if f.due.IsZero() {
		return
	}
	if w.timer == nil {
		w.timer = w.cfg.clock.AfterFunc(f.due.Sub(now), w.timeUp)
	} else {
		w.timer.Reset(f.due.Sub(now))
	}
}

// advancePeriodLocked moves the writer to the period that holds now, if
// the one it is in has ended.
func (w *Writer) advancePeriodLocked(now time.Time) {
	if end := w.period.end; !end.IsZero() && !now.Before(end) {
		w.period = w.lay.periodOf(now)
	}
}

// timeUp runs when the current frame may be due: its oldest byte is
// FlushInterval old, or its period has ended. It queues the frame if it is
// due, or waits for the rest of its time.
func (w *Writer) timeUp() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cur == nil {
		return // queued since: its successor rearms the timer
	}
	if left := w.cur.due.Sub(w.cfg.clock.Now()); left > 0 {
		w.timer.Reset(left)
		return
	}
	w.queueLocked()
}

// dropLocked counts n dropped bytes and tells the error handler, at most
// once a second.
func (w *Writer) dropLocked(n int) {
	w.fill.dropped += int64(n)
	if w.notes == nil || time.Since(w.fill.lastDrop) < time.Second {
		return
	}
	w.fill.lastDrop = time.Now()
	w.report(fmt.Errorf("ossappend: %w: %d bytes so far (non-blocking writer, buffers full)", ErrDropped, w.fill.dropped))
}
