package ossappend

import (
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a writer's counters, all since NewWriter.
type Stats struct {
	// BytesWritten counts the bytes accepted by Write, WriteString and
	// ReadFrom (see Writer.Stats for when the newest ones show).
	BytesWritten int64
	// BytesStored counts the accepted bytes whose frames OSS has stored.
	BytesStored int64
	// Pending is BytesWritten - BytesStored: bytes in memory, on their way,
	// or, after a failure or an expired Shutdown, never stored.
	Pending int64
	// BytesAppended counts the bytes appended to OSS objects: BytesStored
	// after compression.
	BytesAppended int64
	// Frames counts sealed frames; FramesStored those OSS has stored.
	Frames, FramesStored int64
	// Appends counts AppendObject requests, retries included.
	Appends int64
	// Retries counts requests (AppendObject or HeadObject) repeated after
	// a failure.
	Retries int64
	// Reconciled counts failures whose outcome was settled with
	// HeadObject (length and CRC-64) before anything was sent again.
	Reconciled int64
	// Recovered counts, of those, the frames found already stored: their
	// response was lost, and sending them again would have doubled them.
	Recovered int64
	// Conflicts counts the times the object turned out to hold bytes that
	// are not this writer's (see ErrConflict).
	Conflicts int64
	// Rotations counts moves to a new key, for size or after a conflict.
	Rotations int64
	// DroppedBytes counts bytes a non-blocking writer refused.
	DroppedBytes int64
	// FailingSince is when the requests of the append loop began to fail,
	// while they keep failing (OSS unreachable, refusing, answering 5xx):
	// it goes back to the zero time at the next request that succeeds.
	FailingSince time.Time
	// LastFailure is the error of the latest failed request while
	// FailingSince is set, and nil otherwise.
	LastFailure error
}

// failing is a run of failed requests: when it began and the latest error.
type failing struct {
	since time.Time
	err   error
}

type counters struct {
	written, stored, appended, frames, framesStored atomic.Int64
	appends, retries, reconciled, recovered         atomic.Int64
	conflicts, rotations, dropped                   atomic.Int64
	failing                                         atomic.Pointer[failing]
}

// failed notes a failed request.
func (c *counters) failed(err error) {
	f := &failing{since: time.Now(), err: err}
	if old := c.failing.Load(); old != nil {
		f.since = old.since
	}
	c.failing.Store(f)
}

// succeeded notes a request that succeeded, ending a run of failures.
func (c *counters) succeeded() {
	if c.failing.Load() != nil {
		c.failing.Store(nil)
	}
}

// Stats returns the writer's counters. It never blocks.
//
// Bytes are counted as written when their frame is sealed, so that Write
// does no accounting of its own. Stats adds the bytes of the frames still
// being filled when it can look at them without waiting, which is always
// unless a Write holds the writer at that moment (one waiting for a free
// frame, for instance); then those bytes show once their frame is sealed.
func (w *Writer) Stats() Stats {
	c := &w.stats
	s := Stats{
		BytesStored:   c.stored.Load(),
		BytesAppended: c.appended.Load(),
		FramesStored:  c.framesStored.Load(),
		Appends:       c.appends.Load(),
		Retries:       c.retries.Load(),
		Reconciled:    c.reconciled.Load(),
		Recovered:     c.recovered.Load(),
		Conflicts:     c.conflicts.Load(),
		Rotations:     c.rotations.Load(),
		DroppedBytes:  c.dropped.Load(),
	}
	// Read the sealed counts after the stored ones: they only grow ahead
	// of them, so Pending is never negative.
	s.Frames = c.frames.Load()
	s.BytesWritten = c.written.Load()
	if w.mu.TryLock() { // never wait behind a blocked Write
		s.BytesWritten = c.written.Load() + w.fillingLocked()
		w.mu.Unlock()
	}
	s.Pending = s.BytesWritten - s.BytesStored
	if f := c.failing.Load(); f != nil {
		s.FailingSince, s.LastFailure = f.since, f.err
	}
	return s
}

// fillingLocked is the number of bytes in frames not sealed yet.
func (w *Writer) fillingLocked() int64 {
	var n int
	if w.cur != nil {
		n += len(w.cur.buf)
	}
	for _, f := range w.reading {
		n += len(f.buf)
	}
	return int64(n)
}
