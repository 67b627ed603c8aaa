package ossappend

import (
	"fmt"
	"maps"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/internal/ossapi"
	"github.com/ossappend/ossappend/retry"
)

// Defaults of the options.
const (
	// DefaultFlushSize is the frame size: a frame is queued and appended
	// once it holds this many bytes. 4 MiB keeps the number of appends (and
	// their cost) low while compressing well.
	DefaultFlushSize = 4 << 20

	// DefaultFlushInterval bounds how long a written byte waits in memory
	// before its frame is queued and appended.
	DefaultFlushInterval = time.Second

	// DefaultMaxInflight is how many queued frames may wait for, or be in,
	// compression and AppendObject before Write blocks.
	DefaultMaxInflight = 4

	// MaxObjectSize is the largest object OSS builds by appends: 5 GiB.
	// It is also the default of WithMaxObjectSize.
	MaxObjectSize int64 = 5 << 30

	// defaultMaxAppendSize caps the bytes of one AppendObject when frames
	// that queued up behind a slow append go out together.
	defaultMaxAppendSize = 64 << 20

	// DefaultSpoolLimit is how many bytes of frames a spool holds before
	// Write waits (or drops) unless WithSpoolLimit says otherwise.
	DefaultSpoolLimit int64 = 1 << 30
)

// Limits of the options, checked by NewWriter before it allocates
// anything.
const (
	// maxFrameMemory bounds (MaxInflight+1) × FlushSize, the memory of a
	// writer's frames: 64 GiB, or what the platform can address.
	maxFrameMemory = min(64<<30, math.MaxInt)
	// maxInflight bounds WithMaxInflight: each frame costs a little memory
	// even before it holds bytes.
	maxInflight = 1 << 16
	// maxConcurrency bounds WithConcurrency.
	maxConcurrency = 1024
	// maxSpoolFrame bounds FlushSize with a spool.
	maxSpoolFrame = 1 << 30
)

// An Option configures a Writer. NewWriter checks every option together
// and reports a bad one as ErrInvalidArgument before it talks to OSS.
type Option func(*config)

type config struct {
	flushSize      int
	flushInterval  time.Duration
	maxInflight    int
	codec          compress.Codec
	concurrency    int
	object         *oss.AppendObjectRequest
	progress       oss.ProgressFunc
	onError        func(error)
	maxObjectSize  int64
	rotateKey      func(key string, seq int) string
	defaultRotate  bool // rotateKey is RotateKey, whose names a listing finds
	retry          retry.Policy
	sealOnClose    bool
	failOnConflict bool
	nonBlocking    bool
	maxAppendSize  int
	budget         *Budget
	keyLayout      bool
	location       *time.Location
	clock          Clock
	observers      []Observer
	requestBudget  *RequestBudget
	spoolDir       string
	spoolLimit     int64
	spoolSync      time.Duration
}

func defaultConfig() config {
	return config{
		flushSize:     DefaultFlushSize,
		flushInterval: DefaultFlushInterval,
		maxInflight:   DefaultMaxInflight,
		codec:         compress.None(),
		concurrency:   runtime.GOMAXPROCS(0),
		maxObjectSize: MaxObjectSize,
		rotateKey:     RotateKey,
		defaultRotate: true,
		retry:         DefaultRetry,
		maxAppendSize: defaultMaxAppendSize,
		location:      time.UTC,
		clock:         systemClock{},
		spoolLimit:    DefaultSpoolLimit,
	}
}

// WithFlushSize sets the frame size in bytes (default DefaultFlushSize, 4
// MiB): a frame is queued and appended when it is full. Each Write of at
// most this many bytes lands in one frame. It must be positive, and its
// encoded size at worst (see compress.Codec's MaxEncodedLen) must fit in
// the object size limit.
func WithFlushSize(n int) Option { return func(c *config) { c.flushSize = n } }

// WithFlushInterval bounds how long a byte may wait in memory (default
// DefaultFlushInterval, 1 s): a frame is queued when its oldest byte is this
// old, even if it is not full. Zero turns the timer off, so frames are
// queued only when full and by Flush, Sync and Close; negative is invalid.
func WithFlushInterval(d time.Duration) Option { return func(c *config) { c.flushInterval = d } }

// WithMaxInflight sets how many queued frames may wait for compression or
// be on their way to OSS before Write blocks (default DefaultMaxInflight,
// 4). Memory is bounded by about (n + 1) × FlushSize, twice that with a
// compressing codec. It must be 1 to 65536, and (n + 1) × FlushSize at
// most 64 GiB.
func WithMaxInflight(n int) Option { return func(c *config) { c.maxInflight = n } }

