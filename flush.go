package ossappend

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/fastcrc"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// This file is the way from a queued frame to OSS: Flush and Sync, which
// queue the frame being filled and wait, and the append loop, the one
// goroutine that takes queued frames in order, appends them to the object
// and settles them. It alone knows where the object ends.

// Flush queues the frame being filled and returns when every byte written
// before the call is stored in OSS, or with the error that prevents it.
// With a spool it first makes them durable on its disk. After Close it
// returns an error wrapping ErrClosed.
func (w *Writer) Flush() error { return w.FlushContext(context.Background()) }

// FlushContext is Flush that gives up waiting when ctx ends, returning
// ctx.Err(); the frames it queued are still appended in the background.
func (w *Writer) FlushContext(ctx context.Context) error {
	w.fill.mu.Lock()
	if err := w.usableLocked(); err != nil {
		w.fill.mu.Unlock()
		return err
	}
	w.queueLocked()
	seq := w.fill.queued
	w.fill.mu.Unlock()
	if err := w.sp.sync(); err != nil {
		return err
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
	w.fill.mu.Lock()
	err := w.usableLocked()
	w.fill.mu.Unlock()
	if err != nil {
		return err
	}
	return w.sp.sync()
}

// waitSettled waits until the frame numbered seq and all before it are
// settled, and says whether they were stored.
func (w *Writer) waitSettled(ctx context.Context, seq uint64) error {
	s := &w.store
	for {
		s.mu.Lock()
		done, progress := s.settled >= seq, s.progress
		s.watched = true
		s.mu.Unlock()
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

// storing is the storing side's state: the append loop reports its
// progress here, and Flush waits on it. mu guards it.
type storing struct {
	mu           sync.Mutex
	settled      uint64        // seq of the last frame settled (stored or not)
	stored       int64         // bytes of the frames stored
	framesStored int64         // frames stored
	appended     int64         // bytes appended, after compression
	progress     chan struct{} // closed and replaced when settled moves, if watched
	watched      bool          // a waiter of Flush holds progress
	born         []time.Time   // when the frames queued and not settled took their first byte, in order
	bornAll      []time.Time   // the array born is in, reused from its start once born is empty
}

// wake wakes every waiter of Flush, to look at the progress again.
func (s *storing) wake() {
	s.mu.Lock()
	s.wakeLocked()
	s.mu.Unlock()
}

// queued notes a frame queued whose first byte was accepted at born.
func (s *storing) queued(born time.Time) {
	s.mu.Lock()
	if len(s.born) == cap(s.born) && len(s.born) < cap(s.bornAll) {
		s.born = s.bornAll[:copy(s.bornAll, s.born)] // to the array's start
	}
	s.born = append(s.born, born)
	if cap(s.born) > cap(s.bornAll) {
		s.bornAll = s.born[:cap(s.born)]
	}
	s.mu.Unlock()
}

// wakeLocked wakes the waiters of Flush, if there are any: a frame is
// settled without a channel made for it when nobody waits.
func (s *storing) wakeLocked() {
	if s.watched {
		close(s.progress)
		s.progress = make(chan struct{})
		s.watched = false
	}
}

// appender is the append loop's state.
type appender struct {
	w        *Writer
	base     string // the first key of the chain: the key, or the period's
	key      string // the object being appended to
	rotation int    // key's rotation number in the chain of base; 0 for base
	pos      int64  // the object's length: where the next append goes
	crc      uint64 // the object's CRC-64, if crcKnown
	crcKnown bool
	full     bool  // the object takes no more appends (sealed): rotate before the next
	noSeal   bool  // OSS refused to seal for this writer: it seals nothing more
	appended int64 // bytes appended since NewWriter, for Stats and progress
	done     chan struct{}

	queue    <-chan *frame // the writer's queue; nil once it is closed
	next     []*frame      // frames taken from the queue, in order, not sent yet
	nEncoded int           // how many of next are encoded
	group    []*frame      // the group being appended, in an array reused for the next
	body     body          // its body, likewise
	reqPos   int64         // the position of the append under way
}

// requests are AppendObject requests, reused: the client is done with one
// once its call returns.
var requests = sync.Pool{New: func() any { return new(oss.AppendObjectRequest) }}

func newAppender(w *Writer, base string, at origin) *appender {
	a := &appender{w: w, done: make(chan struct{}), queue: w.queue}
	a.moveTo(base, at)
	return a
}

// moveTo makes the append loop go on at the origin at in the chain of base.
func (a *appender) moveTo(base string, at origin) {
	a.base, a.key, a.rotation = base, at.key, at.rotation
	a.pos, a.crc, a.crcKnown = at.obj.Length, at.obj.CRC, at.obj.HasCRC || !at.obj.Exists
	a.full = false
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
					err = a.store(a.body.of(group))
				}
			default:
				err = a.store(a.body.of(group))
			}
			if err == nil {
				err = w.sp.remove(group)
			}
			if err != nil {
				w.fail(err)
			} else {
				stored = true
			}
		}
		for _, f := range group {
			a.settle(f, stored)
		}
	}
}

