package ossappend

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

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
	cfg    config
	lay    *layout // the key layout, or nil for a literal key
	frames *framePool

	// The filling side (fill.go). turn is the writers' turn: a Write that
	// needs a new frame takes it before mu and keeps it while it waits for
	// one, so that its frames stay together; mu, which guards the fields
	// below, is only ever held for moments.
	turn   sync.Mutex
	mu     sync.Mutex
	cur    *frame // the frame being filled: never empty; nil if none
	closed bool   // Close has queued the last frame
	period period // where frames started now go, and until when
	fill   fillCounts
	timer  Timer // queues cur when it is due

	queue         chan *frame        // queued frames, in order, to the append loop
	compressed    bool               // frames go to the shared compressors
	enc           encodeState        // this writer's part in them (encode.go)
	notes         chan error         // reports for the error handler; nil without one
	readingFrames atomic.Bool        // a ReadFrom reads a frame at a time (readfrom.go)
	unblock       context.Context    // canceled when Close or Shutdown begins or the writer fails
	unblockAll    context.CancelFunc // cancels unblock: every wait of a Write ends

	closeOnce sync.Once
	closeDone chan struct{} // closed when the first Close has finished
	closeErr  error
	ctx       context.Context // the pipeline's; canceled to abort it
	abort     context.CancelCauseFunc
	group     errgroup.Group // every goroutine of the writer
	app       *appender      // the append loop (flush.go)
	sp        *spooler       // the spool (spool.go), or nil

	// The storing side: the append loop reports progress here.
	pmu      sync.Mutex
	settled  uint64        // seq of the last frame settled (stored or not)
	store    storeCounts   // under pmu
	progress chan struct{} // closed and replaced when settled moves
	failure  atomic.Pointer[error]
	key      atomic.Pointer[string] // the object now being written
	counts   requestCounts
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
	w := &Writer{client: c, bucket: bucket, cfg: cfg, period: period{key: key}}
	w.compressed = !compress.IsNone(cfg.codec)
	w.unblock, w.unblockAll = context.WithCancel(context.Background())
	if err := w.checkKey(key); err != nil {
		return nil, fmt.Errorf("ossappend: %w", err)
	}
	if err := cfg.validate(c, w.period.key); err != nil {
		return nil, fmt.Errorf("ossappend: %w", err)
	}

	slots := cfg.maxInflight + 1
	w.frames = newFramePool(slots)
	w.queue = make(chan *frame, slots)
	if cfg.onError != nil {
		w.notes = make(chan error, 64) // the handler's goroutine starts below
	}
	if cfg.spoolDir != "" {
		w.cfg.spoolKey = key
		if err := w.openSpool(ctx, w.period.key); err != nil {
			return nil, fmt.Errorf("ossappend: %w", err)
		}
	}
	start, err := w.originOf(ctx, w.period.key)
	if err != nil {
		if w.sp != nil {
			w.sp.s.Close()
		}
		return nil, fmt.Errorf("ossappend: %w", err)
	}

	w.closeDone = make(chan struct{})
	w.progress = make(chan struct{})
	w.key.Store(&start.key)
	w.ctx, w.abort = context.WithCancelCause(context.Background())
	if w.notes != nil {
		w.group.Go(w.notify)
	}
	w.app = newAppender(w, w.period.key, start)
	w.group.Go(w.app.run)
	if w.sp != nil {
		w.group.Go(w.finishFrames)
		w.group.Go(w.load)
	}
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
	w.period = lay.periodOf(w.cfg.clock.Now())
	if err := ossapi.CheckKey(w.period.key); err != nil {
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
	w.mu.Lock()
	// The fast path: p fits in the current frame, which it does not fill.
	// (A closed or failed writer has no current frame.)
	if f := w.cur; f != nil && len(p) < cap(f.buf)-len(f.buf) {
		f.buf = append(f.buf, p...)
		if f.fill != nil && !w.commitLocked(f, len(p)) {
			w.mu.Unlock()
			return 0, *w.failure.Load()
		}
		w.mu.Unlock()
		return len(p), nil
	}
	w.mu.Unlock()
	return fill(w, p, true)
}

// WriteString is Write for a string, without converting it to []byte.
func (w *Writer) WriteString(s string) (int, error) {
	w.mu.Lock()
	if f := w.cur; f != nil && len(s) < cap(f.buf)-len(f.buf) {
		f.buf = append(f.buf, s...)
		if f.fill != nil && !w.commitLocked(f, len(s)) {
			w.mu.Unlock()
			return 0, *w.failure.Load()
		}
		w.mu.Unlock()
		return len(s), nil
	}
	w.mu.Unlock()
	return fill(w, s, true)
}

// fill is Write when p does not fit in the current frame: it queues frames
// and starts new ones, waiting for a free frame if it must, with the
// writers' turn held throughout. With whole set, a p of at most FlushSize
// bytes goes into one frame; without, p fills the current frame to the
// brim first (ReadFrom's chunks have no lines to keep whole).
func fill[T []byte | string](w *Writer, p T, whole bool) (n int, err error) {
	w.turn.Lock()
	defer w.turn.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return 0, err
	}
	size := w.cfg.flushSize
	for len(p) > 0 {
		f := w.cur
		if f != nil && whole && len(p) <= size && len(p) > size-len(f.buf) {
			w.queueLocked() // p fits whole in a fresh frame, not in f
			f = nil
		}
		if f != nil {
			if c := min(len(p), size-len(f.buf)); c > f.avail() && !w.growLocked(f, c) {
				w.queueLocked() // no budget to grow f: send it on
				f = nil
			}
		}
		if f == nil {
			if f, err = w.newFrameLocked(min(len(p), size)); err != nil {
				if errors.Is(err, ErrDropped) {
					w.dropLocked(len(p))
				}
				return n, err
			}
		}
		c := min(len(p), f.avail())
		f.buf = append(f.buf, p[:c]...)
		if f.fill != nil && !w.commitLocked(f, c) {
			return n, *w.failure.Load()
		}
		p = p[c:]
		n += c
		if len(f.buf) == size {
			w.queueLocked()
		}
	}
	return n, nil
}
