package ossappend

import (
	"fmt"
	"time"

	"github.com/ossappend/ossappend/internal/ossapi"
	"github.com/ossappend/ossappend/retry"
)

// DefaultRetry is the retry policy of a writer made without WithRetry:
// backoff from 100 ms doubling to 5 s, for up to 10 minutes per frame,
// enough to ride out an OSS or network outage of several minutes.
var DefaultRetry = retry.Policy{MinBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second, MaxElapsed: 10 * time.Minute}

// WithRetry sets how failed requests are repeated (default DefaultRetry).
func WithRetry(p retry.Policy) Option { return func(c *config) { c.retry = p } }

// retrier paces the attempts the append loop spends on one frame (or one
// rotation, or one seal).
type retrier struct {
	a *appender
	b ossapi.Backoff
}

func (a *appender) newRetrier() *retrier {
	return &retrier{a: a, b: ossapi.BackoffOf(a.w.cfg.retry)}
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
