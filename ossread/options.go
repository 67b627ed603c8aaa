package ossread

import (
	"fmt"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// DefaultPollInterval is how often a Follower asks OSS whether the object
// has grown, unless WithPollInterval says otherwise.
const DefaultPollInterval = time.Second

// DefaultRetry is how a Follower repeats failed requests unless WithRetry
// says otherwise: backoff from 1 s doubling to 30 s, for up to 5 minutes of
// consecutive failures, so that it rides out a network or OSS outage of a
// few minutes.
var DefaultRetry = ossappend.Retry{MinBackoff: time.Second, MaxBackoff: 30 * time.Second, MaxElapsed: 5 * time.Minute}

// An Option configures a Follower.
type Option func(*config)

type config struct {
	poll       time.Duration
	start      int64
	startAtEnd bool
	wait       bool
	retry      ossappend.Retry
}

func defaultConfig() config {
	return config{poll: DefaultPollInterval, retry: DefaultRetry}
}

// WithPollInterval sets how long a Follower that has read everything waits
// before it asks OSS again whether the object has grown (default
// DefaultPollInterval, 1 s). It must be positive. Each poll is one
// HeadObject request.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) { c.poll = d }
}

// WithStartOffset makes a Follower start at byte off of the object instead
// of its first byte, for instance to resume where Offset said an earlier
// Follower stopped. It must not be negative nor past the object's end. Start
// a compressed object only at a frame boundary: 0, the object's length at
// some time, or an offset reported by Offset.
func WithStartOffset(off int64) Option {
	return func(c *config) { c.start, c.startAtEnd = off, false }
}

// WithStartAtEnd makes a Follower skip what the object holds when it is
// made and yield only the bytes appended after that, as tail -f -n 0 does.
// The end of an object that an ossappend.Writer appends to is always a
// frame boundary.
func WithStartAtEnd() Option {
	return func(c *config) { c.start, c.startAtEnd = 0, true }
}

// WithWaitForObject makes a Follower whose object does not exist yet wait
// for it to be created, polling, instead of failing with ErrNoSuchKey.
// All of an object that is created later is new, so the Follower then reads
// it from its first byte, even with WithStartAtEnd.
func WithWaitForObject() Option {
	return func(c *config) { c.wait = true }
}

// WithRetry sets how a Follower repeats requests that failed in a way that
// may pass (network errors, timeouts, 5xx and 429 answers) (default
// DefaultRetry). A success starts the count anew. Other failures end the
// Follower at once.
func WithRetry(r ossappend.Retry) Option {
	return func(c *config) { c.retry = r }
}

func (c *config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ossapi.ErrInvalidArgument, fmt.Sprintf(format, args...))
	}
	switch {
	case c.poll <= 0:
		return bad("poll interval %v: want a positive duration", c.poll)
	case c.start < 0:
		return bad("start offset %d: want at least 0", c.start)
	}
	r := c.retry
	return ossapi.CheckBackoff(r.MaxAttempts, r.MinBackoff, r.MaxBackoff, r.MaxElapsed)
}

// backoff returns the pacing of the retries of c.retry.
func (c *config) backoff() ossapi.Backoff {
	r := c.retry
	return ossapi.Backoff{Min: r.MinBackoff, Max: r.MaxBackoff, MaxAttempts: r.MaxAttempts, MaxElapsed: r.MaxElapsed}
}
