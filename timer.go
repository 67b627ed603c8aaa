package ossappend

import "time"

// timer seals frames whose oldest byte is FlushInterval old. Write kicks
// it when a frame gets its first byte; it then sleeps until the earliest
// deadline among the frames being filled, so an idle writer costs nothing.
func (w *Writer) timer() error {
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for {
		select {
		case <-w.closing:
			return nil
		case <-w.kick:
		case <-t.C:
		}
		if next := w.sealDue(time.Now()); !next.IsZero() {
			t.Reset(time.Until(next))
		}
	}
}

// sealDue seals the frames due at now and returns the earliest deadline of
// the others, or the zero time if no frame holds bytes.
func (w *Writer) sealDue(now time.Time) (next time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return time.Time{}
	}
	consider := func(f *frame) {
		if f == nil || len(f.buf) == 0 {
			return
		}
		due := f.born.Add(w.cfg.flushInterval)
		if !now.Before(due) {
			w.sealLocked(f)
		} else if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	consider(w.cur)
	for i := len(w.reading) - 1; i >= 0; i-- {
		consider(w.reading[i])
	}
	return next
}
