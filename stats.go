package ossappend

import (
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a writer's counters, all since NewWriter.
//
// The byte counts are exact: every byte Write accepts is in BytesWritten
// from the moment Write returns, and BytesWritten = BytesStored + Pending
// whenever no call is in progress. Bytes a non-blocking writer refused are
// counted in DroppedBytes instead.
type Stats struct {
	// BytesWritten counts the bytes accepted by Write, WriteString and
	// ReadFrom.
	BytesWritten int64
	// BytesStored counts the accepted bytes whose frames OSS has stored.
	BytesStored int64
	// Pending is BytesWritten - BytesStored: bytes in memory, on their way,
	// or, after a failure or an expired Shutdown, never stored.
	Pending int64
	// BytesAppended counts the bytes appended to OSS objects: BytesStored
	// after compression.
	BytesAppended int64
	// Frames counts queued frames; FramesStored those OSS has stored.
	Frames, FramesStored int64
	// Appends counts AppendObject requests, retries included. Frames that
	// queued up behind a slow append go out together, so there may be
	// fewer appends than frames.
	Appends int64
	// Retries counts requests (AppendObject or HeadObject) repeated after
	// a failure.
	Retries int64
	// Reconciled counts failures whose outcome was settled with
	// HeadObject (length and CRC-64) before anything was sent again.
	Reconciled int64
	// Recovered counts, of those, the appends found already stored: their
	// response was lost, and sending them again would have doubled them.
	Recovered int64
	// Conflicts counts the times the object turned out to hold bytes that
	// are not this writer's (see ErrConflict).
	Conflicts int64
	// Rotations counts moves to a new key, for size or after a conflict.
	Rotations int64
	// Rolls counts moves to the key of a new period (see WithKeyLayout).
	Rolls int64
	// DroppedBytes counts bytes a non-blocking writer refused.
	DroppedBytes int64
	// BudgetWaits counts the times a Write waited for the shared Budget
	// (see WithBudget).
	BudgetWaits int64
	// SpooledBytes is what the spool holds now: the bytes of the frames
	// not yet stored, and room for the frame being filled (see WithSpool).
	SpooledBytes int64
	// SpoolRecovered counts the frames an earlier writer left in the spool
	// that this one found and sent (or is sending); SpoolFoundStored those
	// it found already stored, whose append had landed, and removed; and
	// SpoolDamaged the files it found damaged and set aside in the spool's
	// quarantine folder. BytesWritten counts the recovered frames' bytes.
	SpoolRecovered, SpoolFoundStored, SpoolDamaged int64
	// OldestPending is when Write accepted the oldest byte the writer
	// still has to store: the age of what an outage or a slow link holds
	// back, and the one figure to alert on. It is the zero time when every
	// accepted byte is stored, and once the writer has failed (Pending
	// then counts what was never stored). Bytes found in a spool count
	// from when the writer opened it.
	OldestPending time.Time
	// FlushInterval is the flush interval in effect: FlushInterval, or
	// longer while a RequestBudget stretches it (see WithRequestBudget).
	FlushInterval time.Duration
	// FailingSince is when the first of the requests of the append loop
	// that keep failing was sent (OSS unreachable, refusing, answering
	// 5xx), by the writer's clock: it goes back to the zero time once an
	// append is stored.
	FailingSince time.Time
	// LastFailure is the error of the latest failed request while
	// FailingSince is set, and nil otherwise.
	LastFailure error
	// Err is the error that stopped the writer for good, the one its
	// calls return; nil while it works. Pending then counts what it never
	// stored (with a spool, what waits there for the next writer).
	Err error
}

// requestCounts count the append loop's requests. Only the append loop
// writes them.
type requestCounts struct {
	appends, retries, reconciled, recovered, conflicts, rotations, rolls atomic.Int64
	failing                                                              atomic.Pointer[failing]
	sent                                                                 time.Time // when the latest request was sent: the append loop's alone
}

// failing is a run of failed requests: when it began and the latest error.
type failing struct {
	since time.Time
	err   error
}

// failed notes a failed request, the latest sent: a run of failures
// begins when its first request was sent, not when it failed, which may
// be a timeout later.
func (c *requestCounts) failed(err error) {
	f := &failing{since: c.sent, err: err}
	if old := c.failing.Load(); old != nil {
		f.since = old.since
	}
	c.failing.Store(f)
}

// succeeded notes a request that succeeded, ending a run of failures.
func (c *requestCounts) succeeded() {
	if c.failing.Load() != nil {
		c.failing.Store(nil)
	}
}

// Stats returns the writer's counters. It waits for no request: the locks
// it takes are only ever held for moments.
func (w *Writer) Stats() Stats {
	// The storing side first: its counts only grow behind the filling
	// side's, so Pending is never negative.
	w.store.mu.Lock()
	s := Stats{
		BytesStored:   w.store.stored,
		BytesAppended: w.store.appended,
		FramesStored:  w.store.framesStored,
	}
	if len(w.store.born) > 0 {
		s.OldestPending = w.store.born[0]
	}
	w.store.mu.Unlock()
	w.fill.mu.Lock()
	s.BytesWritten = w.fill.written
	if w.fill.cur != nil {
		s.BytesWritten += int64(len(w.fill.cur.buf))
		if s.OldestPending.IsZero() {
			s.OldestPending = w.fill.cur.born
		}
	}
	s.Frames = int64(w.fill.queued)
	s.DroppedBytes = w.fill.dropped
	s.BudgetWaits = w.fill.budgetWaits
	w.fill.mu.Unlock()
	s.Pending = s.BytesWritten - s.BytesStored
	s.FlushInterval = w.flushInterval()
	if err := w.failure.Load(); err != nil {
		s.OldestPending, s.Err = time.Time{}, *err
	}

	c := &w.requests
	s.Appends = c.appends.Load()
	s.Retries = c.retries.Load()
	s.Reconciled = c.reconciled.Load()
	s.Recovered = c.recovered.Load()
	s.Conflicts = c.conflicts.Load()
	s.Rotations = c.rotations.Load()
	s.Rolls = c.rolls.Load()
	if f := c.failing.Load(); f != nil {
		s.FailingSince, s.LastFailure = f.since, f.err
	}
	w.sp.stats(&s)
	return s
}
