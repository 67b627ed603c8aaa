package ossappend

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/internal/ossapi"
	"golang.org/x/sync/errgroup"
)

// Client is the part of the OSS client the writer uses. *oss.Client
// satisfies it; tests may pass a small fake. A client that also has
// SealAppendObject can seal objects (WithSealOnClose), and one that also
// has GetObject lets reconciliation read a frame back (see the Guarantees
// in the package documentation).
type Client interface {
	HeadObject(ctx context.Context, req *oss.HeadObjectRequest, optFns ...func(*oss.Options)) (*oss.HeadObjectResult, error)
	AppendObject(ctx context.Context, req *oss.AppendObjectRequest, optFns ...func(*oss.Options)) (*oss.AppendObjectResult, error)
}

// A Writer streams the bytes written to it into an appendable OSS object.
// It is an io.WriteCloser, an io.StringWriter and an io.ReaderFrom, and
// with Sync a zapcore.WriteSyncer. It is safe for concurrent use.
//
// Writes are copied into a frame and return at once; frames are queued by
// size, by age and by Flush, compressed in parallel, and appended in order
// by one goroutine. See the package documentation for the path of a byte
// and for the guarantees.
type Writer struct {
	client Client
	bucket string
	name   string // the key or layout given to NewWriter
	cfg    config
	lay    *layout // the key layout, or nil for a literal key
	frames *framePool

	fill  filling // the filling side (fill.go)
	store storing // the storing side (flush.go)

	queue         chan *frame   // queued frames, in order, to the append loop
	compressed    bool          // frames go to the compressors
	encoding      encodingState // this writer's frames in the compressors' hands (compressors.go)
	sp            *spooler      // the spool (spool.go); nil without one, and its methods then do nothing
	app           *appender     // the append loop (flush.go)
	notes         chan error    // reports for the error handler; nil without one
	readingFrames atomic.Bool   // a ReadFrom reads a frame at a time (readfrom.go)
	failure       atomic.Pointer[error]
	skew          atomic.Pointer[time.Duration] // how far OSS's clock is ahead, once a request was refused for it (skew.go)
	key           atomic.Pointer[string]        // the object now being written
	requests      requestCounts                 // the append loop's requests (stats.go)
	open          bool                          // NewWriter is done: the Observer hears of requests
	listDenied    atomic.Bool                   // the credentials may not list: chains are found key by key (resume.go)

	unblock    context.Context    // canceled when Close or Shutdown begins or the writer fails
	unblockAll context.CancelFunc // cancels unblock: every wait of a Write ends
	ctx        context.Context    // the pipeline's; canceled to abort it
	abort      context.CancelCauseFunc
	group      errgroup.Group // every goroutine of the writer
	closeOnce  sync.Once
	closeDone  chan struct{} // closed when the first Close has finished
	closeErr   error
}

