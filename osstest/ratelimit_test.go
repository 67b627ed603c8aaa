package osstest

import (
	"fmt"
	"testing"
)

// TestThrottle: past its rate a bucket or a prefix is answered 503 SlowDown,
// as OSS answers too many requests, and Counts says how many.
func TestThrottle(t *testing.T) {
	t.Run("prefix", func(t *testing.T) {
		s, c, b := newBucket(t, WithThrottle(Throttle{PerPrefix: 1}))
		// One request a prefix is within the rate, however fast they come.
		for i := range 10 {
			_, err := c.HeadObject(ctx, headReq(b, fmt.Sprintf("p%d/k", i)), noRetry)
			wantCode(t, err, 404, "NoSuchKey")
		}
		// Ten to one prefix are not: the second within a second is refused.
		throttled := 0
		for range 10 {
			_, err := c.HeadObject(ctx, headReq(b, "dt=2026-12-05/k"), noRetry)
			if se := serviceError(t, err); se.StatusCode == 503 {
				if se.Code != "SlowDown" || se.EC != "0004-00000302" {
					t.Errorf("throttled with %s, EC %s", se.Code, se.EC)
				}
				throttled++
			}
		}
		if throttled == 0 {
			t.Fatal("ten requests to one prefix passed a limit of one a second")
		}
		if got := s.Counts().Throttled["HeadObject"]; got != int64(throttled) {
			t.Errorf("Counts says %d throttled, the client saw %d", got, throttled)
		}
	})
	t.Run("bucket", func(t *testing.T) {
		s, c, b := newBucket(t, WithThrottle(Throttle{PerBucket: 2}))
		throttled := 0
		for i := range 10 {
			_, err := c.HeadObject(ctx, headReq(b, fmt.Sprintf("p%d/k", i)), noRetry)
			if serviceError(t, err).StatusCode == 503 {
				throttled++
			}
		}
		if throttled == 0 || s.Counts().Throttled["HeadObject"] != int64(throttled) {
			t.Fatalf("%d throttled, counts %+v", throttled, s.Counts())
		}
	})
}
