package ossappend

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"weak"

	"github.com/ossappend/ossappend/internal/ossapi"
)

// The compressors are one set of goroutines for the whole process: they
// encode the queued frames of every writer that has a codec. They start
// when there is work, at most GOMAXPROCS of them, and end when there is
// none, so that a process with many quiet writers runs none.
//
// Writers take turns: a compressor takes one frame of the writer at the
// head of the line, and a writer with more frames waiting goes to the back,
// so a busy writer cannot starve the others. A writer has at most
// Concurrency frames in the compressors' hands at once. Frames of one
// writer may finish out of order; the append loop waits for each frame's
// ready token, in order, so appends stay in order.
//
// Each compressor encodes into a scratch buffer of its own, which it keeps
// while it runs, grown to the largest encoding room it needs, and leaves
// for the next compressor when it ends: so a frame costs no buffer of its
// own size, whatever mix of frame sizes the writers have, and the process
// holds at most GOMAXPROCS of them, the largest. Those left are held
// weakly: a collection while no compressor runs lets them go.
var compressors struct {
	mu      sync.Mutex
	line    []*Writer                  // writers with frames waiting, in turn
	running int                        // compressors running
	scratch []weak.Pointer[scratchBuf] // left by compressors that ended, at most GOMAXPROCS
}

// scratchBuf is a compressor's scratch buffer.
type scratchBuf struct{ b []byte }

// encodingState is a writer's part in the compressors, under their mutex.
type encodingState struct {
	waiting []*frame // queued frames not yet taken, in order
	taken   int      // frames being encoded now
	inLine  bool     // the writer is in the line
}

// handOn sends a queued frame down the pipeline: to the append loop's
// queue, which never blocks (it holds every frame), and to the compressors
// if the writer has a codec. The filling side and the spool's loader hand
// frames on this way, in queue order.
func (w *Writer) handOn(f *frame) {
	if !w.compressed {
		f.encoded = f.buf
		w.queue <- f
		return
	}
	w.queue <- f
	w.encode(f)
}

// encode hands a queued frame to the compressors.
func (w *Writer) encode(f *frame) {
	f.state.Store(stateEncoding)
	c := &compressors
	c.mu.Lock()
	w.encoding.waiting = append(w.encoding.waiting, f)
	w.lineUpLocked()
	if c.running < runtime.GOMAXPROCS(0) && len(c.line) > 0 {
		c.running++
		go compressFrames()
	}
	c.mu.Unlock()
}

// lineUpLocked puts w at the back of the line if it has frames waiting
// and room for another in the compressors' hands.
func (w *Writer) lineUpLocked() {
	if !w.encoding.inLine && len(w.encoding.waiting) > 0 && w.encoding.taken < w.cfg.concurrency {
		compressors.line = append(compressors.line, w)
		w.encoding.inLine = true
	}
}

// compressFrames is one compressor: it encodes frames, a writer's at a time in
// turn, until no frame waits, into the scratch buffer it takes from the
// pool when it starts and leaves there when it ends.
func compressFrames() {
	c := &compressors
	c.mu.Lock()
	scratch := takeScratch()
	for len(c.line) > 0 {
		w := c.line[0]
		c.line = slices.Delete(c.line, 0, 1) // in place: the array serves on
		w.encoding.inLine = false
		f := w.encoding.waiting[0]
		w.encoding.waiting = slices.Delete(w.encoding.waiting, 0, 1)
		w.encoding.taken++
		w.lineUpLocked()
		c.mu.Unlock()

		scratch.b = w.encodeFrame(f, scratch.b)

		c.mu.Lock()
		w.encoding.taken--
		w.lineUpLocked()
	}
	c.running--
	leaveScratch(scratch)
	c.mu.Unlock()
}

