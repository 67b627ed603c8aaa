package ossappend

import (
	"sync"
	"time"
)

// A frame is one buffer of written bytes on its way to OSS. Frames are the
// unit of everything downstream of Write: a frame is filled, queued,
// compressed, appended and settled as a whole, and it is always in exactly
// one pair of hands: the filling side's (as the current frame), the
// pipeline's (from queued to settled), or the pool's.
type frame struct {
	buf  []byte    // the written bytes; cap is FlushSize
	enc  []byte    // the bytes to append: buf itself, or buf compressed
	err  error     // the compressor's error
	seq  uint64    // queue order, from 1; appends follow it
	born time.Time // when the first byte arrived, for FlushInterval

	// ready carries one token from the compressor to the append loop when
	// enc is ready; it is reused from use to use.
	ready chan struct{}
}

// avail is the room left in the frame.
func (f *frame) avail() int { return cap(f.buf) - len(f.buf) }

// framePool hands out a writer's frames: MaxInflight+1 of them, so memory
// never grows past that set. Buffers are allocated on first use, so a
// writer that never fills more than one frame holds one buffer. The free
// list is a stack: the frame settled last, whose buffer is still warm in
// the CPU's caches, is filled next.
type framePool struct {
	mu     sync.Mutex
	free   []*frame
	tokens chan struct{} // one per frame in free, so that get can wait
	size   int           // FlushSize
}

func newFramePool(slots, size int) *framePool {
	p := &framePool{tokens: make(chan struct{}, slots), size: size}
	for range slots {
		p.free = append(p.free, &frame{ready: make(chan struct{}, 1)})
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

// pop takes the top free frame, for which the caller holds a token.
func (p *framePool) pop() *frame {
	p.mu.Lock()
	f := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	p.mu.Unlock()
	if f.buf == nil {
		f.buf = make([]byte, 0, p.size)
	}
	return f
}

// put empties f and returns it to the pool, keeping its buffers. f.enc is
// left as it is: queuing points it at buf, or compressing overwrites it,
// before anything reads it.
func (p *framePool) put(f *frame) {
	f.buf = f.buf[:0]
	f.err, f.seq, f.born = nil, 0, time.Time{}
	p.mu.Lock()
	p.free = append(p.free, f) // within the capacity of the slots
	p.mu.Unlock()
	p.tokens <- struct{}{} // never blocks: the channel holds every frame
}
