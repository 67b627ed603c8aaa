package ossread

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// Client is the part of the OSS client a Follower uses. *oss.Client
// satisfies it.
type Client interface {
	HeadObject(ctx context.Context, req *oss.HeadObjectRequest, optFns ...func(*oss.Options)) (*oss.HeadObjectResult, error)
	GetObject(ctx context.Context, req *oss.GetObjectRequest, optFns ...func(*oss.Options)) (*oss.GetObjectResult, error)
}

// Errors of this package. Their texts carry no package name: the errors
// that wrap them begin with "ossread: ".
var (
	// ErrNoSuchKey means the object to read does not exist (see
	// WithWaitForObject).
	ErrNoSuchKey = ossapi.ErrNoSuchKey

	// ErrObjectReplaced means an object being read was deleted, truncated
	// or replaced by another object: what it holds now does not continue
	// the bytes already read.
	ErrObjectReplaced = errors.New("followed object was deleted or replaced")

	// ErrClosed is returned by Read after Close.
	ErrClosed = errors.New("reader is closed")

	// ErrArchived means OSS will not read an object until it is restored:
	// its storage class is Archive, Cold Archive or Deep Cold Archive (403
	// InvalidObjectState). Read reports it, naming the object; a Reader
	// does not skip such an object, which would lose its bytes without a
	// word. Restore it (RestoreObject), then read on from it (see Reader).
	// It is the same value as ossappend.ErrArchived.
	ErrArchived = ossapi.ErrArchived

	// ErrNotOSS means the endpoint answered as OSS never does: an answer
	// without any of OSS's x-oss- headers (every answer of OSS carries
	// x-oss-request-id), as a web server or another storage service at
	// the endpoint gives, or a body that is not XML where OSS sends XML. A
	// 404 or 403 of such an endpoint is not taken for a missing object or
	// refused credentials, and a reader does not repeat the request, unless
	// the answer's status is a 5xx, 408 or 429, which a proxy before OSS
	// may give for a while.
	ErrNotOSS = ossapi.ErrNotOSS
)

var errClosed = fmt.Errorf("ossread: %w", ErrClosed)

// errGone is what a Follower of an object of a series reports when the
// object no longer exists when it first asks for it: the Reader skips it.
var errGone = errors.New("object was deleted before it was read")

// A Follower reads an appendable object as it grows, as tail -f reads a
// file: Read returns the object's bytes, and once it has returned all of
// them, it waits for more, polling OSS with HeadObject and fetching new
// bytes with ranged GetObject requests. Read returns the bytes it has as
// soon as it has some, without waiting to fill its buffer, so a decoder
// reading from a Follower sees each frame as soon as it is stored.
//
// Made with WithDecode, a Follower decodes the object by the codec its
// writer recorded with it (see Codec), as a Reader does; an archive that
// a writer stored without a codec (a .tgz) then reads as stored. Wrapped
// in compress.NewReader instead, it is decoded by its first bytes alone.
//
// Read returns io.EOF once it has read all of a sealed object; an object
// that is never sealed (most accounts cannot seal) is followed until Close
// or the end of the context: follow a series with a Reader to move on when
// its writer rotates. Read returns an error wrapping ErrArchived for an
// archived object that is not restored (see the package doc). It returns
// an error wrapping ErrObjectReplaced if the object is deleted, truncated,
// replaced, or turns into a Normal object, ErrClosed after Close, and an
// error wrapping the context's once the context given to NewFollower ends.
// A Follower that starts at the object's first byte or at its end also
// checks each stretch of bytes it reads against the object's CRC-64, so it
// tells a replacement even by a longer object; it does so once it has read
// the stretch, so the Read that returns its last bytes succeeds and the
// next one reports ErrObjectReplaced. A Follower that starts elsewhere
// tells a replacement only when the object shrinks, disappears or turns
// Normal.
//
// A Follower is not safe for concurrent use, except that Close, Codec and
// Offset may be called while a Read is under way.
type Follower struct {
	c      Client
	bucket string
	key    string
	cfg    config
	ctx    context.Context
	cancel context.CancelFunc
	closed atomic.Bool

	seen     bool   // the object has existed
	waited   bool   // it did not exist at first (WithWaitForObject)
	off      int64  // the next byte to read
	crc      uint64 // CRC-64 of bytes 0..off, if crcKnown
	crcKnown bool
	pos      atomic.Int64 // off, for Offset

	end    ossapi.Object // the object at the last poll
	polled bool          // a poll has found nothing new since the last wait

	body    io.ReadCloser // the GetObject being read, bytes off..end
	backoff ossapi.Backoff
	err     error // sticky: what every later Read returns

	role     role
	complete bool // the last poll's length is the object's end

	codec  atomic.Pointer[string] // the object's record, for Codec
	decMu  sync.Mutex             // held by a decoding Read, and by Close to release the decoder
	dec    *decoder               // with WithDecode, once Read has begun
	decErr error                  // sticky, with WithDecode: what every later Read returns
}

