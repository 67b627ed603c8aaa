package ossappend

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
	"github.com/ossappend/ossappend/internal/spool"
)

// This file is the writer's spool (see WithSpool): frames in files from
// the moment Write accepts their bytes until their append is settled.
//
// With a spool the frame being filled is a file's memory map: Write copies
// into it and commits, which survives the death of the process. A frame
// queued is finished on disk and waits there, in order, for the loader, a
// goroutine that reads it back into one of the writer's MaxInflight+1
// frames when the pipeline has room, so that frames wait on disk, not in
// memory, while OSS is slow or down. Before each append the append loop
// records what the append assumes; once it is settled, the frames' files
// go. A writer opened on the spool again finds the frames left, decides
// with HeadObject whether the append recorded last landed, and sends the
// rest, in order, before anything new.

// DefaultSpoolLimit is how many bytes of frames a spool holds before Write
// waits (or drops) unless WithSpoolLimit says otherwise.
const DefaultSpoolLimit int64 = 1 << 30

// Errors of a spool.
var (
	// ErrSpoolFull means the disk (or a quota, or a file size limit) has no
	// room for the spool's next frame. It stops the writer; what Write
	// accepted before stays in the spool, for the next writer on it.
	ErrSpoolFull = spool.ErrFull

	// ErrSpoolBusy means another writer, in this process or another, holds
	// the spool directory; the error names the directory and the key the
	// spool belongs to.
	ErrSpoolBusy = spool.ErrBusy

	// ErrSpoolDamaged is what the error handler hears of a file of the
	// spool that failed its checksums: it was set aside in the spool's
	// quarantine folder, and none of its bytes that fail them is sent.
	ErrSpoolDamaged = spool.ErrDamaged
)

// WithSpool makes the writer keep every frame in files under dir, from the
// moment Write accepts its bytes until OSS has stored them, so that a
// process killed at any moment (SIGKILL, out of memory) loses nothing: the
// next writer opened with the same dir sends what is left, exactly once
// and in order, before anything new. Frames wait there, not in memory,
// while OSS is slow or unreachable, up to WithSpoolLimit's bytes.
//
// Where memory maps work (Linux, Windows), a frame being filled is a file
// mapped into memory: Write stays a copy, into pages the kernel keeps
// whatever becomes of the process, and needs no system call. Elsewhere
// each Write writes its bytes to the file. Either way surviving the death
// of the process needs no fsync; surviving a power loss does: Sync makes
// everything accepted durable on disk and returns without waiting for
// OSS, Flush does that and waits, and WithSpoolSync syncs on a period.
//
// dir must exist and be writable, and hold nothing but a spool of this
// bucket, key (or layout) and codec, or nothing: NewWriter refuses another
// writer's spool, naming it. One writer at a time holds a spool.
func WithSpool(dir string) Option { return func(c *config) { c.spoolDir = dir } }

// WithSpoolLimit sets how many bytes of frames the spool holds at most
// (default DefaultSpoolLimit, 1 GiB): when OSS keeps failing and the limit
// is reached, Write blocks, or drops with WithNonBlocking, until appends
// free room. It must be at least FlushSize.
func WithSpoolLimit(n int64) Option { return func(c *config) { c.spoolLimit = n } }

// WithSpoolSync makes the writer sync its spool to disk every d while it
// has bytes not yet stored, so that a power loss loses at most the bytes
// accepted in the last d (default 0: only Sync and Flush sync).
func WithSpoolSync(d time.Duration) Option { return func(c *config) { c.spoolSync = d } }

// spooler is a writer's spool and the queue of frames waiting in it.
type spooler struct {
	s     *spool.Spool
	limit int64
	fill  frame // the frame being filled: its buf is the file's map

	mu       sync.Mutex
	filled   []spooled     // frames Write filled, to be finished on disk, in order
	waiting  []spooled     // finished frames not loaded yet, in order
	more     chan struct{} // closed and replaced when filled or waiting grows, or ends
	ended    bool          // Close has queued the last frame
	finished bool          // the finisher has finished the last frame, or stopped
	freed    chan struct{} // closed and replaced when frames are removed

	// ghost is the append an earlier writer recorded last, when recovery
	// found it had not landed: a request of a process that died may still
	// be applied after its death. Its frames go again first, alone, as one
	// append at the same place, so that the append loop can tell the late
	// one landed if it meets it there (appender.ghostLanded).
	ghost *spool.Intent

	syncTimer Timer
	synced    uint64     // fill.queued at the last periodic sync, to tell news
	syncing   sync.Mutex // held by a Sync, and by Close to close the spool after it
	counts    spoolCounts
}

