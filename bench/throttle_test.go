package bench

import (
	"testing"
	"time"
)

// TestThrottleStoresEveryLine runs scenario 9 small: writers that flush
// often share a budget above what the server serves, so that it
// throttles them. None fails once open, and every line of every writer
// is stored once, in order (Throttle checks every object).
func TestThrottleStoresEveryLine(t *testing.T) {
	block := NewWorkload(DefaultSeed).Text(64 << 10)
	cfg := ThrottleConfig{Writers: 50, Limit: 100, Budget: 200, Duration: time.Second, LineEvery: 100 * time.Millisecond, Flush: 100 * time.Millisecond}
	r, err := Throttle(block, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed != 0 || r.FailedOpen == cfg.Writers {
		t.Errorf("%d writers failed once open, %d failed to open: want none of the first", r.Failed, r.FailedOpen)
	}
	opened := int64(cfg.Writers - r.FailedOpen)
	if r.Lines != opened*int64(cfg.Duration/cfg.LineEvery) || r.Requests < opened || r.Throttled > r.Requests {
		t.Errorf("result %+v: want %d lines of each of the %d writers open, and their requests", r, cfg.Duration/cfg.LineEvery, opened)
	}
	t.Logf("sent %.0f/s, served %.0f/s, %d of %d throttled, %d NewWriter failed, oldest unstored byte %.2fs at most, flush interval %v at most, budget's rate %.0f/s at least",
		r.Sent(), r.Served(), r.Throttled, r.Requests, r.FailedOpen, percentile(r.Ages, 1), r.Interval, r.MinRate)
}
