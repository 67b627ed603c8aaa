package ossappend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// noSDKRetry turns off the SDK's own retries for a request. AppendObject is
// not idempotent: after a lost response the SDK would send the frame again
// blindly. The append loop retries itself, reconciling first.
func noSDKRetry(o *oss.Options) {
	one := 1
	o.RetryMaxAttempts = &one
}

// appender is the append loop: the one goroutine that appends sealed
// frames, in order, to the object. It alone knows where the object ends.
type appender struct {
	w        *Writer
	key      string // the object being appended to
	seq      int    // key's rotation number; 0 for the key NewWriter got
	pos      int64  // the object's length: where the next append goes
	crc      uint64 // the object's CRC-64, if crcKnown
	crcKnown bool
	done     chan struct{}
}

// run appends the frames of the queue until Close closes it. Once the
// writer has failed, frames are settled without being sent.
func (a *appender) run() error {
	w := a.w
	defer close(a.done)
	for f := range w.queue {
		if w.encodeQ != nil {
			<-f.ready
		}
		stored := false
		if w.failure.Load() == nil {
			err := f.err
			if err != nil {
				err = fmt.Errorf("ossappend: compress frame %d: %w", f.seq, err)
			} else {
				err = a.store(f.enc)
			}
			if err != nil {
				w.fail(err)
			} else {
				stored = true
			}
		}
		w.settle(f, stored)
	}
	return nil
}

