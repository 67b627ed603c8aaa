package ossappend

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"golang.org/x/sync/errgroup"
)

// Client is the part of the OSS client the writer uses. *oss.Client
// satisfies it; tests may pass a small fake.
type Client interface {
	HeadObject(ctx context.Context, req *oss.HeadObjectRequest, optFns ...func(*oss.Options)) (*oss.HeadObjectResult, error)
	AppendObject(ctx context.Context, req *oss.AppendObjectRequest, optFns ...func(*oss.Options)) (*oss.AppendObjectResult, error)
}

// Sealer is implemented by clients that can seal an appendable object,
// *oss.Client among them. WithSealOnClose needs it.
type Sealer interface {
	SealAppendObject(ctx context.Context, req *oss.SealAppendObjectRequest, optFns ...func(*oss.Options)) (*oss.SealAppendObjectResult, error)
}

// A Writer streams the bytes written to it into an appendable OSS object.
// It is an io.WriteCloser, an io.StringWriter and an io.ReaderFrom, and
// with Sync a zapcore.WriteSyncer. It is safe for concurrent use.
//
// Writes are copied into a frame buffer and return at once; frames are
// sealed by size, by age and by Flush, compressed in parallel, and appended
// in order by one goroutine. See the package documentation for the path of
// a byte and for the guarantees.
type Writer struct {
	client Client
	bucket string
	base   string // the key given to NewWriter
	cfg    config
	frames *framePool

	// The filling side. wmu is the writers' turn: a Write that needs a new
	// frame takes it before mu and keeps it while it waits for one, so that
	// its frames stay together, while mu, which guards the fields below, is
	// only ever held for moments.
	wmu      sync.Mutex
	mu       sync.Mutex
	cur      *frame   // the frame Write fills; nil until the next Write
	reading  []*frame // frames ReadFrom calls are reading into
	waiting  bool     // a Write holding wmu waits for a free frame
	closed   bool     // Close has sealed the last frame
	sealed   uint64   // seq of the last sealed frame
	lastDrop time.Time

	queue   chan *frame   // sealed frames, in order, to the append loop
	encodeQ chan *frame   // sealed frames to the compressors; nil for codec none
	kick    chan struct{} // tells the timer a frame got its first byte
	notes   chan error    // reports for the error handler; nil without one

	closing   chan struct{} // closed when Close or Shutdown begins
	closeOnce sync.Once
	closeDone chan struct{} // closed when the first Close has finished
	closeErr  error
	ctx       context.Context // the pipeline's; canceled to abort it
	abort     context.CancelFunc
	group     errgroup.Group // every goroutine of the writer
	app       *appender      // the append loop

	// The storing side: the append loop reports progress here.
	pmu      sync.Mutex
	stored   uint64        // seq of the last frame settled (stored or lost)
	progress chan struct{} // closed and replaced when stored moves
	failure  atomic.Pointer[error]

	key   atomic.Pointer[string] // the object now being written
	stats counters
}