// role is what a Reader asks of the Follower of one object of a series;
// the zero role is that of a Follower made by NewFollower.
type role struct {
	// anyType reads an object that cannot grow (Normal, Multipart, ...)
	// whole instead of refusing it.
	anyType bool
	// skipGone reports errGone, not ErrNoSuchKey, for an object that does
	// not exist when the Follower first asks for it.
	skipGone bool
	// last says the object will not grow any more: the next poll's length
	// is its end.
	last bool
	// newer, when the object did not grow in a poll, asks before the next
	// one whether a newer object of the series exists; the object is then
	// complete, so that poll is the last.
	newer func() (bool, error)
}

// NewFollower returns a Follower of the object key in bucket.
//
// It checks its arguments and options, then asks OSS for the object with
// HeadObject, so that a missing object (ErrNoSuchKey, unless
// WithWaitForObject), a Normal object (ErrNotAppendable), a missing bucket
// (ErrNoSuchBucket), refused credentials (ErrAccessDenied) and an endpoint
// that is not OSS (ErrNotOSS) are reported here rather than by the first
// Read. The SDK client's own retries apply to that request, the Follower's
// retry policy does not.
//
// ctx bounds the Follower's whole life: when it ends, Read returns its
// error. Close the Follower when done to release its resources.
func NewFollower(ctx context.Context, c Client, bucket, key string, opts ...Option) (*Follower, error) {
	if err := ossapi.CheckTarget(c, bucket, key); err != nil {
		return nil, fmt.Errorf("ossread: %w", err)
	}
	cfg := newConfig(opts)
	if err := cfg.validateFollower(); err != nil {
		return nil, fmt.Errorf("ossread: %w", err)
	}
	f := newFollower(ctx, c, bucket, key, cfg, role{})
	if err := f.poll(); err != nil {
		f.cancel()
		return nil, f.final(err)
	}
	return f, nil
}

// newFollower returns a Follower that has not asked OSS anything yet.
func newFollower(ctx context.Context, c Client, bucket, key string, cfg config, r role) *Follower {
	f := &Follower{c: c, bucket: bucket, key: key, cfg: cfg, backoff: cfg.backoff(), role: r}
	f.ctx, f.cancel = context.WithCancel(ctx)
	f.pos.Store(cfg.start)
	return f
}

// Offset returns the offset in the object of the next byte Read will
// return: where the Follower started plus the bytes it has read. A new
// Follower made with WithStartOffset(Offset()) goes on from there. With
// WithDecode it counts the stored bytes the decoder has taken, which may
// be more than it has returned: it is a place to resume at only at the
// end of what is stored, when Read waits for more.
func (f *Follower) Offset() int64 { return f.pos.Load() }

// Codec returns the codec recorded with the object by the ossappend
// writer that created it (x-oss-meta-ossappend-codec): "none", "gzip",
// "zstd" or "s2". It returns "" for an object without a record, written by
// another tool or an older writer, and while a Follower made with
// WithWaitForObject waits for its object; otherwise NewFollower has asked
// for it before it returns. A Follower made without WithDecode returns the
// stored bytes whatever the record says: a caller that decodes them itself
// should decode by the record, and by the bytes (compress.NewReader) only
// when there is none, or it will gunzip an archive (a .tgz) that its
// writer stored as it was.
func (f *Follower) Codec() string {
	if c := f.codec.Load(); c != nil {
		return *c
	}
	return ""
}

// Close stops the Follower: a Read under way returns, and later ones
// return ErrClosed. Close always returns nil; it may be called more than
// once and from any goroutine. With WithDecode it waits for a Read under
// way to return, and releases the decoder.
func (f *Follower) Close() error {
	f.closed.Store(true)
	f.cancel()
	if f.cfg.decode {
		f.decMu.Lock()
		defer f.decMu.Unlock()
		if f.dec != nil {
			f.dec.Close()
			f.dec = nil
		}
	}
	return nil
}

// Read reads up to len(p) bytes of the object, waiting for the object to
// grow if the Follower has read all of it. It returns as soon as it has
// read at least one byte. With WithDecode, the bytes are decoded.
func (f *Follower) Read(p []byte) (int, error) {
	if f.cfg.decode {
		return f.readDecoded(p)
	}
	return f.read(p)
}

