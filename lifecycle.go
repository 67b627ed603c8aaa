package ossappend

import (
	"context"
	"errors"
	"fmt"
)

// settle ends a frame's journey: it counts it, tells the waiters of Flush
// and lets the frame go back to the pool.
func (w *Writer) settle(f *frame, stored bool) {
	if stored {
		w.stats.stored.Add(int64(len(f.buf)))
		w.stats.framesStored.Add(1)
	}
	w.pmu.Lock()
	w.stored = f.seq
	w.wakeLocked()
	w.pmu.Unlock()
	f.release()
}

// fail makes err the writer's sticky error, unless it has one, tells the
// error handler, and wakes the waiters of Flush.
func (w *Writer) fail(err error) {
	if !w.failure.CompareAndSwap(nil, &err) {
		return
	}
	if !errors.Is(err, context.Canceled) || w.ctx.Err() == nil {
		w.report(err) // not for the abort Shutdown asked for
	}
	w.pmu.Lock()
	w.wakeLocked()
	w.pmu.Unlock()
}

// wakeLocked wakes every waiter of Flush, to look at the progress again.
// The caller holds w.pmu.
func (w *Writer) wakeLocked() {
	close(w.progress)
	w.progress = make(chan struct{})
}

// waitSettled waits until the frame numbered seq and all before it are
// settled, and says whether they were stored.
func (w *Writer) waitSettled(ctx context.Context, seq uint64) error {
	for {
		w.pmu.Lock()
		done, progress := w.stored >= seq, w.progress
		w.pmu.Unlock()
		if err := w.failure.Load(); err != nil {
			return *err
		}
		if done {
			return nil
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Flush seals the frames being filled and returns when every byte written
// before the call is stored in OSS, or with the error that prevents it.
// After Close it returns ErrClosed.
func (w *Writer) Flush() error { return w.FlushContext(context.Background()) }

// FlushContext is Flush that gives up waiting when ctx ends, returning
// ctx.Err(); the frames it sealed are still appended in the background.
func (w *Writer) FlushContext(ctx context.Context) error {
	w.mu.Lock()
	if err := w.usableLocked(); err != nil {
		w.mu.Unlock()
		return err
	}
	seq := w.sealAllLocked()
	w.mu.Unlock()
	return w.waitSettled(ctx, seq)
}

// Sync is Flush; it makes a *Writer a zapcore.WriteSyncer.
func (w *Writer) Sync() error { return w.Flush() }

// Close flushes every accepted byte to OSS, seals the object if
// WithSealOnClose asked for it, and stops the writer's goroutines. It
// returns the writer's sticky error if it has one. Close may be called more
// than once: later calls wait for the first and return its result. Write
// and Flush after Close return ErrClosed.
func (w *Writer) Close() error { return w.Shutdown(context.Background()) }

// Shutdown is Close bounded by ctx. If ctx ends before every byte is
// stored, Shutdown abandons the rest: it cancels the append under way
// (which may or may not have landed), stops the writer and returns an
// error that wraps ctx.Err() and counts the bytes not stored, which
// Stats().Pending also reports. With an expired ctx it stores nothing more.
func (w *Writer) Shutdown(ctx context.Context) error {
	first := false
	w.closeOnce.Do(func() {
		first = true
		close(w.closing) // wakes writers waiting for a frame
	})
	if !first {
		select {
		case <-w.closeDone:
			return w.closeErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer close(w.closeDone)
	if ctx.Err() != nil {
		w.abort() // before the last frames are queued: send nothing more
	}

	w.mu.Lock()
	w.sealAllLocked()
	w.closed = true
	close(w.queue)
	if w.encodeQ != nil {
		close(w.encodeQ)
	}
	w.mu.Unlock()

	var err error
	if ctx.Err() == nil {
		select {
		case <-w.app.done:
		case <-ctx.Done():
		}
	}
	select {
	case <-w.app.done:
	default: // ctx ended first
		w.abort()
		<-w.app.done
		if p := w.Stats().Pending; p > 0 {
			err = fmt.Errorf("ossappend: shutdown: %d bytes not stored: %w", p, ctx.Err())
		}
	}
	if err == nil {
		if f := w.failure.Load(); f != nil {
			err = *f
		} else if w.cfg.sealOnClose {
			stop := context.AfterFunc(ctx, w.abort) // the seal is bounded by ctx too
			err = w.app.seal()
			stop()
			if err != nil && ctx.Err() != nil {
				err = fmt.Errorf("ossappend: shutdown: seal: %w", ctx.Err())
			}
		}
	}
	w.abort()
	if w.notes != nil {
		close(w.notes)
	}
	w.group.Wait()
	w.closeErr = err
	return err
}

// Key returns the key of the object being written: the one given to
// NewWriter until the writer rotates (see WithMaxObjectSize and
// ErrConflict).
func (w *Writer) Key() string { return *w.key.Load() }

// Bucket returns the bucket the writer appends to.
func (w *Writer) Bucket() string { return w.bucket }
