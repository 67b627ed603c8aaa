package ossappend

import (
	"context"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// A Budget caps the memory that the frames of many writers hold together:
// make one with NewBudget and pass it to each writer with WithBudget. A
// writer draws on it for each frame buffer it fills, as the buffer grows,
// and gives the bytes back when the frame's append is settled. When the
// budget is spent, a Write that needs more waits until other frames are
// stored, or, for a writer made WithNonBlocking, drops its bytes (see
// ErrDropped); Stats.BudgetWaits counts the waits.
//
// The budget counts the buffers Write fills. A compressed frame's encoded
// bytes replace its buffer once encoded, and are counted in its place;
// only an incompressible frame's encoding is a little larger, by at most
// the codec's MaxEncodedLen. A Budget is safe for concurrent use.
type Budget struct {
	limit int64
	sem   *semaphore.Weighted
	used  atomic.Int64
}

// NewBudget returns a budget of limit bytes. Every writer that uses it
// must have a FlushSize of at most limit.
func NewBudget(limit int64) *Budget {
	return &Budget{limit: limit, sem: semaphore.NewWeighted(max(limit, 1))}
}

// Limit returns the budget's size in bytes.
func (b *Budget) Limit() int64 { return b.limit }

// Used returns the bytes the writers' frames hold now.
func (b *Budget) Used() int64 { return b.used.Load() }

func (b *Budget) check(flushSize int) error {
	if b.limit < int64(flushSize) {
		return fmt.Errorf("%w: budget of %d bytes: smaller than the flush size %d", ErrInvalidArgument, b.limit, flushSize)
	}
	return nil
}

// tryAcquire draws n bytes if they are there.
func (b *Budget) tryAcquire(n int64) bool {
	if n <= 0 {
		return true
	}
	if !b.sem.TryAcquire(n) {
		return false
	}
	b.used.Add(n)
	return true
}

// acquire waits for n bytes, or until ctx ends, when it says so.
func (b *Budget) acquire(ctx context.Context, n int64) bool {
	if n <= 0 {
		return true
	}
	if b.sem.Acquire(ctx, n) != nil {
		return false
	}
	b.used.Add(n)
	return true
}

// release gives n bytes back.
func (b *Budget) release(n int64) {
	if n > 0 {
		b.used.Add(-n)
		b.sem.Release(n)
	}
}