// readDecoded reads the object decoded, for a Follower made with
// WithDecode.
func (f *Follower) readDecoded(p []byte) (int, error) {
	f.decMu.Lock()
	defer f.decMu.Unlock()
	switch {
	case len(p) == 0 || f.decErr != nil:
		return 0, f.decErr
	case f.closed.Load():
		return 0, errClosed
	case f.dec == nil:
		f.dec = newDecoder(f)
	}
	n, err := f.dec.Read(p)
	switch {
	case err == nil || err == io.EOF && f.err == io.EOF:
		return n, err
	case f.closed.Load():
		f.decErr = errClosed
	case f.err != nil && f.err != io.EOF:
		f.decErr = f.err // the object's own error, which the decoder passed on
	default:
		f.decErr = f.final(err) // the decoder's, of the bytes read
	}
	return n, f.decErr
}

// read reads up to len(p) of the stored bytes.
func (f *Follower) read(p []byte) (int, error) {
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
		case !f.seen && !f.polled:
			err = f.poll() // the first poll of a Follower made by a Reader
		case f.off < f.end.Length:
			err = f.open()
		case f.end.Sealed || f.complete:
			err = io.EOF
		case f.polled:
			if err = ossapi.Sleep(f.ctx, f.cfg.poll); err == nil {
				f.polled = false
				err = f.idle()
			}
		default:
			err = f.poll()
		}
		if err != nil {
			f.err = f.settle(err, n > 0)
		}
		if n > 0 {
			f.backoff.Reset()
			return n, nil
		}
	}
	if f.body != nil {
		f.body.Close()
		f.body = nil
	}
	return 0, f.err
}

// final turns the failure of a step into the error Read returns.
func (f *Follower) final(err error) error {
	if err == io.EOF {
		return err
	}
	return fmt.Errorf("ossread: %s/%s: %w", f.bucket, f.key, err)
}

// settle turns the failure of one step of Read into the sticky error, or
// into nil after waiting out the backoff if the failure may pass.
func (f *Follower) settle(err error, read bool) error {
	return settle(f.ctx, &f.closed, &f.backoff, err, read, f.final)
}

// failure describes the error of a request, marking it transient when
// repeating the request may help.
func (f *Follower) failure(op string, err error) error {
	if f.ctx.Err() != nil {
		return f.ctx.Err()
	}
	return &stepError{op: op, err: ossapi.Describe(err), transient: ossapi.Classify(err) == ossapi.Uncertain}
}

func (f *Follower) replaced(format string, args ...any) error {
	return fmt.Errorf("%w: it %s", ErrObjectReplaced, fmt.Sprintf(format, args...))
}

// idle runs when the last poll found nothing new, after the poll interval:
// it asks whether a newer object of the series exists, then polls.
func (f *Follower) idle() error {
	if f.role.newer != nil && !f.role.last {
		newer, err := f.role.newer()
		if err != nil {
			return err
		}
		f.role.last = newer
	}
	return f.poll()
}

// retyped reports that the object, once of type f.end.Type, is now a kind
// object.
func (f *Follower) retyped(kind string) error {
	if f.end.Type == "Appendable" {
		return fmt.Errorf("%w: %w: it is now a %s object", ErrObjectReplaced, ossapi.ErrNotAppendable, kind)
	}
	return f.replaced("is now a %s object, it was a %s one", kind, f.end.Type)
}

// poll asks OSS how long the object is now.
func (f *Follower) poll() error {
	obj, err := ossapi.Head(f.ctx, f.c, f.bucket, f.key)
	switch {
	case err != nil:
		return f.failure("head", err)
	case !obj.Exists && f.seen:
		return f.replaced("was deleted")
	case !obj.Exists && f.role.skipGone:
		return errGone
	case !obj.Exists && !f.cfg.wait:
		return ErrNoSuchKey
	case !obj.Exists:
		f.waited, f.polled = true, true
		return nil
	case obj.Type != f.end.Type && f.seen:
		return f.retyped(obj.Kind())
	case obj.Type != "Appendable" && !f.role.anyType:
		return fmt.Errorf("%w: it is a %s object, which cannot grow (read it whole instead)", ossapi.ErrNotAppendable, obj.Kind())
	}
	if !f.seen {
		if err := f.begin(obj); err != nil {
			return err
		}
	}
	if obj.Length < f.off {
		return f.replaced("shrank to %d bytes, %d were read", obj.Length, f.off)
	}
	f.end = obj
	f.complete = f.role.last || obj.Type != "Appendable"
	f.polled = obj.Length == f.off
	f.backoff.Reset()
	if obj.Length == f.off {
		return f.checkCRC()
	}
	return nil
}