// spooled is a frame on disk, queued.
type spooled struct {
	id   uint64
	seq  uint64
	base string
	n    int64
	fill *spool.Filling // until the finisher has finished it
}

// spoolCounts are a spool's counters (Stats).
type spoolCounts struct {
	recovered, damaged int64
	foundStored        atomic.Int64 // grows if a late append lands (see ghost)
}

// openSpool opens the writer's spool and settles what an earlier writer
// left: the append it recorded last is looked up in OSS, and the frames it
// stored are removed; the others are queued, first, with seqs from 1.
func (w *Writer) openSpool(ctx context.Context, base string) error {
	s, err := spool.Open(spool.Options{
		Dir:       w.cfg.spoolDir,
		Identity:  spool.Identity{Bucket: w.bucket, Key: w.cfg.spoolKey, Codec: w.cfg.codec.Name()},
		FrameSize: w.cfg.flushSize,
	})
	if err != nil {
		return err
	}
	sp := &spooler{s: s, limit: w.cfg.spoolLimit, more: make(chan struct{}), freed: make(chan struct{})}
	w.sp = sp
	rec := s.Recovered()
	sp.counts.damaged = int64(len(rec.Damaged))
	for _, d := range rec.Damaged {
		w.report(fmt.Errorf("ossappend: spool %s: %w: %s; set aside as %s", w.cfg.spoolDir, ErrSpoolDamaged, d.Reason, d.Path))
	}
	frames, err := w.settleRecorded(ctx, rec)
	if err != nil {
		s.Close()
		w.sp = nil
		return err
	}
	for _, f := range frames {
		w.fill.queued++
		w.fill.written += f.Len
		sp.waiting = append(sp.waiting, spooled{id: f.ID, seq: w.fill.queued, base: f.Base, n: f.Len})
	}
	sp.counts.recovered = int64(len(frames))
	return nil
}

// settleRecorded decides the fate of the frames an earlier writer left,
// by the append it recorded last: if that append's first frame is gone,
// and not set aside as damaged, the append landed and its frames were
// being removed; otherwise HeadObject (and a ranged GetObject, if the
// object grew past it) tells whether it landed. The frames of an append
// that landed are removed; the others are returned, to be sent.
func (w *Writer) settleRecorded(ctx context.Context, rec spool.Recovery) ([]spool.Frame, error) {
	frames, in := rec.Frames, rec.Intent
	if in == nil {
		return frames, nil
	}
	start, end := len(frames), len(frames) // the recorded append's frames
	for i, f := range frames {
		if f.ID >= in.First && start == len(frames) {
			start = i
		}
		if f.ID > in.Last {
			end = i
			break
		}
	}
	if start >= end {
		return frames, nil // none of them left
	}
	hurt := false // a frame of the append was set aside, whole or in part
	for _, d := range rec.Damaged {
		hurt = hurt || (d.ID >= in.First && d.ID <= in.Last)
	}
	if frames[start].ID == in.First || hurt {
		switch {
		case !w.compressed && hurt:
			// What was sent is no longer all in the spool: lengths alone
			// tell whether the append landed.
			in.CRCKnown = false
		case !w.compressed:
			var err error
			if in.BodyCRC, err = w.sentCRC(frames[start:end]); err != nil {
				return nil, err
			}
		}
		v, why, err := w.recordedLanded(ctx, in)
		if err != nil {
			return nil, err
		}
		switch v {
		case absent:
			w.sp.ghost = in
			return frames, nil
		case foreign:
			// Another writer has been at the object: the frames go again,
			// where this writer goes on.
			w.report(conflictError(w.bucket, in.Key, in.Pos, why, "", nil))
			return frames, nil
		}
	}
	if err := w.sp.s.Remove(ids(frames[start:end])...); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	w.sp.counts.foundStored.Store(int64(end - start))
	return append(frames[:start:start], frames[end:]...), nil
}

