package ossappend

import (
	"context"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// FollowClient is the part of the OSS client a Follower uses. *oss.Client
// satisfies it.
type FollowClient interface {
	HeadObject(ctx context.Context, req *oss.HeadObjectRequest, optFns ...func(*oss.Options)) (*oss.HeadObjectResult, error)
	GetObject(ctx context.Context, req *oss.GetObjectRequest, optFns ...func(*oss.Options)) (*oss.GetObjectResult, error)
}

// Errors of a Follower, besides the writer's ErrNotAppendable,
// ErrNoSuchBucket, ErrAccessDenied, ErrInvalidArgument and
// ErrRetriesExhausted, which it reports in the same cases.
var (
	// ErrNoSuchKey means the object to follow does not exist (see
	// WithWaitForObject).
	ErrNoSuchKey = errors.New("ossappend: object does not exist")

	// ErrObjectReplaced means the followed object was deleted, truncated or
	// replaced by another object: what it holds now does not continue the
	// bytes the Follower has read.
	ErrObjectReplaced = errors.New("ossappend: followed object was deleted or replaced")

	// ErrFollowerClosed is returned by Read after Close.
	ErrFollowerClosed = errors.New("ossappend: follower is closed")
)

// DefaultPollInterval is how often a Follower asks OSS whether the object
// has grown, unless WithPollInterval says otherwise.
const DefaultPollInterval = time.Second

// DefaultFollowRetry is how a Follower repeats failed requests unless
// WithFollowRetry says otherwise: backoff from 1 s doubling to 30 s, for up
// to 5 minutes of consecutive failures, so that it rides out a network or
// OSS outage of a few minutes.
var DefaultFollowRetry = Retry{MinBackoff: time.Second, MaxBackoff: 30 * time.Second, MaxElapsed: 5 * time.Minute}

// A FollowOption configures a Follower.
type FollowOption func(*followConfig)

type followConfig struct {
	poll       time.Duration
	start      int64
	startAtEnd bool
	wait       bool
	retry      Retry
}

// WithPollInterval sets how long a Follower that has read everything waits
// before it asks OSS again whether the object has grown (default
// DefaultPollInterval, 1 s). It must be positive. Each poll is one
// HeadObject request.
func WithPollInterval(d time.Duration) FollowOption {
	return func(c *followConfig) { c.poll = d }
}

// WithStartOffset makes a Follower start at byte off of the object instead
// of its first byte, for instance to resume where Offset said an earlier
// Follower stopped. It must not be negative nor past the object's end. Start
// a compressed object only at a frame boundary: 0, the object's length at
// some time, or an offset reported by Offset.
func WithStartOffset(off int64) FollowOption {
	return func(c *followConfig) { c.start, c.startAtEnd = off, false }
}

// WithStartAtEnd makes a Follower skip what the object holds when it is
// made and yield only the bytes appended after that, as tail -f -n 0 does.
// The end of an object that a Writer appends to is always a frame boundary.
func WithStartAtEnd() FollowOption {
	return func(c *followConfig) { c.start, c.startAtEnd = 0, true }
}

// WithWaitForObject makes a Follower whose object does not exist yet wait
// for it to be created, polling, instead of failing with ErrNoSuchKey.
// All of an object that is created later is new, so the Follower then reads
// it from its first byte, even with WithStartAtEnd.
func WithWaitForObject() FollowOption {
	return func(c *followConfig) { c.wait = true }
}

// WithFollowRetry sets how a Follower repeats requests that failed in a way
// that may pass (network errors, timeouts, 5xx and 429 answers) (default
// DefaultFollowRetry). A success starts the count anew. Other failures end
// the Follower at once.
func WithFollowRetry(r Retry) FollowOption {
	return func(c *followConfig) { c.retry = r }
}

// A Follower reads an appendable object as it grows, as tail -f reads a
// file: Read returns the object's bytes, and once it has returned all of
// them, it waits for more, polling OSS with HeadObject and fetching new
// bytes with ranged GetObject requests. Read returns the bytes it has as soon
// as it has some, without waiting to fill its buffer, so a decoder reading
// from a Follower sees each frame as soon as it is stored (see compress.NewReader).
//
// Read returns io.EOF once it has read all of a sealed object. It returns
// an error wrapping ErrObjectReplaced if the object is deleted, truncated,
// replaced, or turns into a Normal object, ErrFollowerClosed after Close,
// and the context's error once the context given to NewFollower ends. A Follower that starts at the object's first byte or at its end
// also checks each stretch of bytes it reads against the object's CRC-64, so
// it tells a replacement even by a longer object; it does so once it has
// read the stretch, so the Read that returns its last bytes succeeds and the
// next one reports ErrObjectReplaced. A Follower that starts elsewhere
// tells a replacement only when the object shrinks, disappears or turns
// Normal.
//
// A Follower is not safe for concurrent use, except that Close and Offset
// may be called while a Read is under way.
type Follower struct {
	c      FollowClient
	bucket string
	key    string
	cfg    followConfig
	ctx    context.Context
	cancel context.CancelFunc
	closed atomic.Bool

	seen     bool   // the object has existed
	waited   bool   // it did not exist at first (WithWaitForObject)
	off      int64  // the next byte to read
	crc      uint64 // CRC-64 of bytes 0..off, if crcKnown
	crcKnown bool
	pos      atomic.Int64 // off, for Offset

	end       int64  // the object's length at the last poll
	endCRC    uint64 // its CRC-64 then, if endCRCSet
	endCRCSet bool
	sealed    bool // it was sealed at the last poll
	polled    bool // a poll has found nothing new since the last wait

	body    io.ReadCloser // the GetObject being read, bytes off..end
	backoff followBackoff
	err     error // sticky: what every later Read returns
}

// NewFollower returns a Follower of the object key in bucket.
//
// It checks its arguments and options, then asks OSS for the object with
// HeadObject, so that a missing object (ErrNoSuchKey, unless
// WithWaitForObject), a Normal object (ErrNotAppendable), a missing bucket
// (ErrNoSuchBucket) and refused credentials (ErrAccessDenied) are reported
// here rather than by the first Read. The SDK client's own retries apply
// to that request, the Follower's retry policy does not.
//
// ctx bounds the Follower's whole life: when it ends, Read returns its
// error. Close the Follower when done to release its resources.
func NewFollower(ctx context.Context, c FollowClient, bucket, key string, opts ...FollowOption) (*Follower, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil client", ErrInvalidArgument)
	}
	if err := validBucket(bucket); err != nil {
		return nil, err
	}
	if err := validKey(key); err != nil {
		return nil, err
	}
	cfg := followConfig{poll: DefaultPollInterval, retry: DefaultFollowRetry}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	f := &Follower{c: c, bucket: bucket, key: key, cfg: cfg}
	f.backoff.policy = cfg.retry
	f.ctx, f.cancel = context.WithCancel(ctx)
	if err := f.poll(); err != nil {
		f.cancel()
		var t transient
		if errors.As(err, &t) {
			err = t.err
		}
		return nil, err
	}
	return f, nil
}

