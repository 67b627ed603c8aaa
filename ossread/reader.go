package ossread

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/chain"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// ListClient is the part of the OSS client a Reader uses: a Client that
// also lists objects, to find those of a series. *oss.Client satisfies it.
type ListClient interface {
	Client
	ListObjectsV2(ctx context.Context, req *oss.ListObjectsV2Request, optFns ...func(*oss.Options)) (*oss.ListObjectsV2Result, error)
}

// A Reader reads a series of objects as one stream: by default the chain
// of its key, that is the key followed by the objects a Writer rotated to
// (logs/app.log, logs/app.1.log, logs/app.2.log, ..., app.2.log before
// app.10.log, see ossappend.RotateKey); every object under a prefix when
// the key ends in '/'; or, with Only, the object alone.
//
// The objects under a prefix are read as chains, in the byte order of the
// chains' first keys, each chain in rotation order. That is the order one
// writer wrote them in when the keys name periods that sort as they pass
// (logs/dt=2026-11-30/hour=09/...), as zero-padded time layouts do. A key
// that looks like a rotation (NAME.N.EXT) is taken as one, unless a
// rotation of it exists too. With several writers under one prefix, each
// writer's objects are read in its order, one chain after another, not
// interleaved as they were written.
//
// Read returns the objects' bytes as stored, or decoded with WithDecode;
// each Read returns bytes of one object, whose key Key then reports.
// Without WithFollow a Reader lists the series once when it is made, reads
// each object up to the length it has when its turn comes, and returns
// io.EOF after the last. Objects of any type are read; one that is deleted
// between the listing and its turn is skipped. An archived object is not:
// Read returns an error wrapping ErrArchived, Key names the object and
// Offset where reading stopped in it, so that once the object is restored
// a Reader made WithStartAt(Key(), Offset()) reads on from there.
//
// With WithFollow it reads as tail -F follows a file that is rotated:
// once it has read all of the newest object, it polls it with HeadObject
// and reads what is appended, and when the object did not grow in a poll,
// it looks for the next object of the series before the next poll: a
// HeadObject of the next rotation's key for a chain, a listing for a
// prefix (one request per 1000 objects under it). Since a writer appends
// to one object at a time, an object with a newer one after it is complete:
// the Reader asks for its length once more, reads it to that end, and goes
// on with the next object, so it reads every byte once, in order. A sealed
// object, or one that cannot grow (Normal), is complete too; no seal is
// needed, and a series written without seals (most accounts have none) is
// followed as one with them. Bytes that another writer appends to an
// object after the Reader has moved past it are not read. A Reader made
// with Only and WithFollow reads as a Follower does.
//
// Read returns an error wrapping ErrObjectReplaced if an object it is
// reading is deleted, truncated or replaced, ErrClosed after Close, and an
// error wrapping the context's once the context given to NewReader ends.
// A Reader is not safe for concurrent use, except that Close, Key and
// Offset may be called while a Read is under way.
type Reader struct {
	s      series
	cfg    config // for the objects after the first
	ctx    context.Context
	cancel context.CancelFunc
	closed atomic.Bool
	mu     sync.Mutex // held by Read, and by Close to release what Read uses

	queue   []chain.Member // the objects to read after the current one, in order
	at      chain.Member   // the object read now, or the last one read
	begun   bool           // at is set
	looked  bool           // the last look for a newer object found none
	cur     *Follower      // at's Follower, nil between objects; it decodes with WithDecode
	backoff ossapi.Backoff // for the looks between objects
	err     error          // sticky: what every later Read returns

	key atomic.Pointer[string]
	pos atomic.Pointer[Follower]
}

