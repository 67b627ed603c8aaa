package ossappend

import (
	"sync"
	"sync/atomic"
	"time"
)

// A frame is one buffer of written bytes on its way to OSS. Frames are the
// unit of everything downstream of Write: one frame is sealed, compressed,
// appended and acknowledged as a whole.
//
// A writer owns a fixed set of MaxInflight+1 frames (its "slots"), handed
// out by a framePool. Write fills one; sealed frames wait for compression
// and their append; when a frame's append is settled it goes back to the
// pool with its buffers, so steady-state writing allocates nothing and
// memory never grows past the set.
type frame struct {
	buf  []byte    // written bytes; cap is FlushSize
	enc  []byte    // bytes to append: buf itself, or buf compressed
	err  error     // compression error
	seq  uint64    // sealing order, from 1; appends follow it
	born time.Time // when the first byte arrived, for FlushInterval

	// sealed is set, under Writer.mu, when the frame leaves Write's hands.
	sealed bool
	// ready carries one token from the compressor to the append loop when
	// enc is ready; it is reused from use to use.
	ready chan struct{}
	// refs counts the holders of the frame: the filler (Write, ReadFrom)
	// until it seals the frame, then the pipeline until the append is
	// settled; and a ReadFrom reading into the frame holds one more for as
	// long as it uses it, so that a seal meanwhile cannot send it back to
	// the pool under its feet. The last holder to let go returns the frame
	// to its pool.
	refs atomic.Int32
	pool *framePool
}

// release drops one reference; the last returns the frame to its pool.
func (f *frame) release() {
	if f.refs.Add(-1) == 0 {
		f.pool.put(f)
	}
}

// framePool hands out a writer's frames. Buffers are allocated on first
// use, so a writer that never fills more than one frame holds one buffer.
// The free list is a stack: the frame settled last, whose buffer is still
// warm in the CPU's caches, is filled next.
type framePool struct {
	mu     sync.Mutex
	free   []*frame
	tokens chan struct{} // one per frame in free, so that get can wait
	size   int           // FlushSize
}

func newFramePool(slots, size int) *framePool {
	p := &framePool{tokens: make(chan struct{}, slots), size: size}
	for range slots {
		p.free = append(p.free, &frame{pool: p, ready: make(chan struct{}, 1)})
		p.tokens <- struct{}{}
	}
	return p
}

// pop takes the top free frame, for which the caller holds a token, and
// readies it for filling.
func (p *framePool) pop() *frame {
	p.mu.Lock()
	f := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	p.mu.Unlock()
	if f.buf == nil {
		f.buf = make([]byte, 0, p.size)
	}
	f.refs.Store(1)
	return f
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

// get waits for a free frame; it gives up with ErrClosed when stop is
// closed first.
func (p *framePool) get(stop <-chan struct{}) (*frame, error) {
	if f := p.tryGet(); f != nil {
		return f, nil
	}
	select {
	case <-p.tokens:
		return p.pop(), nil
	case <-stop:
		return nil, ErrClosed
	}
}

func (p *framePool) put(f *frame) {
	f.reset()
	p.mu.Lock()
	p.free = append(p.free, f) // within the capacity of the slots
	p.mu.Unlock()
	p.tokens <- struct{}{} // never blocks: the channel holds every frame
}

// reset empties a frame for filling again, keeping its buffers. f.enc is
// left as it is: sealing points it at buf, or compressing overwrites it,
// before anything reads it.
func (f *frame) reset() {
	f.buf = f.buf[:0]
	f.err, f.seq, f.born, f.sealed = nil, 0, time.Time{}, false
}

// avail is the room left in the frame.
func (f *frame) avail() int { return cap(f.buf) - len(f.buf) }
