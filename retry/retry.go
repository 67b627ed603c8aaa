// Package retry holds the policy by which package ossappend's writers and
// package ossread's readers repeat failed requests.
//
//	w, err := ossappend.NewWriter(ctx, client, bucket, key,
//		ossappend.WithRetry(retry.Policy{MinBackoff: time.Second, MaxBackoff: time.Minute, MaxElapsed: time.Hour}))
package retry

import "time"

// A Policy is how failed requests are repeated. Waits grow from MinBackoff,
// doubling to at most MaxBackoff, each drawn at random from its upper half
// so that many clients do not retry in step. A writer applies it to each
// frame (and to each rotation or seal); a reader to each run of failed
// reads, which a success ends.
type Policy struct {
	// MaxAttempts bounds the requests spent on one frame or run; 0 means
	// no bound but MaxElapsed.
	MaxAttempts int
	// MinBackoff is the first wait; it must be positive.
	MinBackoff time.Duration
	// MaxBackoff caps the wait; it must be at least MinBackoff.
	MaxBackoff time.Duration
	// MaxElapsed bounds the time spent on one frame or run; 0 means no
	// bound but MaxAttempts. With both 0, requests are repeated until they
	// succeed or the writer or reader is closed.
	MaxElapsed time.Duration
}