// takeScratch takes the largest scratch buffer compressors left, or an
// empty one. compressors.mu is held.
func takeScratch() *scratchBuf {
	c := &compressors
	best := -1
	var s *scratchBuf
	for i, p := range c.scratch {
		if o := p.Value(); o != nil && (s == nil || cap(o.b) > cap(s.b)) {
			best, s = i, o
		}
	}
	if s == nil {
		c.scratch = c.scratch[:0]
		return new(scratchBuf)
	}
	c.scratch = slices.Delete(c.scratch, best, best+1)
	return s
}

// leaveScratch leaves s for the next compressor, if there is room among
// those left or it is larger than one of them. compressors.mu is held.
func leaveScratch(s *scratchBuf) {
	c := &compressors
	if cap(s.b) == 0 {
		return
	}
	if len(c.scratch) < runtime.GOMAXPROCS(0) {
		c.scratch = append(c.scratch, weak.Make(s))
		return
	}
	for i, p := range c.scratch {
		if o := p.Value(); o == nil || cap(o.b) < cap(s.b) {
			c.scratch[i] = weak.Make(s)
			return
		}
	}
}

// encodeFrame compresses f.buf into f.encoded and gives f.buf back: from
// now on the frame holds only its encoded bytes. The codec encodes into
// scratch, which encodeFrame makes half the frame's size if it is smaller
// (log text compresses to a third and less with every codec; the codec
// grows it for a frame that does not, and the larger one is kept). The
// encoding is copied into the frame's own buffer with a Budget, or into a
// buffer that fits if it is much smaller than the scratch buffer, which
// is returned to be used again; else the encoding keeps the scratch
// buffer and encodeFrame returns nil. A spooled frame also gets the
// CRC-64 of its encoding here, in parallel, which the record of its
// append needs. Once the writer is aborted, frames are not encoded, and a
// frame the append loop has abandoned meanwhile has its buffers given
// back here.
func (w *Writer) encodeFrame(f *frame, scratch []byte) []byte {
	if w.ctx.Err() != nil {
		f.err = context.Cause(w.ctx) // not to be sent: spare the work
		w.handBack(f)
		return scratch
	}
	codec := w.cfg.codec
	if want := bufferCap(min(codec.MaxEncodedLen(len(f.buf)), len(f.buf)/2), math.MaxInt); cap(scratch) < want {
		putBuffer(scratch)
		scratch = getBuffer(want)
	}
	enc, err := codec.Encode(scratch[:0], f.buf)
	grown := cap(enc) > cap(scratch) // the codec needed more room: enc is a new array
	switch fit := bufferCap(len(enc), math.MaxInt); {
	case err != nil:
		enc = nil
	case w.cfg.budget != nil:
		// The frame's draw pays for its encoding: into its own buffer, or
		// one the budget makes within the draw.
		dst := f.buf[:0]
		if len(enc) > cap(dst) {
			w.putBuf(f.buf)          // first, so that its room serves the new one
			dst = w.getBuf(len(enc)) // the budget's buffers come in any size
		}
		f.buf = nil
		if grown {
			scratch = enc[:0] // the larger one, for the next frames
		}
		enc = append(dst, enc...)
	case fit < cap(enc):
		if grown {
			scratch = enc[:0]
		}
		enc = append(getBuffer(fit), enc...)
	case !grown:
		scratch = nil // the encoding keeps it
	}
	w.putBuf(f.buf)
	f.buf, f.encoded, f.err = nil, enc, err
	if w.sp != nil && err == nil {
		f.crc, f.hasCRC = ossapi.CRC64(enc), true
	}
	w.handBack(f)
	return scratch
}

// handBack hands the frame back to the append loop, or, if the loop has
// abandoned it, gives its buffers back (the frame itself stays out of the
// pool: the writer is ending).
func (w *Writer) handBack(f *frame) {
	if f.state.CompareAndSwap(stateEncoding, stateEncoded) {
		f.ready <- struct{}{}
		return
	}
	w.putBuf(f.buf)
	w.putBuf(f.encoded)
	if b := w.cfg.budget; b != nil {
		b.release(f.cost)
	}
}