// WithCodec compresses each frame with codec (default compress.None()).
// Every frame is self-contained, so the object decodes with gzip -dc,
// zstd -dc or compress.NewReader. Unless WithObjectOptions sets one, the
// object's Content-Type becomes the codec's media type; Content-Encoding is
// not set, because HTTP clients would then decode the object on download.
//
// The writer records the codec's Name in the user metadata
// x-oss-meta-ossappend-codec of each object it creates. A writer resuming
// an object, and package ossread decoding it, take the codec from there:
// a writer refuses an object recorded with another codec, and never one
// recorded with its own, whatever its bytes look like. Only an object
// without the record (created by another tool, or by an older writer) is
// judged by its first bytes (see compress.Detect).
func WithCodec(codec compress.Codec) Option { return func(c *config) { c.codec = codec } }

// WithConcurrency sets how many frames are compressed at once (default
// runtime.GOMAXPROCS(0)). It must be 1 to 1024. It has no effect without a
// compressing codec.
func WithConcurrency(n int) Option { return func(c *config) { c.concurrency = n } }

// WithObjectOptions sets the create-time parameters of each object the
// writer creates (the first append to a key): ContentType, CacheControl,
// ContentDisposition, ContentEncoding, Expires, Metadata, Acl, StorageClass,
// Tagging, ServerSideEncryption and ServerSideDataEncryption. TrafficLimit
// and RequestPayer apply to every append. Bucket, Key, Position, Body,
// InitHashCRC64 and ProgressFn belong to the writer and must be unset.
// Metadata is stored with the writer's record of its codec (see
// WithCodec), and must not hold that key, ossappend-codec, itself. OSS
// refuses the storage classes ColdArchive and DeepColdArchive, and a KMS
// key ID (ServerSideEncryptionKeyId), for appendable objects: NewWriter
// refuses them too, before any request. An object the writer resumes keeps
// the parameters it was created with.
func WithObjectOptions(req *oss.AppendObjectRequest) Option {
	return func(c *config) { c.object = req }
}

// WithProgress calls fn as frames go out: increment is the number of bytes
// just sent, transferred the bytes sent since NewWriter (compressed bytes,
// as stored), total that plus the rest of the frame being sent. After a
// failed attempt transferred steps back to what is stored. fn is called from
// the writer's append goroutine and must not block.
func WithProgress(fn oss.ProgressFunc) Option { return func(c *config) { c.progress = fn } }

// WithErrorHandler calls fn with what the writer cannot return to a
// caller: the error that stops the writer (once), each conflict it moved
// away from, and dropped bytes in non-blocking mode (at most once a
// second). fn runs on a goroutine of its own, one call at a time; it may
// write to the writer itself (a logger's error line), but reports that
// arrive while it is busy with many others are dropped. fn must not call
// Close or Shutdown, which wait for it to return.
func WithErrorHandler(fn func(error)) Option { return func(c *config) { c.onError = fn } }

// WithMaxObjectSize sets the size at which the writer moves to a new
// object (default and maximum MaxObjectSize, the 5 GiB OSS allows). Before
// an append would make the object larger, the writer rotates to the key
// that WithRotateKey's function names; frames are never split across
// objects, so each object decodes on its own.
func WithMaxObjectSize(n int64) Option { return func(c *config) { c.maxObjectSize = n } }

// WithRotateKey sets the function that names the objects after the first:
// fn(key, seq) with the key given to NewWriter and seq = 1, 2, 3, ...
// (default RotateKey). The writer takes the first seq whose key does not
// exist yet. fn must return a valid key for every seq up to 2³¹-1:
// NewWriter checks the first and the last.
func WithRotateKey(fn func(key string, seq int) string) Option {
	return func(c *config) { c.rotateKey, c.defaultRotate = fn, false }
}

// WithSealOnClose seals each object with SealAppendObject when the writer
// is done with it: on Close, when it rotates away for size, and when it
// rolls into a new period (WithKeyLayout). A sealed
// object accepts no more appends. The client must have SealAppendObject,
// as *oss.Client does.
func WithSealOnClose() Option { return func(c *config) { c.sealOnClose = true } }

// WithFailOnConflict makes a conflict (see ErrConflict) stop the writer
// with a sticky error instead of moving to a fresh key.
func WithFailOnConflict() Option { return func(c *config) { c.failOnConflict = true } }

// WithNonBlocking makes Write never wait for buffer space: when every
// buffer is full (OSS slow or unreachable), the bytes of that Write are
// dropped, Write returns ErrDropped, Stats.DroppedBytes counts them, and the
// error handler hears of it at most once a second.
func WithNonBlocking() Option { return func(c *config) { c.nonBlocking = true } }