// NewWriter returns a writer that appends to the object key in bucket, or,
// with WithKeyLayout, to the objects that the layout key names.
//
// It checks its arguments and options first and returns an error wrapping
// ErrInvalidArgument for a bad one, without a network call. Then it finds
// the object to append to: the newest of the key's rotation chain (the key
// and the keys WithRotateKey's function names after it), found with
// ListObjectsV2 when the client has it and the names are RotateKey's, or
// with a HeadObject of each key otherwise. An appendable object is resumed
// at its end (its length and CRC-64); a sealed one is followed by the next
// key of the chain; a missing one is created by the first append, with the
// parameters of WithObjectOptions. A Normal object, or an object holding
// the frames of another codec (read back when the client has GetObject),
// gives ErrNotAppendable. A missing bucket gives ErrNoSuchBucket and
// refused credentials ErrAccessDenied.
//
// ctx bounds the requests NewWriter makes; it does not bound the writer's
// life, which Close or Shutdown ends.
func NewWriter(ctx context.Context, c Client, bucket, key string, opts ...Option) (*Writer, error) {
	if err := ossapi.CheckTarget(c, bucket, "-"); err != nil {
		return nil, fmt.Errorf("ossappend: %w", err)
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	w := &Writer{client: c, bucket: bucket, name: key, cfg: cfg}
	w.fill.period = period{key: key}
	w.compressed = !compress.IsNone(cfg.codec)
	w.unblock, w.unblockAll = context.WithCancel(context.Background())
	if err := w.checkKey(key); err != nil {
		return nil, fmt.Errorf("ossappend: %w", err)
	}
	if err := w.cfg.validate(c, w.fill.period.key); err != nil {
		return nil, fmt.Errorf("ossappend: %w", err)
	}

	slots := w.cfg.maxInflight + 1
	w.frames = newFramePool(slots)
	w.queue = make(chan *frame, slots)
	if w.cfg.onError != nil {
		w.notes = make(chan error, 64) // the handler's goroutine starts below
	}
	sp, err := openSpool(w, key)
	if err != nil {
		return nil, fmt.Errorf("ossappend: %w", err)
	}
	w.sp = sp
	base := w.fill.period.key
	start, err := w.originOf(ctx, base)
	for b := ossapi.BackoffOf(w.cfg.retry); ossapi.IsThrottled(err); {
		// OSS throttles a fleet opening at once: wait, as the retry
		// policy says, within ctx.
		d, gaveUp := b.Next(err)
		if gaveUp != nil || ossapi.Sleep(ctx, d) != nil {
			break
		}
		start, err = w.originOf(ctx, base)
	}
	if err != nil {
		w.sp.close()
		return nil, fmt.Errorf("ossappend: %w", err)
	}
	if b, at, ok := w.sp.pinned(); ok {
		// The frames of an append an earlier writer recorded go first, to
		// the record's place, whatever the object looks like now.
		base, start = b, at
	}

	w.closeDone = make(chan struct{})
	w.store.progress = make(chan struct{})
	w.ctx, w.abort = context.WithCancelCause(context.Background())
	if w.notes != nil {
		w.group.Go(w.notify)
	}
	w.app = newAppender(w, base, start)
	w.open = true
	w.cfg.requestBudget.join()
	for _, o := range w.cfg.observers {
		o.Opened(w) // before any request of the append loop
	}
	w.group.Go(w.app.run)
	w.sp.start()
	return w, nil
}

// checkKey checks the key given to NewWriter: a literal key, or a layout
// and what it names now, which starts the writer's first period.
func (w *Writer) checkKey(key string) error {
	if !w.cfg.keyLayout {
		return ossapi.CheckKey(key)
	}
	if w.cfg.location == nil || w.cfg.clock == nil {
		return nil // validate says so
	}
	lay, err := parseLayout(key, w.cfg.location)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	w.lay = lay
	w.fill.period = lay.periodOf(w.cfg.clock.Now())
	if err := ossapi.CheckKey(w.fill.period.key); err != nil {
		return fmt.Errorf("layout %q names %w", key, err)
	}
	return nil
}

// Write copies p into the current frame and returns; it does not keep p.
// A p of at most FlushSize bytes lands in one frame, so a log line is never
// split between appends; a longer p is split into frames in order.
//
// Write blocks only when every frame is in use: MaxInflight frames waiting
// for OSS and one being filled (see WithNonBlocking). After Close it
// returns an error wrapping ErrClosed, and once the writer has failed for
// good, the error that stopped it.
func (w *Writer) Write(p []byte) (int, error) {
	w.fill.mu.Lock()
	// The fast path: p fits in the current frame, which it does not fill.
	// (A closed or failed writer has no current frame.)
	if f := w.fill.cur; f != nil && len(p) < cap(f.buf)-len(f.buf) {
		f.buf = append(f.buf, p...)
		if f.file != nil && !w.commitLocked(f, len(p)) {
			w.fill.mu.Unlock()
			return 0, *w.failure.Load()
		}
		w.fill.mu.Unlock()
		return len(p), nil
	}
	w.fill.mu.Unlock()
	return fill(w, p, true)
}

// WriteString is Write for a string, without converting it to []byte.
func (w *Writer) WriteString(s string) (int, error) {
	w.fill.mu.Lock()
	if f := w.fill.cur; f != nil && len(s) < cap(f.buf)-len(f.buf) {
		f.buf = append(f.buf, s...)
		if f.file != nil && !w.commitLocked(f, len(s)) {
			w.fill.mu.Unlock()
			return 0, *w.failure.Load()
		}
		w.fill.mu.Unlock()
		return len(s), nil
	}
	w.fill.mu.Unlock()
	return fill(w, s, true)
}

// Key returns the key of the object being written: the newest object of
// the chain that NewWriter resumed (the key given to it, when the chain
// is new; with WithKeyLayout, the period's key), then each key the writer
// moves to, when it rotates (see WithMaxObjectSize and ErrConflict) or
// rolls into a new period.
func (w *Writer) Key() string { return *w.key.Load() }