func (c *followConfig) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
	}
	switch {
	case c.poll <= 0:
		return bad("poll interval %v: want a positive duration", c.poll)
	case c.start < 0:
		return bad("start offset %d: want at least 0", c.start)
	}
	return c.retry.validate()
}

// Offset returns the offset in the object of the next byte Read will
// return: where the Follower started plus the bytes it has read. A new
// Follower made with WithStartOffset(Offset()) goes on from there.
func (f *Follower) Offset() int64 { return f.pos.Load() }

// Close stops the Follower: a Read under way returns, and later ones
// return ErrFollowerClosed. Close always returns nil; it may be called more
// than once and from any goroutine.
func (f *Follower) Close() error {
	f.closed.Store(true)
	f.cancel()
	return nil
}

// Read reads up to len(p) bytes of the object, waiting for the object to
// grow if the Follower has read all of it. It returns as soon as it has
// read at least one byte.
func (f *Follower) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, f.err
	}
	for f.err == nil {
		var n int
		var err error
		switch {
		case f.ctx.Err() != nil:
			err = f.ctx.Err()
		case f.body != nil:
			n, err = f.readBody(p)
		case f.off < f.end:
			err = f.open()
		case f.sealed:
			err = io.EOF
		case f.polled:
			if err = f.sleep(f.cfg.poll); err == nil {
				err = f.poll()
			}
		default:
			err = f.poll()
		}
		if err != nil {
			f.err = f.settle(err, n > 0)
		}
		if n > 0 {
			f.backoff.reset()
			return n, nil
		}
	}
	if f.body != nil {
		f.body.Close()
		f.body = nil
	}
	return 0, f.err
}

