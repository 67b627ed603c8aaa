package ossappend

import (
	"context"
	"fmt"
)

// Close flushes every accepted byte to OSS, seals the object if
// WithSealOnClose asked for it, and stops the writer's goroutines. It
// returns the writer's sticky error if it has one. Close may be called more
// than once: later calls wait for the first and return its result. Write
// and Flush after Close return an error wrapping ErrClosed.
func (w *Writer) Close() error { return w.Shutdown(context.Background()) }

// Shutdown is Close bounded by ctx. If ctx ends before every byte is
// stored, Shutdown abandons the rest: it cancels the append under way
// (which may or may not have landed), stops the writer and returns an
// error that wraps ctx.Err() and counts the bytes not stored, which
// Stats().Pending also reports. With an expired ctx it stores nothing more.
//
// Any call ends the writer: a Shutdown whose ctx ends while another Close
// or Shutdown waits (for an outage to pass, say) abandons the rest for both,
// and both return the error that counts what was not stored.
func (w *Writer) Shutdown(ctx context.Context) error {
	first := false
	w.closeOnce.Do(func() { first = true })
	if !first {
		select {
		case <-w.closeDone:
		case <-ctx.Done():
			w.abort(ctx.Err())
			<-w.closeDone
		}
		return w.closeErr
	}
	defer close(w.closeDone)
	w.unblockAll() // wakes writes waiting for a frame, the budget or the spool
	if ctx.Err() != nil {
		w.abort(ctx.Err()) // before the last frame is queued: send nothing more
	}
	w.fill.mu.Lock()
	w.queueLocked()
	w.fill.closed = true
	if w.fill.timer != nil {
		w.fill.timer.Stop()
	}
	if !w.sp.end() { // with a spool, the loader closes the queue once it has loaded the rest
		close(w.queue)
	}
	w.fill.mu.Unlock()

	select {
	case <-w.app.done:
	case <-ctx.Done():
		w.abort(ctx.Err())
		<-w.app.done
	}
	var err error
	if w.ctx.Err() != nil {
		if p := w.Stats().Pending; p > 0 {
			err = fmt.Errorf("ossappend: shutdown: %d bytes not stored: %w", p, context.Cause(w.ctx))
		}
	}
	if err == nil {
		if f := w.failure.Load(); f != nil {
			err = *f
		} else if w.cfg.sealOnClose {
			stop := context.AfterFunc(ctx, func() { w.abort(ctx.Err()) }) // the seal is bounded by ctx too
			err = w.app.seal()
			stop()
			if err != nil && w.ctx.Err() != nil {
				err = fmt.Errorf("ossappend: shutdown: seal: %w", context.Cause(w.ctx))
			}
		}
	}
	w.abort(context.Canceled)
	if w.notes != nil {
		close(w.notes)
	}
	w.group.Wait()
	// What was not stored stays in the spool for the next writer. A Sync
	// under way ends first; none starts after (fill.closed).
	if cerr := w.sp.close(); cerr != nil && err == nil {
		err = cerr
	}
	w.closeErr = err
	w.cfg.requestBudget.leave()
	for _, o := range w.cfg.observers {
		o.Closed(w)
	}
	return err
}