// recordedLanded tells, as reconcile does for an append of this writer,
// whether the append in records landed.
func (w *Writer) recordedLanded(ctx context.Context, in *spool.Intent) (verdict, string, error) {
	obj, err := ossapi.Head(ctx, w.client, w.bucket, in.Key)
	if err != nil {
		return absent, "", fmt.Errorf("head %s/%s: %w", w.bucket, in.Key, err)
	}
	v, why := reconcile(in.Pos, in.CRC, in.CRCKnown, recorded{in}, obj)
	if v != followed {
		return v, why, nil
	}
	gc, ok := w.client.(ossapi.GetClient)
	if !ok {
		return foreign, "the object grew past the recorded append, and the client cannot read it back", nil
	}
	res, err := gc.GetObject(ctx, &oss.GetObjectRequest{
		Bucket: &w.bucket, Key: &in.Key, Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", in.Pos, in.Pos+in.Len-1)),
	})
	if err != nil {
		return absent, "", fmt.Errorf("get %s/%s: %w", w.bucket, in.Key, ossapi.Describe(err))
	}
	defer res.Body.Close()
	var crc uint64
	buf := make([]byte, 64<<10)
	var got int64
	for {
		n, rerr := res.Body.Read(buf)
		crc = ossapi.UpdateCRC64(crc, buf[:n])
		got += int64(n)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return absent, "", fmt.Errorf("get %s/%s: %w", w.bucket, in.Key, rerr)
		}
	}
	if got == in.Len && crc == in.BodyCRC {
		return followed, "", nil
	}
	return foreign, fmt.Sprintf("another writer appended at %d, before the recorded append", in.Pos), nil
}

// sentCRC is the CRC-64 of frames of a writer without a codec, as an
// append sent them: their bytes in the spool, one after the other.
func (w *Writer) sentCRC(frames []spool.Frame) (uint64, error) {
	var crc uint64
	var buf []byte
	for _, f := range frames {
		var err error
		if buf, err = w.sp.s.Read(f.ID, buf[:0]); err != nil {
			return 0, fmt.Errorf("spool: %w", err)
		}
		crc = oss.CRC64Combine(crc, ossapi.CRC64(buf), uint64(len(buf)))
	}
	return crc, nil
}

// recorded is a spool's record of an append, as reconcile takes it.
type recorded struct{ in *spool.Intent }

func (r recorded) Len() int64    { return r.in.Len }
func (r recorded) CRC64() uint64 { return r.in.BodyCRC }

func ids(frames []spool.Frame) []uint64 {
	out := make([]uint64, len(frames))
	for i, f := range frames {
		out[i] = f.ID
	}
	return out
}

// newSpoolFrameLocked starts the spool's frame for the period now under
// way and makes it current: a new file, within the spool's limit, which
// it waits for (or drops, non-blocking) when OSS has not made room.
func (w *Writer) newSpoolFrameLocked() (*frame, error) {
	sp := w.sp
	for sp.s.Used()+int64(w.cfg.flushSize) > sp.limit {
		if w.cfg.nonBlocking {
			return nil, errDropped
		}
		sp.mu.Lock()
		freed := sp.freed
		sp.mu.Unlock()
		w.mu.Unlock()
		select {
		case <-freed:
		case <-w.unblock.Done():
		}
		w.mu.Lock()
		if err := w.usableLocked(); err != nil {
			return nil, err
		}
	}
	w.advancePeriodLocked(w.cfg.clock.Now())
	fl, err := sp.s.Create(w.period.key)
	if err != nil {
		err = fmt.Errorf("ossappend: spool: %w", err)
		w.failLocked(err)
		return nil, err
	}
	f := &sp.fill
	*f = frame{buf: fl.Buf, fill: fl, seq: 0}
	w.cur = f
	w.startLocked(f)
	if d := w.cfg.spoolSync; d > 0 && sp.syncTimer == nil {
		sp.syncTimer = w.cfg.clock.AfterFunc(d, w.syncSpool)
	}
	return f, nil
}

