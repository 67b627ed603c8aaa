package ossappend

import (
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"

	"github.com/ossappend/ossappend/internal/ossapi"
	"github.com/ossappend/ossappend/internal/spool"
)

// This file is the writer's spool at work (see WithSpool): frames in files
// from the moment Write accepts their bytes until their append is settled.
// The rest of the writer reaches it only through the methods of *spooler,
// each of which does nothing on a writer without a spool (a nil spooler).
//
// With a spool the frame being filled is a file's memory map: Write copies
// into it and commits, which survives the death of the process. A frame
// queued goes to the finisher, a goroutine that finishes it on disk (its
// checksum taken off the writer's lock) and hands it to the loader, a
// goroutine that hands it on to the pipeline. Frames wait on disk, not in
// memory, while OSS is slow or down.
//
// Without a codec a frame is sent as it is in the spool: from the map the
// spool keeps of it, or read from its file as the request sends it, in
// frames of the writer's own outside its pool (framePool.extra), so that
// an append carries every frame the spool holds ready, up to
// MaxAppendSize, whatever MaxInflight and the Budget allow in memory: the
// finisher takes each frame's CRC-64 for the record of its append. With a
// codec the loader reads a frame back into one of the writer's
// MaxInflight+1 frames when the pipeline has room, for the compressors,
// whose encoding needs the memory anyway.
//
// Before each append the append loop records what the append assumes;
// once it is settled, the frames' files go. A writer opened on the spool
// again sends what is left, in order, before anything new (recovery.go).

// spooler is a writer's spool and the frames waiting in it.
type spooler struct {
	w     *Writer
	s     *spool.Spool
	limit int64
	cur   frame // the spool's current frame: its buf is the file's map

	mu       sync.Mutex
	filled   []spooled     // frames Write filled, for the finisher, in order
	waiting  []spooled     // finished frames for the loader, in order
	more     chan struct{} // closed and replaced when filled or waiting grows, or ends
	ended    bool          // Close has queued the last frame
	finished bool          // the finisher has finished the last frame, or stopped
	freed    chan struct{} // closed and replaced when frames are removed

	// ready counts the frames finished, or recovered, that the append loop
	// has not taken from the queue yet, when the spool sends its frames
	// itself (direct): while it is above 0, a frame is on its way.
	ready atomic.Int64

	// recorded is the append an earlier writer recorded last, when some of
	// its frames are left (recovery.go). The loader and the append loop
	// read it; the append loop clears it once its frames are settled.
	recorded atomic.Pointer[recordedAppend]

	syncTimer Timer
	synced    uint64     // fill.queued at the last periodic sync, to tell news
	syncing   sync.Mutex // held by a Sync, and by Close to close the spool after it
	counts    spoolCounts
}

// spooled is a frame in the spool, on its way to the loader.
type spooled struct {
	id     uint64
	seq    uint64
	base   string
	n      int64
	file   *spool.Filling // until the finisher has finished it
	crc    uint64         // the CRC-64 of its bytes, if hasCRC (direct)
	hasCRC bool
}

// spoolCounts are a spool's counters (Stats).
type spoolCounts struct {
	recovered, damaged int64
	foundStored        atomic.Int64 // grows once the append loop finds a recorded append stored
}

// openSpool opens w's spool, if it has one, and takes over what an
// earlier writer left in it (recovery.go). key is the key or layout given
// to NewWriter: with the bucket and the codec, the spool's owner.
func openSpool(w *Writer, key string) (*spooler, error) {
	if w.cfg.spoolDir == "" {
		return nil, nil
	}
	s, err := spool.Open(spool.Options{
		Dir:       w.cfg.spoolDir,
		Identity:  spool.Identity{Bucket: w.bucket, Key: key, Codec: w.cfg.codec.Name()},
		FrameSize: w.cfg.flushSize,
	})
	if err != nil {
		return nil, err
	}
	sp := &spooler{w: w, s: s, limit: w.cfg.spoolLimit, more: make(chan struct{}), freed: make(chan struct{})}
	if err := sp.recover(); err != nil {
		s.Close()
		return nil, err
	}
	return sp, nil
}

