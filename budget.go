package ossappend

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
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
// buffer's place: in the buffer itself when they fit, else in the room
// the budget set aside with it. The compressors' own
// scratch buffers, one per compressor in the process, are outside any
// budget, and so are the frames a spool sends as they are (see WithSpool).
//
// The memory is the budget's own: a region of its size, taken from the
// operating system when the first buffer is needed, outside the Go heap
// (where the system maps anonymous memory: Linux, the BSDs, macOS,
// Windows, Solaris, AIX; elsewhere, and where that fails, each buffer
// comes from the heap as it is needed). The budget hands out every buffer
// from the region, with its room, and they come back to it, never to the
// garbage collector: pages the buffers never reach are never touched, and
// the garbage collector neither paces itself by the region nor has it to
// reclaim. A buffer that does not fit in the region in one piece (the
// region is cut up by buffers of other sizes) comes from the process's
// buffer pools instead, and goes back there; a frame that cannot grow in
// one piece is sent on as it is. Memory tells what the buffers take. A
// Budget is safe for concurrent use; the region lasts as long as the
// Budget. (Built with the race detector, which watches only the heap, the
// region is on the heap.)
type Budget struct {
	limit int64
	sem   draws
	used  atomic.Int64

	mu      sync.Mutex
	region  []byte           // the budget's memory, once a buffer is needed; nil before
	free    []extent         // the parts of region not handed out, by offset, none adjacent
	top     int              // the end of the part of region ever handed out
	lent    map[*byte]extent // the parts of region handed out, by their buffer's first byte
	outside int64            // bytes of buffers handed out from the heap, not back yet
	noMap   bool             // the region could not be had: every buffer is the heap's
}

// extent is a part of a budget's region: n bytes from off. A buffer
// handed out from it may have a smaller capacity: the rest is room set
// aside for it (see bufferAtLeast).
type extent struct{ off, n int }

// NewBudget returns a budget of limit bytes. Every writer that uses it
// must have a FlushSize of at most limit.
func NewBudget(limit int64) *Budget {
	return &Budget{limit: limit, sem: draws{size: max(limit, 1)}}
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
	if !b.sem.tryAcquire(n) {
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
	if !b.sem.acquire(ctx, n) {
		return false
	}
	b.used.Add(n)
	return true
}

// release gives n bytes back.
func (b *Budget) release(n int64) {
	if n > 0 {
		b.used.Add(-n)
		b.sem.release(n)
	}
}

// draws is a budget's bytes as a weighted semaphore, first come first
// served, as golang.org/x/sync/semaphore's, without allocating for a wait:
// its waiters come from a pool, each with its channel.
type draws struct {
	mu      sync.Mutex
	size    int64
	cur     int64
	waiters []*drawWaiter // in order of arrival
}

type drawWaiter struct {
	n     int64
	ready chan struct{} // gets a token once n is drawn for it
}

var drawWaiters = sync.Pool{New: func() any { return &drawWaiter{ready: make(chan struct{}, 1)} }}

// tryAcquire draws n if it is there and nobody waits.
func (d *draws) tryAcquire(n int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.waiters) == 0 && d.size-d.cur >= n {
		d.cur += n
		return true
	}
	return false
}

// acquire draws n, waiting behind those who came first, and says whether
// it did: not if ctx ends first.
func (d *draws) acquire(ctx context.Context, n int64) bool {
	d.mu.Lock()
	if len(d.waiters) == 0 && d.size-d.cur >= n {
		d.cur += n
		d.mu.Unlock()
		return true
	}
	w := drawWaiters.Get().(*drawWaiter)
	w.n = n
	d.waiters = append(d.waiters, w)
	d.mu.Unlock()
	select {
	case <-w.ready:
		drawWaiters.Put(w)
		return true
	case <-ctx.Done():
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-w.ready: // drawn meanwhile: give it back
		d.cur -= n
	default:
		i := slices.Index(d.waiters, w)
		d.waiters = slices.Delete(d.waiters, i, i+1)
	}
	d.wakeLocked() // those behind it may fit now
	drawWaiters.Put(w)
	return false
}