// settle ends a frame's journey: it counts it, wakes the waiters of Flush,
// gives its buffers and budget back and returns it to the pool.
func (a *appender) settle(f *frame, stored bool) {
	w := a.w
	s := &w.store
	s.mu.Lock()
	if stored {
		s.stored += int64(f.n)
		s.framesStored++
	}
	s.appended = a.appended
	s.settled = f.seq
	if len(s.born) > 0 {
		s.born[0] = time.Time{}
		s.born = s.born[1:]
	}
	s.wakeLocked()
	s.mu.Unlock()
	if f.abandoned {
		return // its compressor gives its buffers back
	}
	w.putBuf(f.buf)
	if w.compressed {
		w.putBuf(f.encoded)
	}
	if b := w.cfg.budget; b != nil {
		b.release(f.cost)
	}
	w.frames.put(f)
}

// nextGroup waits for the next frame to be encoded, and returns it with
// the frames after it that are encoded already, as many as one append
// takes: at most MaxAppendSize bytes, of one period, and no more than fit
// in the object before it must rotate. When appends are quick, a group is
// one frame; when frames queue up behind a slow one, the next append takes
// them all at once: with a spool and no codec, every frame the spool holds
// ready (spooler.readyBehind). The frames of an append an earlier writer
// recorded in the spool go together, alone, as that append was (see
// spooler.recorded). A frame whose encoding failed, or that an aborted
// writer left to its compressor, travels alone. nextGroup returns nil once
// the queue is closed and empty.
func (a *appender) nextGroup() []*frame {
	if len(a.next) == 0 && !a.receive(true) {
		return nil
	}
	if last, ok := a.w.sp.recordedFrom(a.next[0]); ok {
		return a.recordedGroup(last)
	}
	a.await(0)
	first := a.next[0]
	if first.abandoned {
		return a.cut(1)
	}
	n := first.sendLen()
	limit := min(int64(a.w.cfg.maxAppendSize), a.w.cfg.maxObjectSize-a.pos)
	k := 1
	for first.err == nil && a.take(k) {
		f := a.next[k]
		if f.abandoned || f.err != nil || f.base != first.base || n+f.sendLen() > limit {
			break
		}
		n += f.sendLen()
		k++
	}
	return a.cut(k)
}

