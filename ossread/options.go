package ossread

import (
	"fmt"
	"time"

	"github.com/ossappend/ossappend/internal/ossapi"
	"github.com/ossappend/ossappend/retry"
)

// DefaultPollInterval is how often a Follower, or a Reader made with
// WithFollow, asks OSS whether there is more to read, unless
// WithPollInterval says otherwise.
const DefaultPollInterval = time.Second

// DefaultRetry is how a Follower or a Reader repeats failed requests unless
// WithRetry says otherwise: backoff from 1 s doubling to 30 s, for up to 5
// minutes of consecutive failures, so that it rides out a network or OSS
// outage of a few minutes.
var DefaultRetry = retry.Policy{MinBackoff: time.Second, MaxBackoff: 30 * time.Second, MaxElapsed: 5 * time.Minute}

// An Option configures a Reader or a Follower.
type Option func(*config)

type config struct {
	poll       time.Duration
	start      int64
	startKey   string // WithStartAt's key, or ""
	startAtEnd bool
	wait       bool
	retry      retry.Policy

	only, follow, decode bool // of a Reader
}

func defaultConfig() config {
	return config{poll: DefaultPollInterval, retry: DefaultRetry}
}

// Only makes a Reader read the object named by its key alone, instead of
// the key's chain or, for a key that ends in '/', the objects under it.
// Without WithFollow it reads an object of any type (Normal, Multipart,
// Appendable) as it is when reading starts; with WithFollow, it reads as a
// Follower does.
func Only() Option {
	return func(c *config) { c.only = true }
}

// WithFollow makes a Reader keep reading as tail -F does: it waits for the
// object it has read to grow, and moves on to the next object of the
// series once one appears (see Reader). Read then never returns io.EOF
// unless the Reader reads one object alone (Only) and it is sealed. A
// Follower always follows.
func WithFollow() Option {
	return func(c *config) { c.follow = true }
}

// WithDecode makes a reader decode each object by the codec it was
// written with, so that a series whose objects use different codecs reads
// as one text. The codec is the one an ossappend writer recorded with the
// object when it created it (x-oss-meta-ossappend-codec, which the
// HeadObject the reader makes anyway reports, see Follower.Codec): an
// object recorded as "none" reads as stored, even if its bytes begin as a
// gzip member does (a .tgz, say). Only an object without the record,
// written by another tool or an older writer, has its codec detected from
// its first bytes, as compress.NewReader does. Read then returns decoded
// bytes, each frame as soon as it is stored, and Offset counts the stored
// bytes the decoder has taken, which may be more than it has returned
// (see Reader.Offset). A Follower wrapped in compress.NewReader instead
// always decides by the bytes.
func WithDecode() Option {
	return func(c *config) { c.decode = true }
}

// WithPollInterval sets how long a reader that has read everything waits
// before it asks OSS again whether there is more (default
// DefaultPollInterval, 1 s). It must be positive. Each poll is one
// HeadObject request of the object being read, and, for a Reader whose
// object did not grow, one request that looks for the next object (see
// Reader).
func WithPollInterval(d time.Duration) Option {
	return func(c *config) { c.poll = d }
}

// WithStartOffset makes a reader start at byte off of the first object it
// reads instead of its first byte, for instance to resume where Offset said
// an earlier one stopped. It must not be negative nor past the object's
// end. Start a compressed object only at a frame boundary: 0, the object's
// length at some time, or an offset reported by Offset.
func WithStartOffset(off int64) Option {
	return func(c *config) { c.start, c.startAtEnd = off, false }
}

// WithStartAt makes a Reader start at byte off of the object key, a member
// of its series, skipping the objects before it: Key and Offset of an
// earlier Reader of the same series name where it stopped. If key no longer
// exists, reading starts at the first object after it. It is not an option
// of a Follower, which reads one key (use WithStartOffset).
func WithStartAt(key string, off int64) Option {
	return func(c *config) { c.startKey, c.start, c.startAtEnd = key, off, false }
}

// WithStartAtEnd makes a reader skip what exists when it is made and yield
// only the bytes appended after that, as tail -f -n 0 does: a Follower
// starts at its object's end, a Reader at the end of the newest object of
// its series. The end of an object that an ossappend.Writer appends to is
// always a frame boundary. A Reader needs WithFollow with it.
func WithStartAtEnd() Option {
	return func(c *config) { c.start, c.startKey, c.startAtEnd = 0, "", true }
}

// WithWaitForObject makes a reader whose object does not exist yet wait
// for it to be created, polling, instead of failing with ErrNoSuchKey: a
// Follower waits for its object, a Reader for the first object of its
// series. All of an object that is created later is new, so it is read from
// its first byte, even with WithStartAtEnd. A Reader needs WithFollow with
// it.
func WithWaitForObject() Option {
	return func(c *config) { c.wait = true }
}

// WithRetry sets how a reader repeats requests that failed in a way that
// may pass (network errors, timeouts, 5xx and 429 answers) (default
// DefaultRetry). A success starts the count anew. Other failures end the
// reader at once.
func WithRetry(p retry.Policy) Option {
	return func(c *config) { c.retry = p }
}

func newConfig(opts []Option) config {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return cfg
}

func (c *config) validate() error {
	switch {
	case c.poll <= 0:
		return invalid("poll interval %v: want a positive duration", c.poll)
	case c.start < 0:
		return invalid("start offset %d: want at least 0", c.start)
	}
	return ossapi.CheckRetry(c.retry)
}

// validateFollower refuses the options only a Reader has.
func (c *config) validateFollower() error {
	switch {
	case c.startKey != "":
		return invalid("WithStartAt is an option of NewReader: a Follower takes WithStartOffset")
	}
	return c.validate()
}

// validateReader refuses the options that need WithFollow without it.
func (c *config) validateReader() error {
	switch {
	case c.startAtEnd && !c.follow:
		return invalid("WithStartAtEnd needs WithFollow: without it there is nothing to read")
	case c.wait && !c.follow:
		return invalid("WithWaitForObject needs WithFollow")
	}
	return c.validate()
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ossapi.ErrInvalidArgument, fmt.Sprintf(format, args...))
}

// backoff returns the pacing of the retries of c.retry.
func (c *config) backoff() ossapi.Backoff {
	return ossapi.BackoffOf(c.retry)
}