// direct says whether the spool sends its frames itself, from its maps
// and files, without the writer's memory: without a codec.
func (sp *spooler) direct() bool { return sp != nil && !sp.w.compressed }

// readyBehind says whether frames the spool holds ready are on their way
// to the append loop, which the loader hands on without waiting for
// anything but the append loop: then the append loop may wait for them
// to join the append it is making up.
func (sp *spooler) readyBehind() bool { return sp.direct() && sp.ready.Load() > 0 }

// took notes that the append loop has taken f from the queue.
func (sp *spooler) took(*frame) {
	if sp.direct() {
		sp.ready.Add(-1)
	}
}

// start starts the finisher and the loader.
func (sp *spooler) start() {
	if sp == nil {
		return
	}
	sp.w.group.Go(sp.finisher)
	sp.w.group.Go(sp.loader)
}

// close closes the spool, leaving what it holds for the next writer on it.
// A Sync under way ends first.
func (sp *spooler) close() error {
	if sp == nil {
		return nil
	}
	sp.syncing.Lock()
	defer sp.syncing.Unlock()
	if err := sp.s.Close(); err != nil {
		return fmt.Errorf("ossappend: spool: %w", err)
	}
	return nil
}

// room says whether the spool has room for a new frame, and returns a
// channel that is closed when frames are removed after that look.
func (sp *spooler) room() (bool, <-chan struct{}) {
	sp.mu.Lock()
	freed := sp.freed
	sp.mu.Unlock()
	return sp.s.Used()+int64(sp.w.cfg.flushSize) <= sp.limit, freed
}

// newFrame starts a frame in a new file of the spool, for the chain of
// base, and returns it; its buf is the file's memory.
func (sp *spooler) newFrame(base string) (*frame, error) {
	file, err := sp.s.Create(base)
	if err != nil {
		return nil, err
	}
	f := &sp.cur
	*f = frame{buf: file.Buf, file: file}
	if d := sp.w.cfg.spoolSync; d > 0 && sp.syncTimer == nil {
		sp.syncTimer = sp.w.cfg.clock.AfterFunc(d, sp.syncSoon)
	}
	return f, nil
}

// queue takes the spool's current frame, just queued, for the finisher.
// Its file's room beyond its bytes is free for the next frame at once.
func (sp *spooler) queue(f *frame) {
	f.file.End()
	sp.mu.Lock()
	sp.filled = append(sp.filled, spooled{id: f.file.ID, seq: f.seq, base: f.base, n: int64(f.n), file: f.file})
	sp.wakeLocked()
	sp.mu.Unlock()
	*f = frame{}
}

// end tells the finisher and the loader that no frame comes after those
// queued: the loader closes the append loop's queue once it has loaded
// the rest. It says whether the writer has a spool.
func (sp *spooler) end() bool {
	if sp == nil {
		return false
	}
	sp.mu.Lock()
	sp.ended = true
	sp.wakeLocked()
	sp.mu.Unlock()
	if sp.syncTimer != nil {
		sp.syncTimer.Stop()
	}
	return true
}

// waitLocked waits until ready, which it calls with sp.mu held, says so,
// or done is closed: then it reports false. sp.mu is held when it is
// called and when it returns.
func (sp *spooler) waitLocked(done <-chan struct{}, ready func() bool) bool {
	for !ready() {
		more := sp.more
		sp.mu.Unlock()
		select {
		case <-more:
		case <-done:
			sp.mu.Lock()
			return false
		}
		sp.mu.Lock()
	}
	return true
}

// wakeLocked wakes the finisher and the loader. sp.mu is held.
func (sp *spooler) wakeLocked() {
	close(sp.more)
	sp.more = make(chan struct{})
}

