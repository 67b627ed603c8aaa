package ossappend

import (
	"context"
	"fmt"
	"sync"
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
// The budget counts the buffers Write fills. A writer with a codec draws
// for each buffer the room its encoding may take, if that is more (the
// codec's MaxEncodedLen: for a 4 MiB frame, 50 bytes more with s2, 1.3 KiB
// with gzip, 32 KiB with zstd), and the encoded bytes then take the
// buffer's place, in the buffer itself when they fit. The compressors' own scratch
// buffers, one per compressor in the process, are outside any budget.
// The buffers themselves are the budget's: a
// buffer its writers are done with waits for the next of them to need one
// of its size, and the budget lets go of such spare buffers before it
// makes a new one that would take it past its size, so that the frames'
// buffers, in use or spare, take at most the budget's bytes of memory. A
// Budget is safe for concurrent use.
type Budget struct {
	limit int64
	sem   *semaphore.Weighted
	used  atomic.Int64

	mu    sync.Mutex
	held  int64            // bytes of the buffers made and not let go: in use or spare
	spare map[int][][]byte // by capacity
}

// NewBudget returns a budget of limit bytes. Every writer that uses it
// must have a FlushSize of at most limit.
func NewBudget(limit int64) *Budget {
	return &Budget{limit: limit, sem: semaphore.NewWeighted(max(limit, 1))}
}

// Used returns the bytes the writers' frames hold now.
func (b *Budget) Used() int64 { return b.used.Load() }

// check checks that a frame of flushSize bytes, which draws need, fits
// in the budget.
func (b *Budget) check(flushSize int, need int64) error {
	if b.limit < need {
		return fmt.Errorf("%w: budget of %d bytes: smaller than a frame of the flush size %d, which takes %d with the codec's room to encode it", ErrInvalidArgument, b.limit, flushSize, need)
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

// buffer returns an empty buffer of capacity c for a frame of the budget's
// writers, which have drawn c bytes: a spare one of that size, or a new
// one, made after letting go of spare buffers if it would take the budget
// past its size.
func (b *Budget) buffer(c int) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if list := b.spare[c]; len(list) > 0 {
		buf := list[len(list)-1]
		list[len(list)-1] = nil // the list keeps no hold on it
		b.spare[c] = list[:len(list)-1]
		return buf
	}
	for size, list := range b.spare {
		if b.held+int64(c) <= b.limit {
			break
		}
		for len(list) > 0 && b.held+int64(c) > b.limit {
			list[len(list)-1] = nil // let go: the garbage collector's now
			list = list[:len(list)-1]
			b.held -= int64(size)
		}
		b.spare[size] = list
	}
	b.held += int64(c)
	return make([]byte, 0, c)
}

// keep takes back a buffer of the budget's writers as a spare.
func (b *Budget) keep(buf []byte) {
	if cap(buf) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.spare == nil {
		b.spare = map[int][][]byte{}
	}
	b.spare[cap(buf)] = append(b.spare[cap(buf)], buf[:0])
}
