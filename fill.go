package ossappend

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// This file is the filling side of a writer: Write, ReadFrom, the timer,
// Flush and Close copy bytes into the current frame and queue it, all with
// filling.mu held, which is only ever held for moments.
//
// The current frame always holds at least one byte: a frame becomes
// current when the first bytes are copied into it, and stops being
// current when it is queued. So Write's fast path needs no other check
// than room, and a writer that is closed or failed simply has no current
// frame.

// filling is the filling side's state. mu guards it; turn is the writers'
// turn: a Write that needs a new frame takes it before mu and keeps it
// while it waits for one, so that its frames stay together.
type filling struct {
	turn sync.Mutex
	mu   sync.Mutex

	cur    *frame // the frame being filled: never empty; nil if none
	closed bool   // Close has queued the last frame
	period period // where frames started now go, and until when
	timer  Timer  // queues cur when it is due

	queued      uint64 // seq of the last queued frame: frames queued
	written     int64  // bytes in queued frames
	dropped     int64  // bytes a non-blocking writer refused
	budgetWaits int64  // times a Write waited for the Budget
	hint        int    // the buffer size the last queued frame needed
	lastDrop    time.Time
}

// fill is Write when p does not fit in the current frame: it queues frames
// and starts new ones, waiting for a free frame if it must, with the
// writers' turn held throughout. With whole set, a p of at most FlushSize
// bytes goes into one frame; without, p fills the current frame to the
// brim first (ReadFrom's chunks have no lines to keep whole).
func fill[T []byte | string](w *Writer, p T, whole bool) (n int, err error) {
	w.fill.turn.Lock()
	defer w.fill.turn.Unlock()
	w.fill.mu.Lock()
	defer w.fill.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return 0, err
	}
	size := w.cfg.flushSize
	for len(p) > 0 {
		f := w.fill.cur
		if f != nil && whole && len(p) <= size && len(p) > size-len(f.buf) {
			w.queueLocked() // p fits whole in a fresh frame, not in f
			f = nil
		}
		if f != nil {
			if c := min(len(p), size-len(f.buf)); c > f.avail() && !w.growLocked(f, c) {
				w.queueLocked() // no budget to grow f: send it on
				f = nil
			}
		}
		if f == nil {
			if f, err = w.newFrameLocked(min(len(p), size)); err != nil {
				if errors.Is(err, ErrDropped) {
					w.dropLocked(len(p))
				}
				return n, err
			}
		}
		c := min(len(p), f.avail())
		f.buf = append(f.buf, p[:c]...)
		if f.file != nil && !w.commitLocked(f, c) {
			return n, *w.failure.Load()
		}
		p = p[c:]
		n += c
		if len(f.buf) == size {
			w.queueLocked()
		}
	}
	return n, nil
}

// usableLocked returns why the writer takes no more bytes, if it does not.
func (w *Writer) usableLocked() error {
	if w.fill.closed {
		return errClosed
	}
	if err := w.failure.Load(); err != nil {
		return *err
	}
	return nil
}

// awaitLocked waits, with mu released so that the timer, Flush and Close
// go on, until wait returns, which it must once w.unblock ends; wait says
// whether it got what it waited for. awaitLocked returns why the writer
// takes no more bytes if that is so when it has the lock again, and
// errClosed if wait gave up without that. give undoes what wait took when
// the writer can no longer use it.
func (w *Writer) awaitLocked(wait func() bool, give func()) error {
	w.fill.mu.Unlock()
	ok := wait()
	w.fill.mu.Lock()
	err := w.usableLocked()
	switch {
	case ok && err != nil:
		give()
	case !ok && err == nil:
		err = errClosed
	}
	return err
}

// newFrameLocked takes a free frame with a buffer for at least need bytes
// and makes it the current one; the caller fills it at once. It is called
// with both turn and mu held; if no frame, budget or spool room is free it
// waits with mu released (awaitLocked), while turn keeps other writes out
// and this write's frames together. In non-blocking mode it returns
// ErrDropped instead of waiting.
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
			err := w.awaitLocked(func() bool { return b.acquire(w.unblock, cost) }, func() { b.release(cost) })
			if err != nil {
				w.frames.put(f)
				return nil, err
			}
		}
	}
	f.buf, f.cost = w.frameBuf(c, bufferCap(need, size), cost)
	w.startLocked(f)
	return f, nil
}

// newSpoolFrameLocked starts the spool's frame for the period now under
// way and makes it current, within the spool's limit, which it waits for
// (or drops, non-blocking) when OSS has not made room.
func (w *Writer) newSpoolFrameLocked() (*frame, error) {
	for {
		room, freed := w.sp.room()
		if room {
			break
		}
		if w.cfg.nonBlocking {
			return nil, errDropped
		}
		err := w.awaitLocked(func() bool {
			select {
			case <-freed:
				return true
			case <-w.unblock.Done():
				return false
			}
		}, func() {})
		if err != nil {
			return nil, err
		}
	}
	w.advancePeriodLocked(w.cfg.clock.Now())
	f, err := w.sp.newFrame(w.fill.period.key)
	if err != nil {
		err = fmt.Errorf("ossappend: spool: %w", err)
		w.failLocked(err)
		return nil, err
	}
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
	var f *frame
	err := w.awaitLocked(func() bool {
		f = w.frames.get(w.unblock.Done())
		return f != nil
	}, func() { w.frames.put(f) })
	if err != nil {
		return nil, err
	}
	return f, nil
}