// store appends one frame, retrying and reconciling until it is stored,
// the writer is shut down, or the retry policy gives up.
func (a *appender) store(data []byte) error {
	w := a.w
	n := int64(len(data))
	if n > w.cfg.maxObjectSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, w.cfg.maxObjectSize)
	}
	r := a.newRetrier()
	uncertain := false // the last append may have landed: look before sending
	for {
		if uncertain {
			st, err := headObject(w.ctx, w.client, w.bucket, a.key, noSDKRetry)
			if err != nil {
				if err := r.failed(err, "head", a.key, a.pos); err != nil {
					return err
				}
				continue
			}
			w.stats.reconciled.Add(1)
			v := reconcile(a.pos, a.crc, a.crcKnown, data, st)
			if v == followed {
				var err error
				if v, err = a.landedBefore(data); err != nil {
					if err := r.failed(err, "get", a.key, a.pos); err != nil {
						return err
					}
					continue
				}
			}
			switch v {
			case landed:
				w.stats.recovered.Add(1)
				a.advance(n, st.crc, st.hasCRC)
				return nil
			case followed: // landed, and another writer appended after it
				w.stats.recovered.Add(1)
				a.advance(n, oss.CRC64Combine(a.crc, crc64Of(data), uint64(n)), a.crcKnown)
				return nil // the next append meets the conflict
			case foreign:
				if err := a.conflict(fmt.Errorf("object is %d bytes, want %d or %d", st.length, a.pos, a.pos+n)); err != nil {
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
		res, err := a.append(data)
		if err == nil {
			if res.NextPosition != 0 && res.NextPosition != a.pos+n {
				// Cannot happen with the position check; do not guess.
				uncertain = true
				continue
			}
			crc, err := strconv.ParseUint(oss.ToString(res.HashCRC64), 10, 64)
			a.advance(n, crc, err == nil)
			return nil
		}
		switch classify(err) {
		case classConflict:
			if err := a.conflict(err); err != nil {
				return err
			}
			continue // to the fresh key, at once
		case classUncertain:
			uncertain = true
		}
		if err := r.failed(err, "append", a.key, a.pos); err != nil {
			return err
		}
	}
}

// rangeReader is implemented by clients that can read part of an object,
// *oss.Client among them. With one, reconciliation tells a frame that
// landed before another writer's bytes from one that never landed.
type rangeReader interface {
	GetObject(ctx context.Context, req *oss.GetObjectRequest, optFns ...func(*oss.Options)) (*oss.GetObjectResult, error)
}

// landedBefore reads the object at the frame's position to tell whether
// the frame landed there (followed) or not (foreign). A client that cannot
// read ranges cannot tell: foreign, so the frame goes to a fresh key, where
// it may then be stored a second time.
func (a *appender) landedBefore(data []byte) (verdict, error) {
	w := a.w
	rr, ok := w.client.(rangeReader)
	if !ok {
		return foreign, nil
	}
	res, err := rr.GetObject(w.ctx, &oss.GetObjectRequest{
		Bucket: &w.bucket,
		Key:    &a.key,
		Range:  oss.Ptr(fmt.Sprintf("bytes=%d-%d", a.pos, a.pos+int64(len(data))-1)),
	}, noSDKRetry)
	if err != nil {
		return foreign, err
	}
	defer res.Body.Close()
	got, err := io.ReadAll(io.LimitReader(res.Body, int64(len(data))+1))
	if err != nil {
		return foreign, err
	}
	if bytes.Equal(got, data) {
		return followed, nil
	}
	return foreign, nil
}

// append sends one AppendObject request for data at a.pos.
func (a *appender) append(data []byte) (*oss.AppendObjectResult, error) {
	w := a.w
	pos := a.pos
	req := &oss.AppendObjectRequest{
		Bucket:   &w.bucket,
		Key:      &a.key,
		Position: &pos,
		Body:     bytes.NewReader(data),
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
		w.createParams(req)
	}
	if fn := w.cfg.progress; fn != nil {
		base := w.stats.appended.Load() // bytes appended before this request
		req.ProgressFn = func(increment, transferred, total int64) {
			fn(increment, base+transferred, base+total)
		}
	}
	w.stats.appends.Add(1)
	return w.client.AppendObject(w.ctx, req, noSDKRetry)
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
	a.w.stats.appended.Add(n)
	a.w.stats.succeeded()
}

// conflict handles an object that is no longer ours: it reports the
// conflict and moves to a fresh key, or, with WithFailOnConflict, returns
// the error that stops the writer.
func (a *appender) conflict(cause error) error {
	w := a.w
	w.stats.conflicts.Add(1)
	err := fmt.Errorf("%w: %s/%s at position %d: %w", ErrConflict, w.bucket, a.key, a.pos, cause)
	if w.cfg.failOnConflict {
		return err
	}
	w.report(err)
	return a.rotate(true)
}

// maxRotateProbes bounds the existing keys rotate steps over before it
// gives up: a rotation function that keeps naming taken keys is a bug, not
// a reason to send HeadObject forever.
const maxRotateProbes = 10000

// rotate moves to the first key of the rotation sequence after the current
// one that does not exist yet. A writer leaving a full object seals it if
// asked to; it never seals an object another writer has touched.
func (a *appender) rotate(afterConflict bool) error {
	w := a.w
	if !afterConflict && w.cfg.sealOnClose {
		if err := a.seal(); err != nil {
			w.report(err) // the data is stored; only the seal is missing
		}
	}
	r := a.newRetrier()
	tried := map[string]bool{w.base: true, a.key: true}
	for seq, probes := a.seq+1, 0; ; {
		key := w.cfg.rotateKey(w.base, seq)
		switch err := validKey(key); {
		case err != nil:
			return fmt.Errorf("ossappend: rotate to key %d: %w", seq, err)
		case tried[key]:
			return fmt.Errorf("%w: the rotate function named %q twice (seq %d)", ErrInvalidArgument, key, seq)
		case probes == maxRotateProbes:
			return fmt.Errorf("ossappend: rotate: the %d keys after %q all exist", maxRotateProbes, a.key)
		case w.ctx.Err() != nil:
			return fmt.Errorf("ossappend: rotate: %w", w.ctx.Err())
		}
		st, err := headObject(w.ctx, w.client, w.bucket, key, noSDKRetry)
		if err != nil {
			if err := r.failed(err, "head", key, 0); err != nil {
				return err
			}
			continue
		}
		if st.exists {
			tried[key] = true
			seq++
			probes++
			continue
		}
		a.key, a.seq, a.pos, a.crc, a.crcKnown = key, seq, 0, 0, true
		w.key.Store(&key)
		w.stats.rotations.Add(1)
		return nil
	}
}

// seal seals the current object, if it has any bytes.
func (a *appender) seal() error {
	w := a.w
	if a.pos == 0 {
		return nil
	}
	s := w.client.(Sealer) // NewWriter checked
	r := a.newRetrier()
	for {
		pos := a.pos
		_, err := s.SealAppendObject(w.ctx, &oss.SealAppendObjectRequest{Bucket: &w.bucket, Key: &a.key, Position: &pos}, noSDKRetry)
		if err == nil {
			return nil
		}
		if se := serviceError(err); se != nil && se.StatusCode == http.StatusConflict {
			// Another writer appended or sealed: retrying cannot help.
			return fmt.Errorf("%w: seal %s/%s at %d: %w", ErrConflict, w.bucket, a.key, pos, err)
		}
		if err := r.failed(err, "seal", a.key, pos); err != nil {
			return err
		}
	}
}

// retrier paces the attempts spent on one frame (or one rotation) by the
// writer's Retry policy.
type retrier struct {
	ctx      context.Context
	policy   Retry
	stats    *counters
	start    time.Time
	failures int
}

func (a *appender) newRetrier() *retrier {
	return &retrier{ctx: a.w.ctx, policy: a.w.cfg.retry, stats: &a.w.stats, start: time.Now()}
}

// failed records a failed request and waits before the next one. It
// returns the error that ends the attempts: a permanent failure, the
// writer's shutdown, or the policy's limits.
func (r *retrier) failed(err error, op, key string, pos int64) error {
	wrap := func(e error) error {
		return fmt.Errorf("ossappend: %s %s at %d: %w", op, key, pos, e)
	}
	switch classify(err) {
	case classPermanent:
		return wrap(describe(err))
	case classCanceled:
		return wrap(err)
	}
	r.stats.failed(err)
	r.failures++
	p := r.policy
	if p.MaxAttempts > 0 && r.failures >= p.MaxAttempts {
		return wrap(fmt.Errorf("%w after %d attempts: %w", ErrRetriesExhausted, r.failures, err))
	}
	if p.MaxElapsed > 0 && time.Since(r.start) >= p.MaxElapsed {
		return wrap(fmt.Errorf("%w after %v: %w", ErrRetriesExhausted, time.Since(r.start).Round(time.Millisecond), err))
	}
	d := p.MinBackoff << min(r.failures-1, 30)
	if d > p.MaxBackoff || d <= 0 {
		d = p.MaxBackoff
	}
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		r.stats.retries.Add(1)
		return nil
	case <-r.ctx.Done():
		return wrap(errors.Join(r.ctx.Err(), err))
	}
}

// createParams copies WithObjectOptions' create-time parameters into the
// request that creates an object.
func (w *Writer) createParams(req *oss.AppendObjectRequest) {
	if o := w.cfg.object; o != nil {
		req.CacheControl = o.CacheControl
		req.ContentDisposition = o.ContentDisposition
		req.ContentEncoding = o.ContentEncoding
		req.Expires = o.Expires
		req.ContentType = o.ContentType
		req.ServerSideEncryption = o.ServerSideEncryption
		req.ServerSideDataEncryption = o.ServerSideDataEncryption
		req.ServerSideEncryptionKeyId = o.ServerSideEncryptionKeyId
		req.SSEKMSKeyId = o.SSEKMSKeyId
		req.Acl = o.Acl
		req.StorageClass = o.StorageClass
		req.Metadata = o.Metadata
		req.Tagging = o.Tagging
		req.ForbidOverwrite = o.ForbidOverwrite
	}
	if req.ContentType == nil {
		if t, ok := mediaTypes[w.cfg.codec.Name()]; ok {
			req.ContentType = &t
		}
	}
}

// mediaTypes are the Content-Types of compressed objects.
var mediaTypes = map[string]string{
	"gzip": "application/gzip",
	"zstd": "application/zstd",
	"s2":   "application/x-s2",
}