// NewReader returns a Reader of the chain of key in bucket, of every object
// under key if it ends in '/', or, with Only, of the object key.
//
// It checks its arguments and options, lists the series (or asks OSS for
// the object, with Only) and asks for the length of the first object to
// read, so that a missing series (ErrNoSuchKey, unless WithWaitForObject),
// a missing bucket (ErrNoSuchBucket), refused credentials (ErrAccessDenied)
// and an endpoint that is not OSS (ErrNotOSS) are reported here rather than
// by the first Read. The SDK client's own retries apply to these requests,
// the Reader's retry policy does not.
//
// ctx bounds the Reader's whole life: when it ends, Read returns its error.
// Close the Reader when done to release its resources.
func NewReader(ctx context.Context, c ListClient, bucket, key string, opts ...Option) (*Reader, error) {
	if err := ossapi.CheckTarget(c, bucket, key); err != nil {
		return nil, fmt.Errorf("ossread: %w", err)
	}
	cfg := newConfig(opts)
	if err := cfg.validateReader(); err != nil {
		return nil, fmt.Errorf("ossread: %w", err)
	}
	s := series{c: c, bucket: bucket, key: key, kind: oneChain}
	switch {
	case cfg.only:
		s.kind = oneObject
	case strings.HasSuffix(key, "/"):
		s.kind = underPrefix
	}
	r := &Reader{s: s, cfg: cfg, backoff: cfg.backoff()}
	r.cfg.start, r.cfg.startKey, r.cfg.startAtEnd, r.cfg.wait = 0, "", false, false
	r.ctx, r.cancel = context.WithCancel(ctx)
	if err := r.begin(cfg); err != nil {
		r.cancel()
		r.release()
		return nil, err
	}
	return r, nil
}

// begin finds the first object to read and asks for its length.
func (r *Reader) begin(cfg config) error {
	if r.s.kind == oneObject {
		if cfg.startKey != "" && cfg.startKey != r.s.key {
			return fmt.Errorf("ossread: %w", invalid("start key %q is not the object read, %s", cfg.startKey, r.s))
		}
		r.open(chain.Member{Key: r.s.key, Base: r.s.key}, cfg)
		if err := r.cur.poll(); err != nil {
			return r.cur.final(err)
		}
		return nil
	}
	members, err := r.s.list(r.ctx)
	if err != nil {
		return fmt.Errorf("ossread: %s: %w", r.s, err)
	}
	i, off, from, err := r.s.start(members, cfg)
	if err != nil {
		return fmt.Errorf("ossread: %w", err)
	}
	if from != nil {
		r.at, r.begun = *from, true
		r.key.Store(&from.Key)
	}
	r.queue = members[i:]
	first := cfg
	first.start, first.wait = off, false
	for len(r.queue) > 0 {
		m := r.queue[0]
		r.queue = r.queue[1:]
		r.open(m, first)
		err := r.cur.poll()
		if err == nil {
			return r.checkNewest()
		}
		if !errors.Is(err, errGone) {
			return r.cur.final(err)
		}
		r.release() // deleted since the listing: the next one
		first.start = 0
	}
	switch {
	case !r.begun && !cfg.wait:
		return r.s.missing()
	case !r.cfg.follow:
		r.err = io.EOF // nothing at or after the start key, or all deleted since the listing
	}
	r.looked = true
	return nil
}

// checkNewest refuses to follow a chain whose newest object cannot grow:
// no writer appends to a Normal object, nor rotates after it.
func (r *Reader) checkNewest() error {
	if r.s.kind != oneChain || !r.cfg.follow || len(r.queue) > 0 || r.cur.end.Type == "Appendable" {
		return nil
	}
	return r.cur.final(fmt.Errorf("%w: it is a %s object, the newest of its chain, which cannot grow (read it without WithFollow)", ossapi.ErrNotAppendable, r.cur.end.Kind()))
}

// Key returns the key of the object that the bytes of the last Read came
// from, or, before any, of the first object to read. It is "" while a
// Reader made with WithWaitForObject waits for its series' first object.
func (r *Reader) Key() string {
	if k := r.key.Load(); k != nil {
		return *k
	}
	return ""
}