// transient marks a failure that a retry may cure.
type transient struct{ err error }

func (t transient) Error() string { return t.err.Error() }
func (t transient) Unwrap() error { return t.err }

// settle turns the failure of one step of Read into the sticky error, or
// into nil after waiting out the backoff if the failure may pass. A
// transient failure after progress (read > 0) is retried at once.
func (f *Follower) settle(err error, read bool) error {
	if f.closed.Load() {
		return ErrFollowerClosed
	}
	if err == io.EOF || f.ctx.Err() != nil {
		if ctxErr := f.ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return err
	}
	var t transient
	if !errors.As(err, &t) {
		return err
	}
	if read {
		return nil
	}
	delay, ok := f.backoff.next()
	if !ok {
		return fmt.Errorf("%w: %w", ErrRetriesExhausted, t.err)
	}
	if err := f.sleep(delay); err != nil {
		return f.settle(err, false)
	}
	return nil
}

// sleep waits for d or until the Follower's context ends.
func (f *Follower) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		f.polled = false
		return nil
	case <-f.ctx.Done():
		return f.ctx.Err()
	}
}

// failure wraps the error of a request with the object's name, marking it
// transient when repeating the request may help.
func (f *Follower) failure(op string, err error) error {
	if f.ctx.Err() != nil {
		return f.ctx.Err()
	}
	wrapped := fmt.Errorf("ossappend: follow %s/%s: %s: %w", f.bucket, f.key, op, describe(err))
	if se := serviceError(err); se == nil || retryableStatus(se.StatusCode) {
		return transient{wrapped}
	}
	return wrapped
}

func (f *Follower) replaced(format string, args ...any) error {
	return fmt.Errorf("%w: %s/%s %s", ErrObjectReplaced, f.bucket, f.key, fmt.Sprintf(format, args...))
}

// poll asks OSS how long the object is now.
func (f *Follower) poll() error {
	res, err := f.c.HeadObject(f.ctx, &oss.HeadObjectRequest{Bucket: &f.bucket, Key: &f.key})
	if err != nil {
		if isNoSuchKey(err) {
			switch {
			case f.seen:
				return f.replaced("was deleted")
			case !f.cfg.wait:
				return fmt.Errorf("%w: %s/%s", ErrNoSuchKey, f.bucket, f.key)
			}
			f.waited, f.polled = true, true
			return nil
		}
		return f.failure("head", err)
	}
	kind := oss.ToString(res.ObjectType)
	if kind != "Appendable" {
		if kind == "" {
			kind = "Normal"
		}
		if f.seen {
			return fmt.Errorf("%w: %w: %s/%s is now a %s object", ErrObjectReplaced, ErrNotAppendable, f.bucket, f.key, kind)
		}
		return fmt.Errorf("%w: %s/%s is a %s object, which cannot grow", ErrNotAppendable, f.bucket, f.key, kind)
	}
	st, err := objectStateOf(res)
	if err != nil {
		return fmt.Errorf("ossappend: follow %s/%s: %w", f.bucket, f.key, err)
	}
	length, crc, crcSet := st.length, st.crc, st.hasCRC
	if !f.seen {
		if err := f.begin(length, crc, crcSet); err != nil {
			return err
		}
	}
	if length < f.off {
		return f.replaced("shrank to %d bytes, %d were read", length, f.off)
	}
	f.end, f.endCRC, f.endCRCSet = length, crc, crcSet
	f.sealed = res.Headers.Get("x-oss-sealed-time") != ""
	f.polled = length == f.off
	f.backoff.reset()
	if length == f.off {
		return f.checkCRC()
	}
	return nil
}