// commitLocked makes the bytes just copied into the spool's frame f
// survive the death of the process. It says whether it could; when it
// could not, the writer has failed and the bytes are taken back.
func (w *Writer) commitLocked(f *frame, n int) bool {
	if err := f.fill.Commit(f.buf); err != nil {
		f.buf = f.buf[:len(f.buf)-n]
		w.failLocked(fmt.Errorf("ossappend: spool: %w", err))
		return false
	}
	return true
}

// queueSpoolLocked queues the spool's current frame for the finisher.
func (w *Writer) queueSpoolLocked(f *frame) {
	sp := w.sp
	f.fill.End() // its room beyond its bytes is free for the next frame now
	sp.mu.Lock()
	sp.filled = append(sp.filled, spooled{id: f.fill.ID, seq: f.seq, base: f.base, n: int64(f.n), fill: f.fill})
	sp.wakeLocked()
	sp.mu.Unlock()
	*f = frame{}
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

// finishFrames is the finisher: it finishes the frames Write filled on
// disk (their last checkpoint, with a checksum of the whole frame), in
// order and off the writer's lock, and hands them to the loader. It stops
// once Close has queued the last frame and it is finished, or when the
// writer is aborted: closing the spool then leaves the frames not
// finished checkpointed, for the next writer.
func (w *Writer) finishFrames() error {
	sp := w.sp
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
		if err := next.fill.Finish(); err != nil {
			w.fail(fmt.Errorf("ossappend: spool: %w", err))
			return nil
		}
		next.fill = nil
		sp.mu.Lock()
		sp.waiting = append(sp.waiting, next)
		sp.wakeLocked()
		sp.mu.Unlock()
	}
}

// endSpoolLocked tells the loader that no frame comes after those queued.
func (w *Writer) endSpoolLocked() {
	sp := w.sp
	sp.mu.Lock()
	sp.ended = true
	sp.wakeLocked()
	sp.mu.Unlock()
	if sp.syncTimer != nil {
		sp.syncTimer.Stop()
	}
}

// load is the loader: it reads the frames queued in the spool back, in
// order, into the writer's frames as they come free, and queues them for
// the pipeline. It closes the pipeline's queue when the spool has no more,
// or when the writer has failed or is aborted: frames left on disk then
// wait for the next writer on the spool.
func (w *Writer) load() error {
	sp := w.sp
	defer close(w.queue)
	for {
		sp.mu.Lock()
		if !sp.waitLocked(w.ctx.Done(), func() bool { return len(sp.waiting) > 0 || sp.finished }) {
			sp.mu.Unlock()
			return nil
		}
		if len(sp.waiting) == 0 || w.failure.Load() != nil {
			// Done, or failed: the frames left stay on disk, for the next
			// writer on the spool.
			sp.mu.Unlock()
			return nil
		}
		next := sp.waiting[0]
		sp.mu.Unlock()

		f := w.frames.get(w.ctx.Done())
		if f == nil {
			return nil // aborted
		}
		c := bufferCap(int(next.n), math.MaxInt) // larger than FlushSize, if an earlier writer's was
		if b := w.cfg.budget; b != nil {
			cost := min(w.cfg.draw(c), b.limit) // what could never be drawn would wait forever
			if !b.acquire(w.ctx, cost) {
				w.frames.put(f)
				return nil
			}
			f.cost = cost
		}
		buf, err := sp.s.Read(next.id, w.getBuf(c))
		if err != nil {
			w.putBuf(buf)
			if b := w.cfg.budget; b != nil {
				b.release(f.cost)
			}
			w.frames.put(f)
			w.fail(fmt.Errorf("ossappend: spool: read frame %d: %w", next.id, err))
			return nil
		}
		f.buf, f.n, f.seq, f.base, f.spoolID = buf, len(buf), next.seq, next.base, next.id
		sp.mu.Lock()
		sp.waiting = sp.waiting[1:]
		sp.mu.Unlock()
		if w.compressed {
			w.queue <- f
			w.encode(f) // and take its CRC-64, for its append's record
		} else {
			f.enc = f.buf
			w.queue <- f
		}
	}
}