// finisher finishes the frames Write filled on disk (their last
// checkpoint, with a checksum of the whole frame), in order and off the
// writer's lock, and hands them to the loader. It stops once Close has
// queued the last frame and it is finished, or when the writer is
// aborted: closing the spool then leaves the frames not finished
// checkpointed, for the next writer.
func (sp *spooler) finisher() error {
	w := sp.w
	defer func() {
		sp.mu.Lock()
		sp.finished = true
		sp.wakeLocked()
		sp.mu.Unlock()
	}()
	for {
		sp.mu.Lock()
		if !sp.waitLocked(w.ctx.Done(), func() bool { return len(sp.filled) > 0 || sp.ended }) {
			sp.mu.Unlock()
			return nil
		}
		if len(sp.filled) == 0 {
			sp.mu.Unlock()
			return nil
		}
		next := sp.filled[0]
		sp.filled[0] = spooled{}
		sp.filled = sp.filled[1:]
		sp.mu.Unlock()
		if sp.direct() {
			// The record of its append needs the CRC-64 of what is sent.
			next.crc, next.hasCRC = ossapi.CRC64(next.file.Data()), true
		}
		if err := next.file.Finish(); err != nil {
			w.fail(fmt.Errorf("ossappend: spool: %w", err))
			return nil
		}
		next.file = nil
		sp.mu.Lock()
		sp.waiting = append(sp.waiting, next)
		if sp.direct() {
			sp.ready.Add(1)
		}
		sp.wakeLocked()
		sp.mu.Unlock()
	}
}

// loader hands the frames finished in the spool on to the pipeline, in
// order: as they are, without a codec (direct); else read back into the
// writer's frames as they come free, and the frames of a recorded append
// into frames of their own, so that they go out together however many
// they are (framePool.extra). It closes the pipeline's queue when the
// spool has no more, or when the writer has failed or is aborted: frames
// left on disk then wait for the next writer on the spool.
func (sp *spooler) loader() error {
	w := sp.w
	defer close(w.queue)
	for {
		sp.mu.Lock()
		if !sp.waitLocked(w.ctx.Done(), func() bool { return len(sp.waiting) > 0 || sp.finished }) {
			sp.mu.Unlock()
			return nil
		}
		if len(sp.waiting) == 0 || w.failure.Load() != nil {
			sp.mu.Unlock()
			return nil
		}
		next := sp.waiting[0]
		sp.mu.Unlock()

		var f *frame
		var err error
		if sp.direct() {
			f, err = sp.sendable(next)
		} else {
			f, err = sp.load(next)
		}
		if err != nil {
			w.fail(fmt.Errorf("ossappend: spool: read frame %d: %w", next.id, err))
			return nil
		}
		if f == nil {
			return nil // aborted
		}
		sp.mu.Lock()
		sp.waiting = sp.waiting[1:]
		sp.mu.Unlock()
		if sp.direct() {
			w.queue <- f // the append loop takes every frame until the queue closes
		} else {
			w.handOn(f)
		}
	}
}

