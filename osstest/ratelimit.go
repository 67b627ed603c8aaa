package osstest

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// A Throttle is a request rate above which a Server refuses requests as
// OSS does when a bucket, or a partition of its keys, gets more queries per
// second than it serves: 503 SlowDown, EC 0004-00000302, with nothing
// applied. OSS's documentation of that EC gives the status and the limits
// (about 10,000 requests a second an account, about 2,000 for keys under
// sequential prefixes) but not the code; SlowDown is the code such limits
// have in S3-style services, and OSS's SDKs retry any 503 alike.
type Throttle struct {
	// PerBucket is the most requests a second the server serves for one
	// bucket; 0 sets no limit.
	PerBucket int
	// PerPrefix is the most requests a second the server serves for the
	// keys of one prefix, the part of a key up to its last '/' (keys
	// without one share the prefix ""), as OSS limits keys under
	// sequential prefixes such as "dt=2026-12-05/"; 0 sets no limit.
	PerPrefix int
}

// WithThrottle makes the server refuse the requests past the rates of t,
// counted in whole seconds of its clock. Counts tells how many it refused,
// by operation, in Throttled.
func WithThrottle(t Throttle) Option {
	return func(o *options) { o.throttle = t }
}

// errSlowDown is the answer to a request past a Throttle.
var errSlowDown = newError(http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.", "0004-00000302")

// limiter counts requests by bucket and by prefix in the current second.
type limiter struct {
	t      Throttle
	mu     sync.Mutex
	second int64
	counts map[string]int
}

func newLimiter(t Throttle) *limiter {
	return &limiter{t: t, counts: map[string]int{}}
}

// throttled counts a request at now and reports whether it is past a rate.
func (l *limiter) throttled(rt route, now time.Time) bool {
	if l.t.PerBucket <= 0 && l.t.PerPrefix <= 0 || rt.bucket == "" {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec := now.Unix(); sec != l.second {
		l.second = sec
		clear(l.counts)
	}
	over := false
	if l.t.PerBucket > 0 {
		k := rt.bucket
		l.counts[k]++
		over = l.counts[k] > l.t.PerBucket
	}
	if l.t.PerPrefix > 0 && rt.hasKey {
		prefix := ""
		if i := strings.LastIndexByte(rt.key, '/'); i >= 0 {
			prefix = rt.key[:i+1]
		}
		k := rt.bucket + "/" + prefix
		l.counts[k]++
		over = over || l.counts[k] > l.t.PerPrefix
	}
	return over
}