// growLocked makes room in the current frame for n more bytes, which must
// fit in FlushSize, by moving it to a buffer twice as large or more. With a
// budget it grows only if it can draw the bytes at once and the budget's
// memory has room for the buffer in one piece, and says so.
func (w *Writer) growLocked(f *frame, n int) bool {
	c := min(max(2*cap(f.buf), bufferCap(len(f.buf)+n, w.cfg.flushSize)), w.cfg.flushSize)
	var more int64
	if b := w.cfg.budget; b != nil {
		more = w.cfg.draw(c) - f.cost
		if !b.tryAcquire(more) {
			return false
		}
	}
	nb, ok := w.growBuf(f.buf, c)
	if !ok {
		w.cfg.budget.release(more) // no room in one piece
		return false
	}
	f.buf, f.cost = nb, f.cost+more
	return true
}

// commitLocked makes the bytes just copied into f, the spool's frame,
// survive the death of the process. It says whether it could; when it
// could not, the writer has failed and the bytes are taken back.
func (w *Writer) commitLocked(f *frame, n int) bool {
	if err := f.file.Commit(f.buf); err != nil {
		f.buf = f.buf[:len(f.buf)-n]
		w.failLocked(fmt.Errorf("ossappend: spool: %w", err))
		return false
	}
	return true
}

// queueLocked hands the current frame to the pipeline: it numbers it and
// hands it on, to the spool's finisher if it is the spool's, else to the
// append loop (and the compressors). Neither ever blocks.
func (w *Writer) queueLocked() {
	f := w.fill.cur
	if f == nil {
		return
	}
	w.fill.cur = nil
	w.fill.queued++
	w.fill.written += int64(len(f.buf))
	w.fill.hint = len(f.buf)
	f.seq, f.n = w.fill.queued, len(f.buf)
	w.store.queued(f.born)
	if f.file != nil {
		w.sp.queue(f)
		return
	}
	w.handOn(f)
}

// startLocked makes f the current frame and dates it: the period it
// belongs to, which moves on if the last one has ended, and when it is
// due to be queued, which the timer will see to.
func (w *Writer) startLocked(f *frame) {
	w.fill.cur = f
	now := w.cfg.clock.Now()
	w.advancePeriodLocked(now)
	f.base = w.fill.period.key
	f.born = now
	f.due = w.fill.period.end
	if d := w.flushInterval(); d > 0 && (f.due.IsZero() || now.Add(d).Before(f.due)) {
		f.due = now.Add(d)
	}
	if f.due.IsZero() {
		return
	}
	if w.fill.timer == nil {
		w.fill.timer = w.cfg.clock.AfterFunc(f.due.Sub(now), w.timeUp)
	} else {
		w.fill.timer.Reset(f.due.Sub(now))
	}
}

// flushInterval is the flush interval in effect: FlushInterval, or longer
// while the writer's RequestBudget stretches it.
func (w *Writer) flushInterval() time.Duration {
	d := w.cfg.flushInterval
	if d > 0 {
		d = max(d, w.cfg.requestBudget.interval())
	}
	return d
}

// advancePeriodLocked moves the writer to the period that holds now, if
// the one it is in has ended.
func (w *Writer) advancePeriodLocked(now time.Time) {
	if end := w.fill.period.end; !end.IsZero() && !now.Before(end) {
		w.fill.period = w.lay.periodOf(now)
	}
}

// timeUp runs when the current frame may be due: its oldest byte is
// FlushInterval old, or its period has ended. It queues the frame if it is
// due, or waits for the rest of its time.
func (w *Writer) timeUp() {
	w.fill.mu.Lock()
	defer w.fill.mu.Unlock()
	if w.fill.cur == nil {
		return // queued since: its successor rearms the timer
	}
	if left := w.fill.cur.due.Sub(w.cfg.clock.Now()); left > 0 {
		w.fill.timer.Reset(left)
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

// fail makes err the writer's sticky error, unless it has one: the current
// frame is queued (it will be settled unsent, and counted as pending),
// the error handler hears of it, and the waiters of Flush wake.
func (w *Writer) fail(err error) {
	w.fill.mu.Lock()
	w.failLocked(err)
	w.fill.mu.Unlock()
}

// failLocked is fail with mu held.
func (w *Writer) failLocked(err error) {
	if !w.failure.CompareAndSwap(nil, &err) {
		return
	}
	w.queueLocked()
	w.unblockAll() // writes waiting for room see the failure
	if w.ctx.Err() == nil {
		w.report(err) // not the abort Shutdown asked for
	}
	w.store.wake()
}