// recordedGroup returns the frames of the recorded append that starts
// with next[0], up to the frame last, waiting for them all: the loader
// takes them out of the spool first and at once, into frames of their own
// (framePool.extra), however many they are.
func (a *appender) recordedGroup(last uint64) []*frame {
	for a.next[len(a.next)-1].spoolID < last && a.receive(true) {
	}
	k := 0
	for k < len(a.next) && a.next[k].spoolID <= last {
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

// cut takes the first k frames of next, which are encoded (or abandoned),
// as a group, into an array of its own, used again for the next group.
func (a *appender) cut(k int) []*frame {
	a.group = append(a.group[:0], a.next[:k]...)
	n := copy(a.next, a.next[k:])
	clear(a.next[n:])
	a.next = a.next[:n]
	a.nEncoded -= k
	return a.group
}

// receive takes the next frame of the queue into next, waiting for it if
// wait is set, and says whether it took one: not if the queue is closed
// and empty, nor, without wait, if no frame is waiting in it.
func (a *appender) receive(wait bool) bool {
	if a.queue == nil {
		return false
	}
	var f *frame
	ok := true
	if wait {
		f, ok = <-a.queue
	} else {
		select {
		case f, ok = <-a.queue:
		default:
			return false
		}
	}
	if !ok {
		a.queue = nil
		return false
	}
	a.w.sp.took(f)
	a.next = append(a.next, f)
	return true
}

// take reports whether frame i of next is there and encoded, taking
// frames from the queue if they are waiting, or on their way from the
// spool, without waiting for any other.
func (a *appender) take(i int) bool {
	for len(a.next) <= i {
		if !a.receive(false) && !(a.w.sp.readyBehind() && a.receive(true)) {
			return false
		}
	}
	for a.nEncoded <= i {
		if !a.w.compressed {
			a.nEncoded++
			continue
		}
		select {
		case <-a.next[a.nEncoded].ready:
			a.nEncoded++
		default:
			return false
		}
	}
	return true
}

// await waits until frame i of next is encoded, or, once the writer is
// aborted, abandoned (frame.wait).
func (a *appender) await(i int) {
	for a.nEncoded <= i {
		if a.w.compressed {
			a.next[a.nEncoded].wait(a.w.ctx.Done())
		}
		a.nEncoded++
	}
}

// store appends one body, retrying and reconciling until it is stored,
// the writer is shut down, or the retry policy gives up. The body of a
// recorded append (see spooler.recorded) goes where the record says, and
// the append loop looks before it sends it: the earlier writer's request
// may have landed, even after that writer died.
func (a *appender) store(b *body) error {
	w := a.w
	if b.n > w.cfg.maxObjectSize { // a codec that broke its MaxEncodedLen
		return fmt.Errorf("ossappend: an encoded frame of %d bytes fits in no object of at most %d (codec %s)", b.n, w.cfg.maxObjectSize, w.cfg.codec.Name())
	}
	r := a.newRetrier()
	others := w.sp.recordedBodies(b.group, a.key, a.pos)
	uncertain := len(others) > 0 // the earlier writer's append may have landed: look before sending
	sentB := false               // b was sent where the append loop is now
	looked := false              // a refusal of the recorded append made the loop look
	defer w.sp.settledRecorded(b.group)
	for {
		if uncertain {
			o, op, err := a.look(b, sentB, others)
			if err != nil {
				if err := r.failed(err, op, a.key, a.pos); err != nil {
					return err
				}
				continue
			}
			switch o.verdict {
			case landed, followed: // followed: another writer appended after it; the next append meets it
				w.requests.recovered.Add(1)
				if o.other {
					w.sp.foundStored(b.group)
				}
				a.advance(o.len, o.crc, o.crcKnown)
				a.full = o.sealed
				return nil
			case foreign:
				if err := a.conflict(o.why, nil); err != nil {
					return err
				}
				others, sentB = nil, false // the record was of the object left behind
			}
			uncertain = false
		}
		if a.full || (a.pos > 0 && a.pos+b.n > w.cfg.maxObjectSize) {
			if err := a.rotate(!a.full); err != nil {
				return err
			}
			others, sentB = nil, false
		}
		if err := w.sp.record(b, a.key, a.pos, a.crc, a.crcKnown, others); err != nil {
			return fmt.Errorf("ossappend: spool: record the append at %s/%s %d: %w", w.bucket, a.key, a.pos, err)
		}
		res, err := a.append(b)
		sentB = true
		var unread *unreadBody
		if errors.As(err, &unread) {
			return err // it fails the same way every time
		}
		if err == nil {
			if err := ossapi.CheckAnswer(res.Headers); err != nil {
				return fmt.Errorf("ossappend: append %s/%s at %d: %w", w.bucket, a.key, a.pos, err)
			}
			if res.NextPosition != 0 && res.NextPosition != a.pos+b.n {
				// OSS says the object ends elsewhere than this append
				// should have left it. Do not guess: look, after a pause.
				uncertain = true
				err = fmt.Errorf("the append was answered with next position %d, want %d", res.NextPosition, a.pos+b.n)
				if err := r.failed(err, "append", a.key, a.pos); err != nil {
					return err
				}
				continue
			}
			var crc uint64
			perr := errNoCRC
			if res.HashCRC64 != nil {
				crc, perr = strconv.ParseUint(*res.HashCRC64, 10, 64)
			}
			err = a.checkCRC(b, crc, perr == nil)
			if err == nil {
				a.advance(b.n, crc, perr == nil)
				return nil
			}
		}
		switch ossapi.Classify(err) {
		case ossapi.TooLarge:
			// OSS's limit is below the writer's MaxObjectSize: the object
			// is full. The append did not land; it goes to the next key.
			if a.pos == 0 {
				return fmt.Errorf("ossappend: append %s/%s at 0: an append of %d bytes is larger than OSS takes: %w", w.bucket, a.key, b.n, ossapi.Describe(err))
			}
			if err := a.rotate(true); err != nil {
				return err
			}
			others, sentB = nil, false
			continue
		case ossapi.Conflict:
			if len(others) > 0 && !looked {
				// A sealed object may hold the recorded append: look, once.
				looked, uncertain = true, true
				continue
			}
			if err := a.conflict(ossapi.Describe(err).Error(), err); err != nil {
				return err
			}
			sentB = false
			continue // to the fresh key, at once
		case ossapi.Uncertain:
			uncertain = true
		}
		if err := r.failed(err, "append", a.key, a.pos); err != nil {
			return err
		}
	}
}

// checkCRC checks crc, the object's CRC-64 as OSS answered an append of
// b, if OSS answered one and the writer knows the object's before: it
// must be that CRC-64 combined with the body's. Else the object held
// other bytes than the writer believes stored, or the body was damaged on
// its way: checkCRC says so as the SDK's own check would, which the
// append does not ask for (see append).
func (a *appender) checkCRC(b *body, crc uint64, known bool) error {
	if !known || !a.crcKnown {
		return nil
	}
	if want := fastcrc.Combine(a.crc, b.CRC64(), uint64(b.n)); crc != want {
		return fmt.Errorf("crc is inconsistent, client %d, server %d", want, crc)
	}
	return nil
}

// errNoCRC stands for the CRC-64 of an answer without one.
var errNoCRC = errors.New("no CRC-64")

// append sends one AppendObject request for b at a.pos.
func (a *appender) append(b *body) (*oss.AppendObjectResult, error) {
	w := a.w
	a.reqPos = a.pos
	body := b.reader()
	defer body.end()
	req := requests.Get().(*oss.AppendObjectRequest)
	defer func() {
		*req = oss.AppendObjectRequest{} // nothing of this writer's kept alive by the pool
		requests.Put(req)
	}()
	*req = oss.AppendObjectRequest{
		Bucket:   &w.bucket,
		Key:      &a.key,
		Position: &a.reqPos,
		Body:     body,
	}
	// The SDK would check the object's new CRC-64 against the body's
	// combined with InitHashCRC64, computing the body's with hash/crc64 as
	// it reads it; store checks it instead, with the body's CRC-64 taken
	// several times faster (or known already, for a spool's frames).
	if o := w.cfg.object; o != nil {
		req.TrafficLimit, req.RequestPayer = o.TrafficLimit, o.RequestPayer
	}
	if a.reqPos == 0 {
		w.cfg.createParams(req)
	}
	w.date(&req.RequestCommon)
	if fn := w.cfg.progress; fn != nil {
		base := a.appended // bytes appended before this request
		req.ProgressFn = func(increment, transferred, total int64) {
			fn(increment, base+transferred, base+total)
		}
	}
	w.requests.appends.Add(1)
	var res *oss.AppendObjectResult
	err := w.request(w.ctx, "AppendObject", a.key, b.n, func() (err error) {
		res, err = w.client.AppendObject(w.ctx, req, ossapi.NoSDKRetry)
		return err
	})
	if ferr := body.failure(); ferr != nil {
		// The request was cut short: it did not land.
		return nil, &unreadBody{ferr}
	}
	return res, err
}

// advance moves past a stored body of n bytes. crc is the object's new
// CRC-64 as OSS reported it (checkCRC has checked it against the bytes
// sent), if known; without one, the writer stops tracking the CRC rather
// than spend a pass over every frame on a checksum nobody will compare:
// OSS always reports it.
func (a *appender) advance(n int64, crc uint64, known bool) {
	if !known {
		crc = 0
	}
	a.crc, a.crcKnown = crc, known
	a.pos += n
	a.appended += n
	a.w.requests.succeeded()
}