// WithMaxAppendSize caps the bytes one AppendObject sends (default 64
// MiB). Appends to an object go one at a time,
// each at the object's length, so when frames queue up behind a slow
// append (a distant region, a congested link), the next append takes all
// of them that are encoded, back to back, up to this many bytes: the round
// trip is paid once for all. A frame alone may be larger. Each frame stays
// whole and self-contained, so objects decode as before. n must be 1 to 5
// GiB.
func WithMaxAppendSize(n int) Option { return func(c *config) { c.maxAppendSize = n } }

// WithKeyLayout makes the key given to NewWriter a layout that names the
// writer's objects by time and source, as in
// "logs/dt=%Y-%m-%d/hour=%H/{host}.log.zst". %Y, %m, %d, %H, %M and %S
// expand to the year, month, day, hour, minute and second of the writer's
// clock (in UTC, or WithLocation's zone), zero-padded; %% is a '%'; {host}
// is the host name and {pid} the process id, with every byte but letters,
// digits, '.', '-' and '_' turned into '-'. A layout with a time verb must
// have the coarser ones too (%H needs %Y, %m and %d), so that two periods
// never share a key.
//
// The finest verb sets the period: when it ends, the writer queues the
// frame being filled, and the bytes written after go to the object of the
// new period. Every byte lands in the object of the period in which Write
// accepted it, as the writer's clock tells it; the clock's timer decides
// the boundary, so a Write within its latency (microseconds) of the end of
// a period may land in the period that ends. Within a period, objects
// rotate for size and after conflicts as they do without a layout (see
// WithRotateKey), each period's key starting a chain of its own. Key
// returns the object being written; Stats counts the rolls to new periods.
//
// Give each process its own objects with {host} or {pid}: one writer per
// key.
func WithKeyLayout() Option { return func(c *config) { c.keyLayout = true } }

// WithLocation sets the time zone in which a key layout's verbs are read
// (default UTC). Periods follow that zone's calendar, daylight saving time
// included: use UTC for periods of equal length.
func WithLocation(loc *time.Location) Option { return func(c *config) { c.location = loc } }

// WithClock sets the clock the writer reads the time from, for FlushInterval
// and key layouts (default: the system clock). Tests use it to move time
// on without sleeping.
func WithClock(clock Clock) Option { return func(c *config) { c.clock = clock } }

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
// writer's spool, naming it. One writer at a time holds a spool. A writer
// opened on a spool sends what it holds whatever options the writer that
// left it had: the frames of the append that writer was making when it
// stopped go out together, into memory of their own if there are more of
// them than MaxInflight allows (at most the size of that append, which
// WithMaxAppendSize bounds), and outside any Budget.
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

// WithBudget makes the writer's frames draw on b, a memory budget shared
// with other writers (see Budget). Without it a writer's frames are bounded
// by MaxInflight alone.
func WithBudget(b *Budget) Option { return func(c *config) { c.budget = b } }