// begin places the Follower at its start, the first time it finds the
// object.
func (f *Follower) begin(obj ossapi.Object) error {
	f.seen = true
	f.codec.Store(&obj.Codec)
	switch {
	case f.cfg.startAtEnd && !f.waited:
		f.off, f.crc, f.crcKnown = obj.Length, obj.CRC, obj.HasCRC
	case f.cfg.start > obj.Length:
		return fmt.Errorf("%w: start offset %d is past the end of the object (%d bytes)", ossapi.ErrInvalidArgument, f.cfg.start, obj.Length)
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
	if f.crcKnown && f.end.HasCRC && f.off == f.end.Length && f.crc != f.end.CRC {
		return f.replaced("holds other bytes than those read (its CRC-64 is %d, theirs %d)", f.end.CRC, f.crc)
	}
	return nil
}

// open starts a ranged GetObject of the bytes off..end. It asks for OSS's
// standard range behaviour, without which OSS answers a range that does
// not lie within the object with 200 and the whole object, and checks the
// answer (see checkRange).
func (f *Follower) open() error {
	last := f.end.Length - 1
	rng := fmt.Sprintf("bytes=%d-%d", f.off, last)
	res, err := f.c.GetObject(f.ctx, &oss.GetObjectRequest{
		Bucket: &f.bucket, Key: &f.key, Range: &rng, RangeBehavior: oss.Ptr("standard"),
	})
	if err == nil {
		if err = ossapi.CheckAnswer(res.Headers); err != nil {
			res.Body.Close()
		}
	}
	if err != nil {
		switch se := ossapi.ServiceError(err); {
		case ossapi.NotOSS(err):
		case ossapi.IsNoSuchKey(err):
			return f.replaced("was deleted")
		case se != nil && se.StatusCode == http.StatusRequestedRangeNotSatisfiable:
			// Standard behaviour: the range starts past the end.
			return f.replaced("shrank below %d bytes", f.end.Length)
		case ossapi.IsArchived(err):
			return f.archived(err)
		}
		return f.failure("get "+rng, err)
	}
	if kind := oss.ToString(res.ObjectType); kind != "" && kind != f.end.Type {
		res.Body.Close()
		return f.retyped(kind)
	}
	if err := f.checkRange(res, rng, last); err != nil {
		res.Body.Close()
		return err
	}
	f.body = res.Body
	return nil
}

// archived is the error of a GetObject that OSS refused because the
// object is of an archive storage class and not restored (403
// InvalidObjectState). The class alone does not tell: a bucket may serve
// Archive objects as they are (real-time access), so only the refusal
// does.
func (f *Follower) archived(err error) error {
	class := f.end.StorageClass
	if class == "" {
		class = "an archive class"
	}
	state := "no restore of it is under way"
	if strings.Contains(f.end.Restore, `ongoing-request="true"`) {
		state = "its restore is under way"
	}
	return fmt.Errorf("%w; its storage class is %s, and %s: RestoreObject makes it readable once the restore is done", ossapi.Describe(err), class, state)
}

// checkRange checks the answer to a GetObject of the bytes f.off..last:
// 206 with a Content-Range of just those bytes. A Content-Range cut short
// by an object that shrank, 200 with the whole object (the endpoint did
// not take x-oss-range-behavior: standard), or any other range is an
// error: the body is never read as if it held the range.
func (f *Follower) checkRange(res *oss.GetObjectResult, rng string, last int64) error {
	cr := oss.ToString(res.ContentRange)
	if res.StatusCode != http.StatusPartialContent {
		what := fmt.Sprintf("HTTP %d", res.StatusCode)
		if res.StatusCode == http.StatusOK && cr == "" {
			what = fmt.Sprintf("200 with the whole object (%d bytes)", res.ContentLength)
		}
		return fmt.Errorf("get %s: answered %s, not 206 with the range: the endpoint does not serve ranges as OSS does with x-oss-range-behavior: standard", rng, what)
	}
	var first, end, size int64
	_, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &first, &end, &size)
	switch {
	case err != nil || first != f.off || end < first || end > last || end < last && size >= f.end.Length:
		return fmt.Errorf("get %s: answered 206 with Content-Range %q, not the range asked for", rng, cr)
	case end < last:
		// Standard behaviour: the range is cut at the end of an object
		// shorter than the last poll saw.
		return f.replaced("shrank to %d bytes, the last poll saw %d", size, f.end.Length)
	}
	return nil
}

// readBody reads from the GetObject under way, never past end.
func (f *Follower) readBody(p []byte) (int, error) {
	if rest := f.end.Length - f.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := f.body.Read(p)
	if f.crcKnown {
		f.crc = ossapi.UpdateCRC64(f.crc, p[:n])
	}
	f.off += int64(n)
	f.pos.Store(f.off)
	if f.off == f.end.Length {
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
