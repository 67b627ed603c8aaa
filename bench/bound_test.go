package bench

import (
	"math"
	"testing"
	"time"
)

// TestAppendBound checks the bound against a hand computation and
// framesNeeded against the bound it inverts.
func TestAppendBound(t *testing.T) {
	const frame = 4 << 20
	// 4.194304 MB per append, 20 ms + 4.194304 / 500 s each.
	if got, want := appendBound(1, frame, 0.02, 500), 4.194304/(0.02+4.194304/500); math.Abs(got-want) > 1e-9 {
		t.Errorf("appendBound(1) = %v, want %v", got, want)
	}
	for _, k := range []float64{1, 2.5, 8} {
		mbps := appendBound(k, frame, 0.05, 600)
		if got := framesNeeded(mbps, frame, 0.05, 600); math.Abs(got-k) > 1e-9 {
			t.Errorf("framesNeeded(appendBound(%v)) = %v", k, got)
		}
	}
	if got := framesNeeded(600, frame, 0.05, 600); !math.IsInf(got, 1) {
		t.Errorf("framesNeeded at the bandwidth = %v, want +Inf", got)
	}
	if got := maxFramesPerAppend(4); got != 2.5 {
		t.Errorf("maxFramesPerAppend(4) = %v, want 2.5", got)
	}
}

// TestLoopbackBandwidth checks that WriteFrom's two round trips are taken
// out of its time at a latency, and that the best figure wins.
func TestLoopbackBandwidth(t *testing.T) {
	lats := []time.Duration{0, 20 * time.Millisecond}
	runs := [][]BulkResult{
		{{In: 100e6, Elapsed: time.Second}, {In: 100e6, Elapsed: 2 * time.Second}},        // 100 and 50 MB/s
		{{In: 100e6, Elapsed: 540 * time.Millisecond}, {In: 100e6, Elapsed: time.Second}}, // 500 ms without the round trips
	}
	if got := loopbackBandwidth(lats, runs); math.Abs(got-200) > 1e-9 {
		t.Errorf("bandwidth %v MB/s, want 200", got)
	}
}
