package ossappend

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// This file is the way from a queued frame to OSS: Flush and Sync, which
// wait for it, and the append loop, which takes it there.

// Flush queues the frame being filled and returns when every byte written
// before the call is stored in OSS, or with the error that prevents it.
// With a spool it first makes them durable on its disk. After Close it
// returns an error wrapping ErrClosed.
func (w *Writer) Flush() error { return w.FlushContext(context.Background()) }

// FlushContext is Flush that gives up waiting when ctx ends, returning
// ctx.Err(); the frames it queued are still appended in the background.
func (w *Writer) FlushContext(ctx context.Context) error {
	w.mu.Lock()
	if err := w.usableLocked(); err != nil {
		w.mu.Unlock()
		return err
	}
	w.queueLocked()
	seq := w.fill.queued
	w.mu.Unlock()
	if w.sp != nil {
		if err := w.syncSpoolNow(); err != nil {
			return err
		}
	}
	return w.waitSettled(ctx, seq)
}

// Sync is Flush, except with a spool (see WithSpool): then it makes every
// byte written before the call durable on the spool's disk, and returns
// without waiting for OSS. It makes a *Writer a zapcore.WriteSyncer.
func (w *Writer) Sync() error {
	if w.sp == nil {
		return w.Flush()
	}
	w.mu.Lock()
	err := w.usableLocked()
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return w.syncSpoolNow()
}