// release gives n back and draws for the waiters it lets through.
func (d *draws) release(n int64) {
	d.mu.Lock()
	d.cur -= n
	d.wakeLocked()
	d.mu.Unlock()
}

// wakeLocked draws for the waiters in order, as long as the first fits.
// d.mu is held.
func (d *draws) wakeLocked() {
	for len(d.waiters) > 0 && d.size-d.cur >= d.waiters[0].n {
		w := d.waiters[0]
		d.cur += w.n
		d.waiters = slices.Delete(d.waiters, 0, 1) // in place: the array serves the next ones
		w.ready <- struct{}{}
	}
}

// Memory returns the bytes of memory the budget's buffers take: the part
// of its region they have reached (the region is reused, never given
// back), and the buffers that did not fit in it, made on the heap, until
// they come back. It is at most the budget's size but for those.
func (b *Budget) Memory() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return int64(b.top) + b.outside
}

// buffer returns an empty buffer of capacity c for a frame of the budget's
// writers, which have drawn c bytes: from the budget's region, the
// smallest free part that holds c bytes, or, if none does, from the heap.
func (b *Budget) buffer(c int) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bufferLocked(c, c)
}

// bufferAtLeast is buffer, but it sets room(c) bytes of the region aside
// for a buffer of capacity c (a frame's, with the room its encoding may
// need: given back for the encoding, the part holds it); and if the
// budget's region has no room for that in one piece and least is less, a
// buffer of least bytes, with its room, from it if it has room for that;
// from the heap if neither fits.
func (b *Budget) bufferAtLeast(c, least int, room func(int) int) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.region == nil {
		return b.bufferLocked(c, room(c))
	}
	if least < c && b.fitLocked(room(c)) < 0 && b.fitLocked(room(least)) >= 0 {
		c = least
	}
	return b.bufferLocked(c, room(c))
}

// bufferLocked hands out a buffer of capacity c with n bytes of the region
// (n >= c) set aside for it, or a buffer of the heap's. b.mu is held.
func (b *Budget) bufferLocked(c, n int) []byte {
	if c == 0 {
		return nil // keep skips a buffer of no capacity
	}
	if b.region == nil && !b.noMap {
		region, err := mapRegion(int(min(b.limit, math.MaxInt)))
		if err != nil {
			b.noMap = true // a budget of more than the address space, say
		} else {
			b.region, b.free, b.lent = region, []extent{{0, len(region)}}, map[*byte]extent{}
			runtime.AddCleanup(b, unmapRegion, region)
		}
	}
	if i := b.fitLocked(n); i >= 0 {
		off := b.free[i].off
		b.takeLocked(i, off, n)
		return b.lentLocked(extent{off, n}, c)
	}
	b.outside += int64(c)
	return getBuffer(c)
}

// fitLocked returns the index of the smallest free part that holds c
// bytes, or -1 if none does: the best fit, which keeps large parts whole
// for large buffers. b.mu is held.
func (b *Budget) fitLocked(c int) int {
	best := -1
	for i, e := range b.free {
		if e.n >= c && c > 0 && (best < 0 || e.n < b.free[best].n) {
			best = i
			if e.n == c {
				break
			}
		}
	}
	return best
}

