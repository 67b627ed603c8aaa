package ossappend

import "sync/atomic"

// Stats is a snapshot of a writer's counters, all since NewWriter.
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
}

type counters struct {
	written, stored, appended, frames, framesStored atomic.Int64
	appends, retries, reconciled, recovered         atomic.Int64
	conflicts, rotations, dropped                   atomic.Int64
}

// Stats returns the writer's counters. It never blocks.
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
	// Read written and frames last: they only grow ahead of their stored
	// counterparts, so Pending is never negative.
	s.Frames = c.frames.Load()
	s.BytesWritten = c.written.Load()
	s.Pending = s.BytesWritten - s.BytesStored
	return s
}

// addWrittenLocked counts n accepted bytes. Only holders of Writer.mu
// change the count, so a load and a store do what an atomic add would,
// without the locked instruction that contended writers pay for.
func (w *Writer) addWrittenLocked(n int) {
	w.stats.written.Store(w.stats.written.Load() + int64(n))
}
