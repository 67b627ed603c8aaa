package ossappend

import (
	"fmt"
	"time"

	"github.com/ossappend/ossappend/internal/ossapi"
)

// DefaultRetry is the retry policy of a writer made without WithRetry:
// backoff from 100 ms doubling to 5 s, for up to 10 minutes per frame,
// enough to ride out an OSS or network outage of several minutes.
var DefaultRetry = Retry{MinBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second, MaxElapsed: 10 * time.Minute}

// Retry is how failed requests are repeated. Waits grow from MinBackoff,
// doubling to at most MaxBackoff, each drawn at random from its upper half
// so that writers do not retry in step. The writer applies it to each
// frame; package ossread applies it to each run of failed reads.
type Retry struct {
	// MaxAttempts bounds the requests spent on one frame; 0 means no
	// bound but MaxElapsed.
	MaxAttempts int
	// MinBackoff is the first wait; it must be positive.
	MinBackoff time.Duration
	// MaxBackoff caps the wait; it must be at least MinBackoff.
	MaxBackoff time.Duration
	// MaxElapsed bounds the time spent on one frame; 0 means no bound but
	// MaxAttempts. With both 0 the writer retries until it succeeds or is
	// shut down.
	MaxElapsed time.Duration
}

// backoff returns the state that paces the attempts of one operation by r.
func (r Retry) backoff() ossapi.Backoff {
	return ossapi.Backoff{Min: r.MinBackoff, Max: r.MaxBackoff, MaxAttempts: r.MaxAttempts, MaxElapsed: r.MaxElapsed}
}

func (r Retry) check() error {
	return ossapi.CheckBackoff(r.MaxAttempts, r.MinBackoff, r.MaxBackoff, r.MaxElapsed)
}

// retrier paces the attempts the append loop spends on one frame (or one
// rotation, or one seal).
type retrier struct {
	a *appender
	b ossapi.Backoff
}

func (a *appender) newRetrier() *retrier {
	return &retrier{a: a, b: a.w.cfg.retry.backoff()}
}

// failed records a failed request and waits before the next one. It
// returns the error that ends the attempts: a permanent failure, the
// writer's shutdown, or the policy's limits.
func (r *retrier) failed(err error, op, key string, pos int64) error {
	w := r.a.w
	wrap := func(e error) error {
		return fmt.Errorf("ossappend: %s %s/%s at %d: %w", op, w.bucket, key, pos, e)
	}
	switch ossapi.Classify(err) {
	case ossapi.Permanent:
		return wrap(ossapi.Describe(err))
	case ossapi.Canceled:
		return wrap(err)
	}
	w.requests.failed(err)
	d, gaveUp := r.b.Next(ossapi.Describe(err))
	if gaveUp != nil {
		return wrap(gaveUp)
	}
	if serr := ossapi.Sleep(w.ctx, d); serr != nil {
		return wrap(fmt.Errorf("%w; the last failure: %w", serr, ossapi.Describe(err)))
	}
	w.requests.retries.Add(1)
	return nil
}
