package ossappend

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/ossappend/ossappend/internal/ossapi"
)

// A RequestBudget caps the rate of requests that many writers make to
// OSS together, and slows them all down when OSS says it is throttling
// them: make one with NewRequestBudget and pass it to each writer with
// WithRequestBudget. OSS limits the requests of an account (about 10,000
// a second) and of keys under one prefix (about 2,000), and answers
// beyond that with 503 (SlowDown); a fleet of writers with the default
// one-second FlushInterval reaches that at a few thousand writers.
//
// Each request of a writer (an append, and the HeadObject, GetObject and
// SealAppendObject requests around appends) takes its turn within the
// budget's rate, waiting if it must. The rate starts at the limit given
// to NewRequestBudget; an answer of 503 or 429 halves it (at most once
// per DefaultRequestCut), and every second of answers without one adds
// a tenth of the limit back, up to the limit: additive increase,
// multiplicative decrease, as TCP shares a link. While the rate is below
// what the writers would ask for, their time-based flushes stretch
// fairly: each writer's flush interval becomes at least the number of
// writers divided by the rate, so that frames grow instead of requests
// multiplying, and Stats.FlushInterval shows it. Bytes wait longer;
// none is dropped or refused for it.
//
// A RequestBudget is safe for concurrent use.
type RequestBudget struct {
	limit float64          // requests a second at most
	now   func() time.Time // time.Now, but in tests

	mu      sync.Mutex
	rate    float64   // requests a second now
	next    time.Time // when the next request may go
	cut     time.Time // when the rate was last halved
	grown   time.Time // when the rate last grew
	writers int       // writers sharing the budget
}

// DefaultRequestCut is the least time between two halvings of a
// RequestBudget's rate: the answers of requests already on their way
// when the first throttling answer came do not halve it again.
const DefaultRequestCut = time.Second

// minRequestRate is the floor of a RequestBudget's rate.
const minRequestRate = 1

// NewRequestBudget returns a budget of perSecond requests a second,
// shared by the writers given it. perSecond must be at least 1.
func NewRequestBudget(perSecond float64) *RequestBudget {
	return &RequestBudget{limit: perSecond, rate: perSecond, now: time.Now}
}

// Rate returns the requests a second the budget allows now: its limit,
// or less after OSS throttled its writers.
func (rb *RequestBudget) Rate() float64 {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	rb.growLocked(rb.now())
	return rb.rate
}

// check checks the budget's limit.
func (rb *RequestBudget) check() error {
	if rb == nil {
		return nil
	}
	if !(rb.limit >= minRequestRate) || math.IsInf(rb.limit, 0) {
		return fmt.Errorf("%w: request budget of %v requests a second: want at least %d", ErrInvalidArgument, rb.limit, minRequestRate)
	}
	return nil
}

// join counts a writer in, leave out.
func (rb *RequestBudget) join() {
	if rb != nil {
		rb.mu.Lock()
		rb.writers++
		rb.mu.Unlock()
	}
}

func (rb *RequestBudget) leave() {
	if rb != nil {
		rb.mu.Lock()
		rb.writers--
		rb.mu.Unlock()
	}
}

// take waits for a request's turn, or until ctx ends, when it returns
// ctx.Err(). Requests go in the order they asked, a rate's interval
// apart; after a quiet spell, a tenth of a second's worth may go at once.
func (rb *RequestBudget) take(ctx context.Context) error {
	if rb == nil {
		return nil
	}
	rb.mu.Lock()
	now := rb.now()
	rb.growLocked(now)
	gap := time.Duration(float64(time.Second) / rb.rate)
	slot := rb.next
	if burst := now.Add(-time.Second/10 + gap); slot.Before(burst) { // a tenth of a second's worth, now included
		slot = burst
	}
	rb.next = slot.Add(gap)
	rb.mu.Unlock()
	if d := slot.Sub(now); d > 0 {
		return ossapi.Sleep(ctx, d)
	}
	return nil
}

// answered takes the answer to a request: a throttling answer halves
// the rate.
func (rb *RequestBudget) answered(err error) {
	if rb == nil || !throttled(err) {
		return
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	now := rb.now()
	if now.Sub(rb.cut) < DefaultRequestCut {
		return
	}
	rb.growLocked(now)
	rb.cut, rb.grown = now, now
	rb.rate = max(rb.rate/2, minRequestRate)
}

// growLocked adds a tenth of the limit back for every second since the
// rate last grew or was cut, up to the limit.
func (rb *RequestBudget) growLocked(now time.Time) {
	if rb.rate < rb.limit && !rb.grown.IsZero() {
		rb.rate = min(rb.limit, rb.rate+rb.limit/10*now.Sub(rb.grown).Seconds())
	}
	rb.grown = now
}

// interval is the least flush interval that keeps the budget's writers
// within its rate now: one request each per interval.
func (rb *RequestBudget) interval() time.Duration {
	if rb == nil {
		return 0
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	rb.growLocked(rb.now())
	return time.Duration(float64(rb.writers) / rb.rate * float64(time.Second))
}

// throttled says whether err is OSS saying it throttles: 503 or 429.
func throttled(err error) bool {
	if err == nil {
		return false
	}
	se := ossapi.ServiceError(err)
	return se != nil && (se.StatusCode == http.StatusServiceUnavailable || se.StatusCode == http.StatusTooManyRequests)
}

// WithRequestBudget makes the writer's requests share rb's rate with the
// other writers given it (see RequestBudget). Without it, a writer's
// requests are paced by its frames and its Retry policy alone.
func WithRequestBudget(rb *RequestBudget) Option { return func(c *config) { c.requestBudget = rb } }
