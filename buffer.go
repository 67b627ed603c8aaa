package ossappend

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ossappend/ossappend/internal/spool"
)

// A frame is one buffer of written bytes on its way to OSS. Frames are the
// unit of everything downstream of Write: a frame is filled, queued,
// compressed, appended and settled as a whole, and it is always in exactly
// one pair of hands: the filling side's (as the current frame), the
// pipeline's (from queued to settled), or the pool's.
type frame struct {
	buf     []byte    // the written bytes; cap grows to FlushSize as needed
	n       int       // len(buf) when queued, kept once buf goes back
	encoded []byte    // the bytes to append: buf itself, or buf compressed
	err     error     // the compressor's error
	seq     uint64    // queue order, from 1; appends follow it
	base    string    // the first key of the chain it goes to: its period's
	born    time.Time // when its first byte was accepted
	due     time.Time // when it must be queued: FlushInterval, or its period's end
	cost    int64     // bytes drawn from the writer's Budget for buf

	file    *spool.Filling // the frame's spool file, while the frame fills in it
	spoolID uint64         // the frame's spool file, once queued
	crc     uint64         // CRC-64 of what is sent, if hasCRC: a spool's appends need it
	hasCRC  bool
	// onFile is the spool whose file holds the frame's bytes, when encoded
	// is nil: the append reads them from there as it sends them.
	onFile *spool.Spool
	// extra: made outside the pool, not returned to it: for a recorded
	// append beyond the pool's frames, or to send a frame of the spool
	// from its map or its file, which takes none of the writer's memory.
	extra bool

	// ready carries one token from the compressor to the append loop when
	// encoded is ready; it is reused from use to use.
	ready chan struct{}
	// state says who holds a frame given to the compressors: once the
	// writer is aborted, the append loop stops waiting for its encoding
	// and leaves the frame's buffers to the compressor (see wait).
	state     atomic.Int32
	abandoned bool // the append loop's note that it left the frame so
}

// The states of a frame given to the compressors.
const (
	stateEncoding  int32 = iota // the compressor holds it
	stateEncoded                // encoded is ready, and the ready token on its way
	stateAbandoned              // the append loop left it: the compressor gives its buffers back
)

// wait waits for the frame's encoding, or until done is closed; then it
// abandons the frame, unless its encoding has just finished, and says
// whether the frame is encoded. The append loop alone calls it.
func (f *frame) wait(done <-chan struct{}) bool {
	select {
	case <-f.ready:
		return true
	case <-done:
		if f.state.CompareAndSwap(stateEncoding, stateAbandoned) {
			f.abandoned = true
			return false
		}
		<-f.ready
		return true
	}
}

// sendLen is the length of what an append of the frame sends.
func (f *frame) sendLen() int64 {
	if f.onFile != nil {
		return int64(f.n)
	}
	return int64(len(f.encoded))
}

// avail is the room left in the frame's buffer as it is now; the buffer
// may grow up to FlushSize.
func (f *frame) avail() int { return cap(f.buf) - len(f.buf) }

// framePool hands out a writer's frames: MaxInflight+1 of them, which
// bounds the memory a writer holds. A frame in the pool holds no buffer:
// buffers come from the process-wide buffer pools when a frame starts
// filling, grow as it fills, and go back when it is settled, so a quiet
// writer holds next to nothing and a busy one reuses warm buffers.
//
// The frames themselves are made when first needed, so that a quiet writer
// holds the one or two its flushes take, not MaxInflight+1.
type framePool struct {
	mu     sync.Mutex
	free   []*frame      // frames made and given back
	tokens chan struct{} // one per frame not in use, made or not, so that get can wait
}

func newFramePool(slots int) *framePool {
	p := &framePool{tokens: make(chan struct{}, slots)}
	for range slots {
		p.tokens <- struct{}{}
	}
	return p
}

// tryGet returns a free frame, or nil if every frame is in use.
func (p *framePool) tryGet() *frame {
	select {
	case <-p.tokens:
		return p.pop()
	default:
		return nil
	}
}

// extra makes a frame beyond the pool's, for the frames of an append an
// earlier writer recorded, which must go out together however many they
// are; put lets it go.
func (p *framePool) extra() *frame {
	return &frame{ready: make(chan struct{}, 1), extra: true}
}

// get waits for a free frame; it returns nil if stop is closed first.
func (p *framePool) get(stop <-chan struct{}) *frame {
	if f := p.tryGet(); f != nil {
		return f
	}
	select {
	case <-p.tokens:
		return p.pop()
	case <-stop:
		return nil
	}
}

