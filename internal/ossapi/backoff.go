package ossapi

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ossappend/ossappend/retry"
)

// Backoff paces the attempts of one operation that keeps failing. Waits
// grow from Min, doubling to at most Max, each drawn at random from its
// upper half so that many clients do not retry in step. It gives up after
// MaxAttempts failures (when positive) or once MaxElapsed (when positive)
// has passed since the first failure.
type Backoff struct {
	Min, Max    time.Duration
	MaxAttempts int
	MaxElapsed  time.Duration

	failures int
	first    time.Time
}

// Next records a failure whose error is cause and returns how long to wait
// before the next attempt, or, when the policy gives up, an error wrapping
// ErrRetriesExhausted and cause.
func (b *Backoff) Next(cause error) (time.Duration, error) {
	now := time.Now()
	if b.failures == 0 {
		b.first = now
	}
	b.failures++
	if b.MaxAttempts > 0 && b.failures >= b.MaxAttempts {
		return 0, fmt.Errorf("%w after %d attempts: %w", ErrRetriesExhausted, b.failures, cause)
	}
	if elapsed := now.Sub(b.first); b.MaxElapsed > 0 && elapsed >= b.MaxElapsed {
		return 0, fmt.Errorf("%w after %v: %w", ErrRetriesExhausted, elapsed.Round(time.Millisecond), cause)
	}
	d := b.Max
	if shift := min(b.failures-1, 30); b.Min <= b.Max>>shift {
		d = b.Min << shift // no overflow: at most Max
	}
	return d/2 + rand.N(d/2+1), nil
}

// Reset forgets the failures: the operation succeeded.
func (b *Backoff) Reset() { b.failures = 0 }

// Failures is the number of failures since the last Reset.
func (b *Backoff) Failures() int { return b.failures }

// Sleep waits for d, or until ctx ends, when it returns ctx.Err().
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// BackoffOf returns the state that paces the attempts of one operation by
// the policy p.
func BackoffOf(p retry.Policy) Backoff {
	return Backoff{Min: p.MinBackoff, Max: p.MaxBackoff, MaxAttempts: p.MaxAttempts, MaxElapsed: p.MaxElapsed}
}

// CheckRetry reports a retry policy that cannot work, as an error wrapping
// ErrInvalidArgument.
func CheckRetry(p retry.Policy) error {
	if p.MaxAttempts < 0 || p.MinBackoff <= 0 || p.MaxBackoff < p.MinBackoff || p.MaxElapsed < 0 {
		return fmt.Errorf("%w: retry policy {MaxAttempts:%d MinBackoff:%v MaxBackoff:%v MaxElapsed:%v}: want MaxAttempts ≥ 0, 0 < MinBackoff ≤ MaxBackoff, MaxElapsed ≥ 0",
			ErrInvalidArgument, p.MaxAttempts, p.MinBackoff, p.MaxBackoff, p.MaxElapsed)
	}
	return nil
}