// grow returns a buffer of capacity c, with n bytes of the region set
// aside for it (see bufferAtLeast), holding buf's bytes, and takes buf
// back: buf itself, within the room it has or grown into the free part
// after it if that is free and large enough; else the smallest free part
// that holds n bytes, buf's own room included (its bytes are moved down,
// if they must, with copy), so that a frame that grows needs no room for
// two buffers at once. If no part holds n bytes, grow reports false and
// keeps buf as it is: the frame is sent on as it is, as when the budget
// is spent.
func (b *Budget) grow(buf []byte, c, n int) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cap(buf) == 0 {
		return b.bufferLocked(c, n), true
	}
	e, ok := b.lent[&buf[:1][0]]
	if !ok { // a buffer of the heap's
		nb := append(b.bufferLocked(c, n), buf...)
		b.outside -= int64(cap(buf))
		putBuffer(buf)
		return nb, true
	}
	if n <= e.n {
		return b.region[e.off : e.off+len(buf) : e.off+c], true
	}
	end := e.off + e.n
	i, _ := slices.BinarySearchFunc(b.free, end, func(e extent, off int) int { return cmp.Compare(e.off, off) })
	if i < len(b.free) && b.free[i].off == end && e.n+b.free[i].n >= n {
		b.takeLocked(i, end, n-e.n)
		b.lent[&b.region[e.off]] = extent{e.off, n}
		b.top = max(b.top, e.off+n)
		return b.region[e.off : e.off+len(buf) : e.off+c], true
	}
	k := len(buf)
	b.releaseLocked(buf)
	i = b.fitLocked(n)
	if i < 0 {
		b.reserveLocked(e.off, e.n) // buf stays as it was
		b.lent[&b.region[e.off]] = e
		return buf, false
	}
	to := b.free[i].off
	b.takeLocked(i, to, n)
	nb := b.lentLocked(extent{to, n}, c)[:k]
	copy(nb, b.region[e.off:e.off+k]) // nothing wrote to buf's room since it was released
	return nb, true
}

// reserveLocked takes the n free bytes at off, which lie in one free
// part, out of it. b.mu is held.
func (b *Budget) reserveLocked(off, n int) {
	i, found := slices.BinarySearchFunc(b.free, off, func(e extent, off int) int { return cmp.Compare(e.off, off) })
	if !found {
		i-- // the part that starts before off holds it
	}
	e := b.free[i]
	switch {
	case e.off == off && e.n == n:
		b.free = slices.Delete(b.free, i, i+1)
	case e.off == off:
		b.free[i] = extent{off + n, e.n - n}
	case e.off+e.n == off+n:
		b.free[i].n -= n
	default:
		b.free[i].n = off - e.off
		b.free = slices.Insert(b.free, i+1, extent{off + n, e.off + e.n - off - n})
	}
}

// takeLocked takes n bytes from off, the start of free part i or, when
// growing a buffer in place, the start of the part after it. b.mu is held.
func (b *Budget) takeLocked(i, off, n int) {
	e := b.free[i]
	if e.n == n {
		b.free = slices.Delete(b.free, i, i+1)
	} else {
		b.free[i] = extent{off + n, e.n - n}
	}
}

// lentLocked hands out the part e of the region as a buffer of capacity
// c. b.mu is held.
func (b *Budget) lentLocked(e extent, c int) []byte {
	buf := b.region[e.off : e.off : e.off+c]
	b.lent[&b.region[e.off]] = e
	b.top = max(b.top, e.off+e.n)
	return buf
}

// keep takes back a buffer that buffer or grow returned.
func (b *Budget) keep(buf []byte) {
	if cap(buf) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.releaseLocked(buf)
}

// releaseLocked takes buf back: into the region, joined with the free
// parts beside it, or, for a buffer of the heap's, into the process's
// buffer pools. b.mu is held.
func (b *Budget) releaseLocked(buf []byte) {
	first := &buf[:1][0]
	e, ok := b.lent[first]
	if !ok {
		b.outside -= int64(cap(buf))
		putBuffer(buf) // back to the process's pools
		return
	}
	delete(b.lent, first)
	off, n := e.off, e.n
	i, _ := slices.BinarySearchFunc(b.free, off, func(e extent, off int) int { return cmp.Compare(e.off, off) })
	if i > 0 && b.free[i-1].off+b.free[i-1].n == off { // joins the part before it
		i--
		b.free[i].n += n
	} else {
		b.free = slices.Insert(b.free, i, extent{off, n})
	}
	if j := i + 1; j < len(b.free) && b.free[i].off+b.free[i].n == b.free[j].off { // and the part after
		b.free[i].n += b.free[j].n
		b.free = slices.Delete(b.free, j, j+1)
	}
}