// pop takes the top free frame, or makes one, for which the caller holds
// a token.
func (p *framePool) pop() *frame {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) == 0 {
		return &frame{ready: make(chan struct{}, 1)}
	}
	f := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return f
}

// put returns f to the pool. Its buffers must have gone back already.
func (p *framePool) put(f *frame) {
	if f.extra {
		return // the garbage collector's
	}
	f.buf, f.encoded, f.n = nil, nil, 0
	f.err, f.seq, f.base, f.born, f.due, f.cost = nil, 0, "", time.Time{}, time.Time{}, 0
	f.file, f.spoolID, f.crc, f.hasCRC, f.onFile = nil, 0, 0, false, nil
	f.abandoned = false
	p.mu.Lock()
	p.free = append(p.free, f) // within the capacity of the slots
	p.mu.Unlock()
	p.tokens <- struct{}{} // never blocks: the channel holds every frame
}

// The process-wide buffer pools, one per capacity. Capacities are powers
// of two from minBuffer up to 1 MiB, then eighths of the next power of two
// (so that a buffer is at most a quarter larger than asked), or a writer's
// FlushSize, so that buffers of every writer with the same FlushSize are
// shared.
const minBuffer = 4 << 10

var buffers sync.Map // capacity → *sync.Pool of *[]byte

// bufferCap is the capacity of the buffer that holds n bytes of a frame of
// at most max bytes: the size class at or above n, or max itself when that
// is smaller.
func bufferCap(n, max int) int {
	c := minBuffer
	if n > c {
		c = 1 << bits.Len(uint(n-1))
		if c > 1<<20 {
			step := c / 8
			c = (n + step - 1) / step * step
		}
	}
	return min(c, max)
}

// getBuffer returns an empty buffer of capacity c.
func getBuffer(c int) []byte {
	if p, ok := buffers.Load(c); ok {
		if b, ok := p.(*sync.Pool).Get().(*[]byte); ok {
			return (*b)[:0]
		}
	}
	return make([]byte, 0, c)
}

// putBuffer returns b to the pool of its capacity.
func putBuffer(b []byte) {
	if cap(b) == 0 {
		return
	}
	p, ok := buffers.Load(cap(b))
	if !ok {
		p, _ = buffers.LoadOrStore(cap(b), new(sync.Pool))
	}
	b = b[:0]
	p.(*sync.Pool).Put(&b)
}

// getBuf returns an empty buffer of capacity c for one of w's frames: from
// w's Budget, if it has one, or from the process's pools.
func (w *Writer) getBuf(c int) []byte {
	if b := w.cfg.budget; b != nil {
		return b.buffer(c)
	}
	return getBuffer(c)
}

// frameBuf returns the buffer of a new frame, which has drawn cost on
// the Budget, if any, for c bytes: of capacity c, or, with a Budget whose
// memory has no room for c bytes in one piece, of at least least bytes,
// what the frame needs now, the draw made smaller to match. It returns the
// frame's draw (0 without a Budget).
func (w *Writer) frameBuf(c, least int, cost int64) ([]byte, int64) {
	b := w.cfg.budget
	if b == nil {
		return getBuffer(c), 0
	}
	buf := b.bufferAtLeast(c, least, w.room)
	if cap(buf) < c {
		less := w.cfg.draw(cap(buf))
		b.release(cost - less)
		cost = less
	}
	return buf, cost
}

// growBuf returns a buffer of capacity c holding buf's bytes, and gives
// buf back; with a Budget, only if the budget's memory has room for it in
// one piece (see Budget.grow): else it reports false and keeps buf.
func (w *Writer) growBuf(buf []byte, c int) ([]byte, bool) {
	if b := w.cfg.budget; b != nil {
		return b.grow(buf, c, w.room(c))
	}
	nb := append(getBuffer(c), buf...)
	putBuffer(buf)
	return nb, true
}

// room is the part of a Budget's region a frame buffer of capacity c
// takes: its draw, room for its encoding too, so that an encoding larger
// than its frame (see encodeFrame) fits in the part the frame gives back,
// and the region is cut into parts of the frames' sizes only.
func (w *Writer) room(c int) int { return int(w.cfg.draw(c)) }

// putBuf gives back a buffer getBuf returned.
func (w *Writer) putBuf(buf []byte) {
	if b := w.cfg.budget; b != nil {
		b.keep(buf)
		return
	}
	putBuffer(buf)
}