// sendable makes next a frame to send as it is in the spool: from the map
// the spool keeps of it, or from its file, with the CRC-64 the record of
// its append needs (taken by the finisher, or now for a frame an earlier
// writer left, reading its file through, checked).
func (sp *spooler) sendable(next spooled) (*frame, error) {
	f := &frame{extra: true, n: int(next.n), seq: next.seq, base: next.base, spoolID: next.id}
	if f.encoded = sp.s.View(next.id); f.encoded == nil {
		f.onFile = sp.s
	}
	f.crc, f.hasCRC = next.crc, true
	switch {
	case next.hasCRC:
	case f.encoded != nil:
		f.crc = ossapi.CRC64(f.encoded)
	default:
		r, err := sp.s.Reader(next.id, next.n)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		chunk := chunks.Get().(*[readChunk]byte)
		defer chunks.Put(chunk)
		f.crc = 0
		for {
			k, err := r.Read(chunk[:])
			f.crc = ossapi.UpdateCRC64(f.crc, chunk[:k])
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

// load reads next back into one of the writer's frames, waiting for one
// and for the budget (a frame of a recorded append has one of its own,
// outside both), or returns nil if the writer is aborted first.
func (sp *spooler) load(next spooled) (*frame, error) {
	w := sp.w
	var f *frame
	c := bufferCap(int(next.n), math.MaxInt) // larger than FlushSize, if an earlier writer's was
	if sp.isRecorded(next.id) {
		f = w.frames.extra() // outside the pool and the budget too
	} else {
		if f = w.frames.get(w.ctx.Done()); f == nil {
			return nil, nil
		}
		if b := w.cfg.budget; b != nil {
			cost := min(w.cfg.draw(c), b.limit) // what could never be drawn would wait forever
			if !b.acquire(w.ctx, cost) {
				w.frames.put(f)
				return nil, nil
			}
			f.cost = cost
		}
	}
	buf, err := sp.s.Read(next.id, w.getBuf(c))
	if err != nil {
		w.putBuf(buf)
		if b := w.cfg.budget; b != nil {
			b.release(f.cost)
		}
		w.frames.put(f)
		return nil, err
	}
	f.buf, f.n, f.seq, f.base, f.spoolID = buf, len(buf), next.seq, next.base, next.id
	return f, nil
}

// record records, before an append of b at pos of key, what it assumes,
// so that a writer opened on the spool after a crash can tell whether it
// landed. others are the bodies the spool's record of these frames at
// this place already names (see recordedBodies): the new record keeps
// them, since any of them may still land.
func (sp *spooler) record(b *body, key string, pos int64, crc uint64, crcKnown bool, others []sent) error {
	if sp == nil {
		return nil
	}
	in := spool.Intent{
		First: b.group[0].spoolID, Last: b.group[len(b.group)-1].spoolID,
		Key: key, Pos: pos, CRC: crc, CRCKnown: crcKnown,
		Len: b.n, BodyCRC: b.CRC64(),
	}
	if len(others) > 0 {
		ra := sp.recorded.Load()
		in.First, in.Last = ra.in.First, ra.in.Last // its frames set aside as damaged count too
		in.Earlier = earlierBodies(in, others)
	}
	return sp.s.Record(in)
}

// remove removes the files of settled frames from the spool, and wakes
// writers waiting for room.
func (sp *spooler) remove(group []*frame) error {
	if sp == nil {
		return nil
	}
	list := make([]uint64, len(group))
	for i, f := range group {
		list[i] = f.spoolID
	}
	err := sp.s.Remove(list...)
	sp.mu.Lock()
	close(sp.freed)
	sp.freed = make(chan struct{})
	sp.mu.Unlock()
	if err != nil {
		return fmt.Errorf("ossappend: spool: %w", err)
	}
	return nil
}

// syncSoon is WithSpoolSync's timer: it syncs the spool if bytes were
// accepted since the last time, and comes again while a frame fills. It
// syncs without the writer's lock, so that Write does not wait for the
// disk.
func (sp *spooler) syncSoon() {
	w := sp.w
	w.fill.mu.Lock()
	news := w.fill.cur != nil || w.fill.queued != sp.synced
	sp.synced = w.fill.queued
	if !news && !w.fill.closed {
		sp.syncTimer = nil // idle: the next frame arms it again
	}
	w.fill.mu.Unlock()
	if !news {
		return
	}
	err := sp.sync()
	w.fill.mu.Lock()
	defer w.fill.mu.Unlock()
	if w.fill.closed {
		return
	}
	if err != nil {
		w.report(err)
	}
	sp.syncTimer.Reset(w.cfg.spoolSync)
}

// sync makes everything accepted durable on the spool's disk. After Close
// it returns an error wrapping ErrClosed.
func (sp *spooler) sync() error {
	if sp == nil {
		return nil
	}
	sp.syncing.Lock()
	defer sp.syncing.Unlock()
	w := sp.w
	w.fill.mu.Lock()
	closed := w.fill.closed
	w.fill.mu.Unlock()
	if closed {
		return errClosed
	}
	if err := sp.s.Sync(); err != nil {
		return fmt.Errorf("ossappend: spool: sync: %w", err)
	}
	return nil
}

// stats fills in the spool's part of s.
func (sp *spooler) stats(s *Stats) {
	if sp == nil {
		return
	}
	s.SpooledBytes = sp.s.Used()
	s.SpoolRecovered, s.SpoolFoundStored, s.SpoolDamaged = sp.counts.recovered, sp.counts.foundStored.Load(), sp.counts.damaged
}
