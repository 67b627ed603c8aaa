package ossappend

import (
	"context"
	"math"
	"runtime"
	"sync"

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
var compressors struct {
	mu      sync.Mutex
	line    []*Writer // writers with frames waiting, in turn
	running int       // compressors running
}

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
// turn, until no frame waits.
func compressFrames() {
	c := &compressors
	c.mu.Lock()
	for len(c.line) > 0 {
		w := c.line[0]
		c.line[0] = nil
		c.line = c.line[1:]
		w.encoding.inLine = false
		f := w.encoding.waiting[0]
		w.encoding.waiting = w.encoding.waiting[1:]
		w.encoding.taken++
		w.lineUpLocked()
		c.mu.Unlock()

		w.encodeFrame(f)

		c.mu.Lock()
		w.encoding.taken--
		w.lineUpLocked()
	}
	c.running--
	c.mu.Unlock()
}

// encodeFrame compresses f.buf into f.encoded and gives f.buf back: from now
// on the frame holds only its encoded bytes. A frame whose encoding is much
// smaller than the room the codec asked for moves to a buffer that fits.
// A spooled frame also gets the CRC-64 of its encoding here, in parallel,
// which the record of its append needs. Once the writer is aborted, frames
// are not encoded, and a frame the append loop has abandoned meanwhile
// has its buffers given back here.
func (w *Writer) encodeFrame(f *frame) {
	if w.ctx.Err() != nil {
		f.err = context.Cause(w.ctx) // not to be sent: spare the work
		w.handBack(f)
		return
	}
	codec := w.cfg.codec
	scratch := getBuffer(bufferCap(codec.MaxEncodedLen(len(f.buf)), math.MaxInt))
	enc, err := codec.Encode(scratch, f.buf)
	switch fit := bufferCap(len(enc), math.MaxInt); {
	case err != nil:
		putBuffer(enc)
		enc = nil
	case w.cfg.budget != nil:
		// The frame's draw pays for its encoding: into its own buffer, or
		// one the budget makes within the draw.
		dst := f.buf[:0]
		if len(enc) > cap(dst) {
			dst = w.getBuf(len(enc)) // the budget's buffers come in any size
			w.putBuf(f.buf)
		}
		f.buf = nil
		dst = append(dst, enc...)
		putBuffer(enc)
		enc = dst
	case fit < cap(enc):
		small := append(getBuffer(fit), enc...)
		putBuffer(enc)
		enc = small
	}
	w.putBuf(f.buf)
	f.buf, f.encoded, f.err = nil, enc, err
	if w.sp != nil && err == nil {
		f.crc, f.hasCRC = ossapi.CRC64(enc), true
	}
	w.handBack(f)
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