// begin places the Follower at its start, the first time it finds the
// object, whose length and CRC-64 are given.
func (f *Follower) begin(length int64, crc uint64, crcSet bool) error {
	f.seen = true
	switch {
	case f.cfg.startAtEnd && !f.waited:
		f.off, f.crc, f.crcKnown = length, crc, crcSet
	case f.cfg.start > length:
		return fmt.Errorf("%w: start offset %d is past the end of %s/%s (%d bytes)", ErrInvalidArgument, f.cfg.start, f.bucket, f.key, length)
	case f.cfg.start > 0:
		f.off, f.crcKnown = f.cfg.start, false
	default:
		f.off, f.crc, f.crcKnown = 0, 0, true
	}
	f.pos.Store(f.off)
	return nil
}

// checkCRC compares the CRC-64 of what was read with the object's, when
// the Follower has read exactly as far as its last poll saw.
func (f *Follower) checkCRC() error {
	if f.crcKnown && f.endCRCSet && f.off == f.end && f.crc != f.endCRC {
		return f.replaced("holds other bytes than those read (its CRC-64 is %d, theirs %d)", f.endCRC, f.crc)
	}
	return nil
}

// open starts a ranged GetObject of the bytes off..end.
func (f *Follower) open() error {
	rng := fmt.Sprintf("bytes=%d-%d", f.off, f.end-1)
	res, err := f.c.GetObject(f.ctx, &oss.GetObjectRequest{
		Bucket: &f.bucket, Key: &f.key, Range: &rng, RangeBehavior: oss.Ptr("standard"),
	})
	if err != nil {
		if isNoSuchKey(err) {
			return f.replaced("was deleted")
		}
		if se := serviceError(err); se != nil && se.StatusCode == http.StatusRequestedRangeNotSatisfiable {
			return f.replaced("shrank below %d bytes", f.end)
		}
		return f.failure("get "+rng, err)
	}
	if kind := oss.ToString(res.ObjectType); kind != "" && kind != "Appendable" {
		res.Body.Close()
		return fmt.Errorf("%w: %w: %s/%s is now a %s object", ErrObjectReplaced, ErrNotAppendable, f.bucket, f.key, kind)
	}
	if cr := oss.ToString(res.ContentRange); !strings.HasPrefix(cr, fmt.Sprintf("bytes %d-", f.off)) {
		res.Body.Close()
		return transient{fmt.Errorf("ossappend: follow %s/%s: get %s: answered with range %q", f.bucket, f.key, rng, cr)}
	}
	f.body = res.Body
	return nil
}

// readBody reads from the GetObject under way, never past end.
func (f *Follower) readBody(p []byte) (int, error) {
	if rest := f.end - f.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := f.body.Read(p)
	if f.crcKnown {
		f.crc = crc64.Update(f.crc, crcTable, p[:n])
	}
	f.off += int64(n)
	f.pos.Store(f.off)
	if f.off == f.end {
		f.body.Close()
		f.body = nil
		return n, f.checkCRC()
	}
	if err != nil {
		f.body.Close()
		f.body = nil
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return n, f.failure(fmt.Sprintf("read at %d", f.off), err)
	}
	return n, nil
}

// followBackoff paces the retries of consecutive failures.
type followBackoff struct {
	policy   Retry
	attempts int
	first    time.Time
	wait     time.Duration
}

func (b *followBackoff) reset() { b.attempts = 0 }

// next returns how long to wait before the next attempt, or false if the
// policy gives up.
func (b *followBackoff) next() (time.Duration, bool) {
	now := time.Now()
	if b.attempts == 0 {
		b.first, b.wait = now, b.policy.MinBackoff
	} else {
		b.wait = min(2*b.wait, b.policy.MaxBackoff)
	}
	b.attempts++
	if b.policy.MaxAttempts > 0 && b.attempts >= b.policy.MaxAttempts {
		return 0, false
	}
	if b.policy.MaxElapsed > 0 && now.Add(b.wait).Sub(b.first) > b.policy.MaxElapsed {
		return 0, false
	}
	return b.wait, true
}