// NewWriter returns a writer that appends to the object key in bucket.
//
// It checks its arguments and options first and returns an error wrapping
// ErrInvalidArgument for a bad one, without a network call. Then it asks
// OSS for the object with HeadObject: a missing object is created by the
// first append, with the parameters of WithObjectOptions; an appendable one
// is resumed at its end (its length and CRC-64); any other object gives
// ErrNotAppendable. A missing bucket gives ErrNoSuchBucket and refused
// credentials ErrAccessDenied.
//
// ctx bounds the requests NewWriter makes; it does not bound the writer's
// life, which Close or Shutdown ends.
func NewWriter(ctx context.Context, c Client, bucket, key string, opts ...Option) (*Writer, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil client", ErrInvalidArgument)
	}
	if err := validBucket(bucket); err != nil {
		return nil, err
	}
	if err := validKey(key); err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if _, ok := c.(Sealer); cfg.sealOnClose && !ok {
		return nil, fmt.Errorf("%w: WithSealOnClose needs a client with SealAppendObject", ErrInvalidArgument)
	}

	obj, err := headObject(ctx, c, bucket, key)
	if err != nil {
		return nil, err
	}
	if obj.exists && !obj.appendable {
		return nil, fmt.Errorf("%w: %s/%s is a %s object", ErrNotAppendable, bucket, key, obj.kind)
	}

	slots := cfg.maxInflight + 1
	compressing := cfg.codec.Name() != "none"
	w := &Writer{
		client:    c,
		bucket:    bucket,
		base:      key,
		cfg:       cfg,
		frames:    newFramePool(slots, cfg.flushSize),
		queue:     make(chan *frame, slots),
		kick:      make(chan struct{}, 1),
		closing:   make(chan struct{}),
		closeDone: make(chan struct{}),
		progress:  make(chan struct{}),
	}
	w.key.Store(&key)
	w.ctx, w.abort = context.WithCancel(context.Background())
	if cfg.onError != nil {
		w.notes = make(chan error, 64)
		w.group.Go(w.notify)
	}
	if compressing {
		w.encodeQ = make(chan *frame, slots)
		for range cfg.concurrency {
			w.group.Go(w.compress)
		}
	}
	w.app = &appender{w: w, key: key, pos: obj.length, crc: obj.crc, crcKnown: obj.hasCRC || !obj.exists, done: make(chan struct{})}
	w.group.Go(w.app.run)
	if cfg.flushInterval > 0 {
		w.group.Go(w.timer)
	}
	return w, nil
}

// Write copies p into the current frame and returns; it does not keep p.
// A p of at most FlushSize bytes lands in one frame, so a log line is never
// split between appends; a longer p is split into frames in order.
//
// Write blocks only when every frame is in use: MaxInflight frames waiting
// for OSS and one being filled, or held by ReadFrom calls (see
// WithNonBlocking). After Close it returns ErrClosed, and once the
// writer has failed for good, the error that stopped it.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	// The fast path: p fits in the current frame, which it does not fill.
	// (A closed writer has no current frame: Close sealed it.)
	if f := w.cur; f != nil && len(p) < cap(f.buf)-len(f.buf) && len(f.buf) > 0 && w.failure.Load() == nil {
		f.buf = append(f.buf, p...)
		w.mu.Unlock()
		return len(p), nil
	}
	w.mu.Unlock()
	return writeSlow(w, p)
}

// WriteString is Write for a string, without converting it to []byte.
func (w *Writer) WriteString(s string) (int, error) {
	w.mu.Lock()
	if f := w.cur; f != nil && len(s) < cap(f.buf)-len(f.buf) && len(f.buf) > 0 && w.failure.Load() == nil {
		f.buf = append(f.buf, s...)
		w.mu.Unlock()
		return len(s), nil
	}
	w.mu.Unlock()
	return writeSlow(w, s)
}

// writeSlow is Write and WriteString when p does not fit in the current
// frame: it seals frames and starts new ones, waiting for a free frame if
// it must, with the writers' turn held throughout.
func writeSlow[T []byte | string](w *Writer, p T) (n int, err error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return 0, err
	}
	size := w.cfg.flushSize
	for len(p) > 0 {
		f := w.cur
		if f == nil || f.avail() == 0 || (len(p) <= size && len(p) > f.avail()) {
			// Seal a frame that cannot take p whole; start a new one.
			if f != nil {
				w.sealLocked(f)
			}
			if f, err = w.newFrameLocked(); err != nil {
				if errors.Is(err, ErrDropped) {
					w.dropLocked(len(p))
				}
				break
			}
		}
		if len(f.buf) == 0 {
			w.startedLocked(f)
		}
		c := min(len(p), f.avail())
		f.buf = append(f.buf, p[:c]...)
		p = p[c:]
		n += c
		if f.avail() == 0 {
			w.sealLocked(f)
		}
	}
	return n, err
}
