package ossapi

import (
	"github.com/ossappend/ossappend/retry"

	"errors"
	"testing"
	"time"
)

func TestBackoffGrowsWithJitterAndCaps(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	cause := errors.New("503")
	for i, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for range 50 {
			c := b // the same failure count, drawn again
			d, err := c.Next(cause)
			if err != nil {
				t.Fatalf("failure %d: %v", i+1, err)
			}
			if d < want/2 || d > want {
				t.Fatalf("failure %d: wait %v, want within [%v, %v]", i+1, d, want/2, want)
			}
		}
		b.Next(cause)
	}
	if b.Failures() != 6 {
		t.Fatalf("Failures = %d, want 6", b.Failures())
	}
	b.Reset()
	if d, _ := b.Next(cause); d > 100*time.Millisecond {
		t.Fatalf("after Reset the wait is %v, want at most the first", d)
	}
}

// TestBackoffLongWaitsDoNotWrap: a wait that doubling would take past the
// largest Duration stays at Max instead of wrapping to a short one.
func TestBackoffLongWaitsDoNotWrap(t *testing.T) {
	b := Backoff{Min: 1<<40 + 1, Max: 1 << 62} // Min << 24 wraps to 1 << 24: 17 ms
	for i := range 40 {
		d, err := b.Next(errors.New("503"))
		if err != nil {
			t.Fatal(err)
		}
		if d < b.Min/2 {
			t.Fatalf("failure %d: wait %v, shorter than the first", i+1, d)
		}
	}
}

func TestBackoffGivesUp(t *testing.T) {
	cause := errors.New("503")
	b := Backoff{Min: time.Millisecond, Max: time.Millisecond, MaxAttempts: 3}
	for i := 1; i < 3; i++ {
		if _, err := b.Next(cause); err != nil {
			t.Fatalf("failure %d of 3: %v", i, err)
		}
	}
	_, err := b.Next(cause)
	if !errors.Is(err, ErrRetriesExhausted) || !errors.Is(err, cause) {
		t.Fatalf("third failure: %v, want ErrRetriesExhausted wrapping the cause", err)
	}

	b = Backoff{Min: time.Millisecond, Max: time.Millisecond, MaxElapsed: time.Nanosecond}
	if _, err := b.Next(cause); err != nil {
		t.Fatalf("first failure: %v", err) // nothing has elapsed since itself
	}
	time.Sleep(time.Millisecond) // past MaxElapsed, whatever the machine's load
	if _, err := b.Next(cause); !errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("failure after MaxElapsed: %v, want ErrRetriesExhausted", err)
	}
}

func TestCheckRetry(t *testing.T) {
	ok := []struct{ attempts, min, max, elapsed int }{{0, 1, 1, 0}, {3, 1, 5, 9}}
	bad := []struct{ attempts, min, max, elapsed int }{{-1, 1, 1, 0}, {0, 0, 1, 0}, {0, 2, 1, 0}, {0, 1, 1, -1}}
	for _, c := range ok {
		if err := CheckRetry(retry.Policy{MaxAttempts: c.attempts, MinBackoff: time.Duration(c.min), MaxBackoff: time.Duration(c.max), MaxElapsed: time.Duration(c.elapsed)}); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	for _, c := range bad {
		if err := CheckRetry(retry.Policy{MaxAttempts: c.attempts, MinBackoff: time.Duration(c.min), MaxBackoff: time.Duration(c.max), MaxElapsed: time.Duration(c.elapsed)}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%+v: %v, want ErrInvalidArgument", c, err)
		}
	}
}