// waitSettled waits until the frame numbered seq and all before it are
// settled, and says whether they were stored.
func (w *Writer) waitSettled(ctx context.Context, seq uint64) error {
	for {
		w.pmu.Lock()
		done, progress := w.settled >= seq, w.progress
		w.pmu.Unlock()
		if err := w.failure.Load(); err != nil {
			return *err
		}
		if done {
			return nil
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// settle ends a frame's journey: it counts it, wakes the waiters of Flush,
// gives its buffers and budget back and returns it to the pool.
func (w *Writer) settle(f *frame, stored bool) {
	w.pmu.Lock()
	if stored {
		w.store.stored += int64(f.n)
		w.store.framesStored++
	}
	w.store.appended = w.app.appended
	w.settled = f.seq
	w.wakeLocked()
	w.pmu.Unlock()
	if f.abandoned {
		return // its compressor gives its buffers back
	}
	w.putBuf(f.buf)
	if w.compressed {
		w.putBuf(f.enc)
	}
	if b := w.cfg.budget; b != nil {
		b.release(f.cost)
	}
	w.frames.put(f)
}

// wakeLocked wakes every waiter of Flush, to look at the progress again.
// The caller holds w.pmu.
func (w *Writer) wakeLocked() {
	close(w.progress)
	w.progress = make(chan struct{})
}

// appender is the append loop: the one goroutine that appends queued
// frames, in order, to the object. It alone knows where the object ends.
type appender struct {
	w        *Writer
	base     string // the first key of the chain: the key, or the period's
	key      string // the object being appended to
	seq      int    // key's rotation number in the chain of base
	pos      int64  // the object's length: where the next append goes
	crc      uint64 // the object's CRC-64, if crcKnown
	crcKnown bool
	appended int64 // bytes appended since NewWriter, for Stats and progress
	done     chan struct{}

	queue <-chan *frame // the writer's queue; nil once Close has closed it
	next  []*frame      // frames taken from the queue, in order, not sent yet
	ready int           // how many of next are encoded
}

func newAppender(w *Writer, base string, at origin) *appender {
	a := &appender{w: w, done: make(chan struct{}), queue: w.queue}
	a.moveTo(base, at)
	return a
}

// moveTo makes the append loop go on at the origin at in the chain of base.
func (a *appender) moveTo(base string, at origin) {
	a.base, a.key, a.seq = base, at.key, at.n
	a.pos, a.crc, a.crcKnown = at.obj.Length, at.obj.CRC, at.obj.HasCRC || !at.obj.Exists
	a.w.key.Store(&a.key)
}

// run appends the frames of the queue until Close closes it. Once the
// writer has failed, frames are settled without being sent.
func (a *appender) run() error {
	w := a.w
	defer close(a.done)
	for {
		group := a.nextGroup()
		if group == nil {
			return nil
		}
		stored := false
		if w.failure.Load() == nil {
			var err error
			switch {
			case group[0].abandoned, w.ctx.Err() != nil:
				err = fmt.Errorf("ossappend: shutdown: %w", context.Cause(w.ctx))
			case group[0].err != nil:
				err = fmt.Errorf("ossappend: compress frame %d: %w", group[0].seq, group[0].err)
			case group[0].base != a.base:
				if err = a.roll(group[0].base); err == nil {
					err = a.store(newBody(group))
				}
			default:
				err = a.store(newBody(group))
			}
			if err == nil {
				err = w.removeStored(group)
			}
			if err != nil {
				w.fail(err)
			} else {
				stored = true
			}
		}
		for _, f := range group {
			w.settle(f, stored)
		}
	}
}

// nextGroup waits for the next frame to be encoded, and returns it with
// the frames after it that are encoded already, as many as one append
// takes: at most MaxAppendSize bytes, of one period, and no more than fit
// in the object before it must rotate. When appends are quick, a group is
// one frame; when frames queue up behind a slow one, the next append takes
// them all at once. A frame whose encoding failed, or that an aborted
// writer left to its compressor, travels alone. nextGroup returns nil once
// the queue is closed and empty.
func (a *appender) nextGroup() []*frame {
	if len(a.next) == 0 {
		if a.queue == nil {
			return nil
		}
		f, ok := <-a.queue
		if !ok {
			return nil
		}
		a.next = append(a.next, f)
	}
	a.await(0)
	if group := a.ghostGroup(); group != nil {
		return group
	}
	first := a.next[0]
	if first.abandoned {
		return a.cut(1)
	}
	n := int64(len(first.enc))
	limit := min(int64(a.w.cfg.maxAppendSize), a.w.cfg.maxObjectSize-a.pos)
	k := 1
	for first.err == nil && a.take(k) {
		f := a.next[k]
		if f.abandoned || f.err != nil || f.base != first.base || n+int64(len(f.enc)) > limit {
			break
		}
		n += int64(len(f.enc))
		k++
	}
	return a.cut(k)
}

// cut takes the first k frames of next, which are encoded (or abandoned),
// as a group.
func (a *appender) cut(k int) []*frame {
	group := a.next[:k:k]
	a.next = a.next[k:]
	a.ready -= k
	return group
}

// take reports whether frame i of next is there and encoded, taking
// frames from the queue if they are waiting, without waiting for any.
func (a *appender) take(i int) bool {
	for len(a.next) <= i && a.queue != nil {
		select {
		case f, ok := <-a.queue:
			if !ok {
				a.queue = nil
				return false
			}
			a.next = append(a.next, f)
		default:
			return false
		}
	}
	if len(a.next) <= i {
		return false
	}
	for a.ready <= i {
		if !a.w.compressed {
			a.ready++
			continue
		}
		select {
		case <-a.next[a.ready].ready:
			a.ready++
		default:
			return false
		}
	}
	return true
}

// await waits until frame i of next is encoded, or, once the writer is
// aborted, abandoned (frame.wait).
func (a *appender) await(i int) {
	for a.ready <= i {
		if a.w.compressed {
			a.next[a.ready].wait(a.w.ctx.Done())
		}
		a.ready++
	}
}

// store appends one body, retrying and reconciling until it is stored,
// the writer is shut down, or the retry policy gives up.
func (a *appender) store(b *body) error {
	w := a.w
	n := b.n
	if n > w.cfg.maxObjectSize { // a codec that broke its MaxEncodedLen
		return fmt.Errorf("ossappend: an encoded frame of %d bytes fits in no object of at most %d (codec %s)", n, w.cfg.maxObjectSize, w.cfg.codec.Name())
	}
	r := a.newRetrier()
	uncertain := false // the last append may have landed: look before sending
	if a.isGhost(b.group) {
		defer func() { w.sp.ghost = nil }()
	}
	for {
		if uncertain {
			obj, err := ossapi.Head(w.ctx, w.client, w.bucket, a.key, ossapi.NoSDKRetry)
			if err != nil {
				if err := r.failed(err, "head", a.key, a.pos); err != nil {
					return err
				}
				continue
			}
			w.counts.reconciled.Add(1)
			v, why := reconcile(a.pos, a.crc, a.crcKnown, b, obj)
			if v != landed && a.ghostLanded(b.group, obj) {
				w.sp.counts.foundStored.Add(int64(len(b.group)))
				a.advance(w.sp.ghost.Len, obj.CRC, obj.HasCRC)
				return nil
			}
			if v == followed {
				if v, why, err = a.landedBefore(b); err != nil {
					if err := r.failed(err, "get", a.key, a.pos); err != nil {
						return err
					}
					continue
				}
			}
			switch v {
			case landed:
				w.counts.recovered.Add(1)
				a.advance(n, obj.CRC, obj.HasCRC)
				return nil
			case followed: // landed, and another writer appended after it
				w.counts.recovered.Add(1)
				a.advance(n, oss.CRC64Combine(a.crc, b.CRC64(), uint64(n)), a.crcKnown)
				return nil // the next append meets the conflict
			case foreign:
				if err := a.conflict(why, nil); err != nil {
					return err
				}
			}
			uncertain = false
		}
		if a.pos > 0 && a.pos+n > w.cfg.maxObjectSize {
			if err := a.rotate(false); err != nil {
				return err
			}
		}
		if err := a.record(b); err != nil {
			return err
		}
		res, err := a.append(b)
		if err == nil {
			if res.NextPosition != 0 && res.NextPosition != a.pos+n {
				// OSS says the object ends elsewhere than this append
				// should have left it. Do not guess: look, after a pause.
				uncertain = true
				err = fmt.Errorf("the append was answered with next position %d, want %d", res.NextPosition, a.pos+n)
				if err := r.failed(err, "append", a.key, a.pos); err != nil {
					return err
				}
				continue
			}
			crc, perr := strconv.ParseUint(oss.ToString(res.HashCRC64), 10, 64)
			a.advance(n, crc, perr == nil)
			return nil
		}
		switch ossapi.Classify(err) {
		case ossapi.Conflict:
			if err := a.conflict(ossapi.Describe(err).Error(), err); err != nil {
				return err
			}
			continue // to the fresh key, at once
		case ossapi.Uncertain:
			uncertain = true
		}
		if err := r.failed(err, "append", a.key, a.pos); err != nil {
			return err
		}
	}
}

// append sends one AppendObject request for b at a.pos.
func (a *appender) append(b *body) (*oss.AppendObjectResult, error) {
	w := a.w
	pos := a.pos
	body := b.reader()
	defer body.end()
	req := &oss.AppendObjectRequest{
		Bucket:   &w.bucket,
		Key:      &a.key,
		Position: &pos,
		Body:     body,
	}
	if a.crcKnown {
		// The SDK checks the object's new CRC-64 against this combined
		// with the body's, end to end.
		req.InitHashCRC64 = oss.Ptr(strconv.FormatUint(a.crc, 10))
	}
	if o := w.cfg.object; o != nil {
		req.TrafficLimit, req.RequestPayer = o.TrafficLimit, o.RequestPayer
	}
	if pos == 0 {
		w.cfg.createParams(req)
	}
	if fn := w.cfg.progress; fn != nil {
		base := a.appended // bytes appended before this request
		req.ProgressFn = func(increment, transferred, total int64) {
			fn(increment, base+transferred, base+total)
		}
	}
	w.counts.appends.Add(1)
	return w.client.AppendObject(w.ctx, req, ossapi.NoSDKRetry)
}

// advance moves past a stored frame. crc is the object's new CRC-64 as
// OSS reported it (the SDK has checked it against the bytes sent), if
// known; without one, the writer stops tracking the CRC rather than spend
// a pass over every frame on a checksum nobody will compare: OSS always
// reports it.
func (a *appender) advance(n int64, crc uint64, known bool) {
	if !known {
		crc = 0
	}
	a.crc, a.crcKnown = crc, known
	a.pos += n
	a.appended += n
	a.w.counts.succeeded()
}
