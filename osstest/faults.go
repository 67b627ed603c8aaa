package osstest

import (
	"fmt"
	"maps"
	"math/rand"
	"strings"
	"sync"
	"time"
)

// A FaultKind is a kind of failure a Server can inject.
type FaultKind int

// The kinds of fault. Latency and bandwidth combine with the others; the
// failures (500, 503, drop, reset, apply then fail) are exclusive: the
// first that fires for a request wins.
const (
	// FaultLatency sleeps Latency before handling the request, as a long
	// round trip would; it ends early if the client goes away.
	FaultLatency FaultKind = iota + 1
	// FaultError500 answers 500 InternalError, with an OSS XML error body,
	// and applies nothing.
	FaultError500
	// FaultError503 answers 503 ServiceUnavailable, with an OSS XML error
	// body, and applies nothing.
	FaultError503
	// FaultDropResponse applies the operation, then closes the connection
	// without answering: the client sees a connection error although the
	// change was made (the lost-response case).
	FaultDropResponse
	// FaultResetMidBody reads about half of the request body, then resets
	// the connection (a TCP RST), and applies nothing.
	FaultResetMidBody
	// FaultBandwidth caps the reading of the request body and the writing
	// of the response body to BytesPerSecond.
	FaultBandwidth
	// FaultApplyThenError500 applies the operation (an append lands, a
	// seal seals), then answers 500 InternalError: the client sees an
	// error although the change was made.
	FaultApplyThenError500
	// FaultApplyThenError503 applies the operation, then answers 503
	// ServiceUnavailable.
	FaultApplyThenError503
	// FaultLateApply reads the whole request, then waits Latency before it
	// applies it, whether or not the client is still there, and answers if
	// it is: OSS acts on a request it has received although the process
	// that sent it has died since, and a distant region answers late. A
	// writer killed with its append in flight leaves it to land later,
	// perhaps after the next writer has looked at the object.
	FaultLateApply
)

// String returns the name of the kind, such as "Latency" or "Error503".
func (k FaultKind) String() string {
	switch k {
	case FaultLatency:
		return "Latency"
	case FaultError500:
		return "Error500"
	case FaultError503:
		return "Error503"
	case FaultDropResponse:
		return "DropResponse"
	case FaultResetMidBody:
		return "ResetMidBody"
	case FaultBandwidth:
		return "Bandwidth"
	case FaultApplyThenError500:
		return "ApplyThenError500"
	case FaultApplyThenError503:
		return "ApplyThenError503"
	case FaultLateApply:
		return "LateApply"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// A Fault describes a failure to inject into the requests a Server serves.
type Fault struct {
	// Op is the operation the fault applies to, named as the SDK names it
	// ("AppendObject", "HeadObject", "PutObject", "GetObject", ...); the
	// empty string matches every operation.
	Op string
	// Kind is the kind of failure.
	Kind FaultKind
	// Probability is the chance that the fault fires for a matching
	// request, in (0, 1]; 0 is taken as 1.
	Probability float64
	// Latency is the delay of a FaultLatency or a FaultLateApply.
	Latency time.Duration
	// BytesPerSecond is the cap of a FaultBandwidth.
	BytesPerSecond int64
	// Limit is how many times at most the fault fires; 0 means no limit.
	Limit int
}

// isFailure reports whether k is one of the exclusive failure kinds.
func (k FaultKind) isFailure() bool {
	switch k {
	case FaultError500, FaultError503, FaultDropResponse, FaultResetMidBody, FaultApplyThenError500, FaultApplyThenError503, FaultLateApply:
		return true
	}
	return false
}

// plan is what the faults decided for one request.
type plan struct {
	latency   time.Duration
	late      time.Duration // of a FaultLateApply
	bandwidth int64
	failure   FaultKind
	fired     []FaultKind
}

// injector decides which faults fire. It is deterministic for a seed: one
// source under a mutex, one draw per request and matching fault, in the
// order the faults were given.
type injector struct {
	mu     sync.Mutex
	rng    *rand.Rand
	faults []Fault
	fired  []int
}

func newInjector(seed int64, faults []Fault) *injector {
	inj := &injector{}
	inj.set(seed, faults)
	return inj
}

func (inj *injector) set(seed int64, faults []Fault) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.rng = rand.New(rand.NewSource(seed))
	inj.faults = append([]Fault(nil), faults...)
	inj.fired = make([]int, len(faults))
}

func (inj *injector) plan(op string) plan {
	var p plan
	inj.mu.Lock()
	defer inj.mu.Unlock()
	for i, f := range inj.faults {
		if f.Op != "" && !strings.EqualFold(f.Op, op) {
			continue
		}
		if f.Limit > 0 && inj.fired[i] >= f.Limit {
			continue
		}
		prob := f.Probability
		if prob <= 0 || prob > 1 {
			prob = 1
		}
		if inj.rng.Float64() >= prob {
			continue
		}
		switch {
		case f.Kind == FaultLatency:
			p.latency += f.Latency
		case f.Kind == FaultBandwidth:
			if f.BytesPerSecond <= 0 {
				continue
			}
			if p.bandwidth == 0 || f.BytesPerSecond < p.bandwidth {
				p.bandwidth = f.BytesPerSecond
			}
		case f.Kind.isFailure():
			if p.failure != 0 {
				continue
			}
			p.failure = f.Kind
			if f.Kind == FaultLateApply {
				p.late = f.Latency
			}
		default:
			continue
		}
		inj.fired[i]++
		p.fired = append(p.fired, f.Kind)
	}
	return p
}

// SetFaults replaces the faults the server injects, and their random
// source, at once: for instance SetFaults(seed, Fault{Kind:
// FaultError503}) makes OSS go down, and SetFaults(seed) brings it back.
// The fault limits start anew; the counts are kept.
func (s *Server) SetFaults(seed int64, faults ...Fault) {
	s.faults.set(seed, faults)
}

// Counts is a snapshot of what a Server has served.
type Counts struct {
	// Requests counts the requests by operation name ("AppendObject", ...).
	Requests map[string]int64
	// Faults counts the injected faults by kind.
	Faults map[FaultKind]int64
	// Throttled counts the requests refused by WithThrottle's rates, by
	// operation name; they are in Requests too.
	Throttled map[string]int64
}

type counters struct {
	mu sync.Mutex
	c  Counts
}

func newCounters() *counters {
	return &counters{c: newCounts()}
}

func newCounts() Counts {
	return Counts{Requests: map[string]int64{}, Faults: map[FaultKind]int64{}, Throttled: map[string]int64{}}
}

func (c *counters) throttled(op string) {
	c.mu.Lock()
	c.c.Throttled[op]++
	c.mu.Unlock()
}

func (c *counters) request(op string) {
	c.mu.Lock()
	c.c.Requests[op]++
	c.mu.Unlock()
}

func (c *counters) injected(p plan) {
	if len(p.fired) == 0 {
		return
	}
	c.mu.Lock()
	for _, k := range p.fired {
		c.c.Faults[k]++
	}
	c.mu.Unlock()
}

// Counts returns a copy of the server's request and fault counts.
func (s *Server) Counts() Counts {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return Counts{Requests: maps.Clone(s.stats.c.Requests), Faults: maps.Clone(s.stats.c.Faults), Throttled: maps.Clone(s.stats.c.Throttled)}
}

// ResetCounts sets all the server's counts to zero.
func (s *Server) ResetCounts() {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	s.stats.c = newCounts()
}