// validate checks the options together, for a writer of key through c.
func (c *config) validate(client Client, key string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
	}
	if err := compress.Validate(c.codec); err != nil {
		return bad("codec: %v", err)
	}
	switch {
	case c.maxObjectSize <= 0 || c.maxObjectSize > MaxObjectSize:
		return bad("max object size %d: want 1 to %d (5 GiB)", c.maxObjectSize, MaxObjectSize)
	case c.flushSize <= 0:
		return bad("flush size %d: want a positive number of bytes", c.flushSize)
	case int64(c.flushSize) > c.maxObjectSize:
		return bad("flush size %d: larger than the object size limit %d", c.flushSize, c.maxObjectSize)
	case int64(c.codec.MaxEncodedLen(c.flushSize)) > c.maxObjectSize:
		return bad("flush size %d: a frame of incompressible bytes encoded with %s can take %d bytes, more than the object size limit %d",
			c.flushSize, c.codec.Name(), c.codec.MaxEncodedLen(c.flushSize), c.maxObjectSize)
	case c.flushInterval < 0:
		return bad("flush interval %v: want 0 (off) or more", c.flushInterval)
	case c.maxInflight < 1 || c.maxInflight > maxInflight:
		return bad("max inflight %d: want 1 to %d", c.maxInflight, maxInflight)
	case c.maxInflight >= maxFrameMemory/c.flushSize:
		return bad("max inflight %d with flush size %d: the frames would take more than %d bytes", c.maxInflight, c.flushSize, int64(maxFrameMemory))
	case c.concurrency < 1 || c.concurrency > maxConcurrency:
		return bad("concurrency %d: want 1 to %d", c.concurrency, maxConcurrency)
	case c.rotateKey == nil:
		return bad("rotate key function is nil")
	case c.maxAppendSize < 1 || int64(c.maxAppendSize) > MaxObjectSize:
		return bad("max append size %d: want 1 to %d (5 GiB)", c.maxAppendSize, MaxObjectSize)
	case c.location == nil:
		return bad("location is nil")
	case c.clock == nil:
		return bad("clock is nil")
	case c.spoolDir != "" && c.flushSize > maxSpoolFrame:
		return bad("flush size %d: a spool's frames are at most %d bytes (1 GiB)", c.flushSize, maxSpoolFrame)
	case c.spoolDir != "" && c.spoolLimit < int64(c.flushSize):
		return bad("spool limit %d: smaller than the flush size %d", c.spoolLimit, c.flushSize)
	case c.spoolSync < 0:
		return bad("spool sync %v: want 0 (off) or more", c.spoolSync)
	}
	if c.budget != nil {
		if err := c.budget.check(c.flushSize, c.draw(c.flushSize)); err != nil {
			return err
		}
	}
	if err := ossapi.CheckRetry(c.retry); err != nil {
		return err
	}
	if err := c.requestBudget.check(); err != nil {
		return err
	}
	for _, seq := range []int{1, maxRotation} {
		if err := ossapi.CheckKey(c.rotateKey(key, seq)); err != nil {
			return bad("key %.64q: its rotated name number %d is not a valid key: %v", key, seq, err)
		}
	}
	if _, ok := client.(ossapi.SealClient); c.sealOnClose && !ok {
		return bad("WithSealOnClose needs a client with SealAppendObject")
	}
	if o := c.object; o != nil {
		if o.Bucket != nil || o.Key != nil || o.Position != nil || o.Body != nil || o.InitHashCRC64 != nil || o.ProgressFn != nil {
			return bad("object options: Bucket, Key, Position, Body, InitHashCRC64 and ProgressFn are set by the writer")
		}
		switch o.StorageClass {
		case oss.StorageClassColdArchive, oss.StorageClassDeepColdArchive:
			return bad("object options: StorageClass %s: OSS refuses it for appendable objects (Standard, IA and Archive take appends)", o.StorageClass)
		}
		//lint:ignore SA1019 the deprecated name of the same header, refused alike
		if o.ServerSideEncryptionKeyId != nil || o.SSEKMSKeyId != nil {
			return bad("object options: ServerSideEncryptionKeyId: OSS refuses a KMS key ID for appendable objects (KMS encryption with the default key is accepted)")
		}
		for k := range o.Metadata {
			if strings.EqualFold(k, ossapi.CodecMetadata) {
				return bad("object options: Metadata %q is where the writer records its codec", k)
			}
		}
	}
	return nil
}

// draw is what a frame whose buffer has capacity c draws on the budget of
// a writer with config c: c, or, with a codec, the room the frame's
// encoding may take, which replaces the buffer once it is encoded (see
// encodeFrame), if that is more.
func (c *config) draw(n int) int64 {
	if compress.IsNone(c.codec) {
		return int64(n)
	}
	return int64(max(n, c.codec.MaxEncodedLen(n)))
}

// rotationOf returns the rotation number of key in the chain of base: 0
// for base itself, n for the key the rotate function names n. A key the
// function does not name in the first maxRotateProbes gives 0.
func (c *config) rotationOf(base, key string) int {
	for n := 1; n <= maxRotateProbes && key != base; n++ {
		if c.rotateKey(base, n) == key {
			return n
		}
	}
	return 0
}

// createParams copies WithObjectOptions' create-time parameters into the
// request that creates an object, the codec's media type unless they name
// a Content-Type, and the record of the codec into its metadata.
func (c *config) createParams(req *oss.AppendObjectRequest) {
	if o := c.object; o != nil {
		req.CacheControl = o.CacheControl
		req.ContentDisposition = o.ContentDisposition
		req.ContentEncoding = o.ContentEncoding
		req.Expires = o.Expires
		req.ContentType = o.ContentType
		req.ServerSideEncryption = o.ServerSideEncryption
		req.ServerSideDataEncryption = o.ServerSideDataEncryption
		req.Acl = o.Acl
		req.StorageClass = o.StorageClass
		req.Metadata = o.Metadata
		req.Tagging = o.Tagging
		req.ForbidOverwrite = o.ForbidOverwrite
	}
	if t := c.codec.MediaType(); req.ContentType == nil && t != "" {
		req.ContentType = &t
	}
	meta := make(map[string]string, len(req.Metadata)+1)
	maps.Copy(meta, req.Metadata)
	meta[ossapi.CodecMetadata] = c.codec.Name()
	req.Metadata = meta
}