// Offset returns the offset in the object Key names of the next stored
// byte to read: where reading started plus the bytes read from it. A
// Reader made with WithStartAt(Key(), Offset()) goes on from there. With
// WithDecode, Offset counts the stored bytes the decoder has taken, which
// may be more than it has returned; it is a place to resume at only once
// Read has returned all of an object, at its end.
func (r *Reader) Offset() int64 {
	if f := r.pos.Load(); f != nil {
		return f.Offset()
	}
	return 0
}

// Close stops the Reader: a Read under way returns, and later ones return
// ErrClosed. Close waits for a Read under way to return, releases what
// the Reader holds and returns nil; it may be called more than once and
// from any goroutine.
func (r *Reader) Close() error {
	r.closed.Store(true)
	r.cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.release()
	return nil
}

// Read reads up to len(p) bytes of the series, all from one object. With
// WithFollow it waits for more if it has read everything. It returns as
// soon as it has read at least one byte.
func (r *Reader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return 0, errClosed
	}
	if len(p) == 0 {
		return 0, r.err
	}
	for r.err == nil {
		if r.cur == nil {
			r.err = r.next()
			continue
		}
		n, err := r.cur.Read(p)
		switch {
		case err == io.EOF:
			r.release() // the object is read to its end
		case err != nil:
			r.err = r.failed(err)
		}
		if n > 0 {
			return n, nil
		}
	}
	r.release()
	return 0, r.err
}

// next opens the next object to read, waiting for one to appear with
// WithFollow; it returns io.EOF at the end of the series.
func (r *Reader) next() error {
	for len(r.queue) == 0 {
		if !r.cfg.follow || r.s.kind == oneObject {
			return io.EOF
		}
		if r.looked {
			if err := ossapi.Sleep(r.ctx, r.cfg.poll); err != nil {
				return r.settle(err)
			}
		}
		found, err := r.s.after(r.ctx, r.at, r.begun)
		if err != nil {
			if err := r.settle(r.lookFailed(err)); err != nil {
				return err
			}
			continue
		}
		r.backoff.Reset()
		r.queue, r.looked = found, len(found) == 0
	}
	m := r.queue[0]
	r.queue = r.queue[1:]
	r.open(m, r.cfg)
	return nil
}

// open starts reading m with cfg.
func (r *Reader) open(m chain.Member, cfg config) {
	var ro role
	switch {
	case r.s.kind == oneObject && r.cfg.follow:
		// as a Follower
	case r.s.kind == oneObject:
		ro = role{anyType: true, last: true}
	default:
		ro = role{anyType: true, skipGone: true, last: !r.cfg.follow || len(r.queue) > 0}
		if r.cfg.follow {
			ro.newer = r.newer
		}
	}
	f := newFollower(r.ctx, r.s.c, r.s.bucket, m.Key, cfg, ro)
	r.cur, r.at, r.begun, r.looked = f, m, true, false
	r.key.Store(&m.Key)
	r.pos.Store(f)
}

// newer looks for the objects after the current one; the Follower of the
// current object asks, when a poll found it had not grown.
func (r *Reader) newer() (bool, error) {
	found, err := r.s.after(r.ctx, r.at, true)
	if err != nil {
		return false, r.lookFailed(err)
	}
	r.queue = found
	return len(found) > 0, nil
}

// lookFailed describes the failure of a look for the next object.
func (r *Reader) lookFailed(err error) error {
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	return &stepError{op: "look for the next object", err: err, transient: ossapi.Classify(err) == ossapi.Uncertain}
}

// settle turns the failure of a look for the next object into the sticky
// error, or into nil after waiting out the backoff if it may pass.
func (r *Reader) settle(err error) error {
	return settle(r.ctx, &r.closed, &r.backoff, err, false, func(err error) error {
		return fmt.Errorf("ossread: %s: %w", r.s, err)
	})
}

// failed turns the error of a Read of the current object, which names the
// object, into the sticky error: nil for an object deleted before it was
// read, which is skipped.
func (r *Reader) failed(err error) error {
	if r.closed.Load() {
		return errClosed
	}
	if errors.Is(err, errGone) {
		r.release()
		return nil
	}
	return err
}

// release lets go of the current object.
func (r *Reader) release() {
	if r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
}