// record records, before an append, what it assumes, so that a writer
// opened on the spool after a crash can tell whether it landed.
func (a *appender) record(b *body) error {
	sp := a.w.sp
	if sp == nil {
		return nil
	}
	in := spool.Intent{
		First: b.group[0].spoolID, Last: b.group[len(b.group)-1].spoolID,
		Key: a.key, Pos: a.pos, CRC: a.crc, CRCKnown: a.crcKnown,
		Len: b.n,
	}
	if a.w.compressed {
		// The frames the spool holds are not what was sent: the record
		// keeps the CRC-64 of that. Without a codec they are, and
		// recovery takes it from them (sentCRC).
		in.BodyCRC = b.CRC64()
	}
	err := sp.s.Record(in)
	if err != nil {
		return fmt.Errorf("ossappend: spool: record the append at %s/%s %d: %w", a.w.bucket, a.key, a.pos, err)
	}
	return nil
}

// removeStored removes the files of stored frames from the spool, and
// wakes writers waiting for room.
func (w *Writer) removeStored(group []*frame) error {
	sp := w.sp
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

// syncSpool is WithSpoolSync's timer: it syncs the spool if bytes were
// accepted since the last time, and comes again while a frame fills. It
// syncs without the writer's lock, so that Write does not wait for the
// disk.
func (w *Writer) syncSpool() {
	sp := w.sp
	w.mu.Lock()
	news := w.cur != nil || w.fill.queued != sp.synced
	sp.synced = w.fill.queued
	if !news && !w.closed {
		sp.syncTimer = nil // idle: the next frame arms it again
	}
	w.mu.Unlock()
	if !news {
		return
	}
	err := w.syncSpoolNow()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	if err != nil {
		w.report(err)
	}
	sp.syncTimer.Reset(w.cfg.spoolSync)
}

// syncSpoolNow makes everything accepted durable on the spool's disk. After
// Close it returns an error wrapping ErrClosed.
func (w *Writer) syncSpoolNow() error {
	sp := w.sp
	sp.syncing.Lock()
	defer sp.syncing.Unlock()
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return errClosed
	}
	if err := sp.s.Sync(); err != nil {
		return fmt.Errorf("ossappend: spool: sync: %w", err)
	}
	return nil
}

// ghostGroup returns the frames of the ghost (see spooler.ghost), if they
// are next, to go as one append, alone, as that append was; nil if they
// are not next.
func (a *appender) ghostGroup() []*frame {
	sp := a.w.sp
	if sp == nil || sp.ghost == nil || a.next[0].spoolID != sp.ghost.First {
		return nil
	}
	for a.next[len(a.next)-1].spoolID < sp.ghost.Last && a.queue != nil {
		f, ok := <-a.queue // recovered frames, loaded first, at once
		if !ok {
			a.queue = nil
			break
		}
		a.next = append(a.next, f)
	}
	k := 0
	for k < len(a.next) && a.next[k].spoolID <= sp.ghost.Last {
		k++
	}
	a.await(k - 1)
	for i := range k {
		if f := a.next[i]; f.abandoned || f.err != nil {
			k = max(i, 1) // it travels alone
			break
		}
	}
	return a.cut(k)
}

// isGhost says whether group holds the ghost's frames.
func (a *appender) isGhost(group []*frame) bool {
	sp := a.w.sp
	return sp != nil && sp.ghost != nil && group[0].spoolID == sp.ghost.First
}

// ghostLanded says whether obj, the object after an uncertain attempt to
// append group, holds the ghost's append where this one was to go: the
// late request of a dead process landed, and group, the same frames, is
// stored.
func (a *appender) ghostLanded(group []*frame, obj ossapi.Object) bool {
	if !a.isGhost(group) {
		return false
	}
	g := a.w.sp.ghost
	if a.key != g.Key || a.pos != g.Pos || !obj.Appendable() || obj.Length != g.Pos+g.Len {
		return false
	}
	return !(g.CRCKnown && obj.HasCRC) || obj.CRC == oss.CRC64Combine(g.CRC, g.BodyCRC, uint64(g.Len))
}
