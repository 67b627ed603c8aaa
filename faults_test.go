package ossappend_test

// The fault matrix: for each codec and each kind of fault osstest can
// inject, 8 goroutines log 20 000 numbered lines each through slog; the
// object must then hold every line exactly once, each goroutine's in order,
// and the writer's Stats must account for the faults that happened.
//
// A short run (one seed per cell, 3 000 lines a goroutine) is part of every
// test run. The long run takes OSSAPPEND_FAULT_SEEDS seeds per cell (say
// 200) and OSSAPPEND_FAULT_LINES lines a goroutine (say 20000);
// OSSAPPEND_FAULT_SEED replays one seed. A failure names its seed.

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

type faultCase struct {
	name   string
	faults []osstest.Fault
	// failures lists the fault kinds that fail a request; exact says they
	// hit AppendObject alone, so that the counts must match Stats exactly.
	failures []osstest.FaultKind
	exact    bool
}

var faultMatrix = []faultCase{
	{name: "latency", faults: []osstest.Fault{{Kind: osstest.FaultLatency, Latency: 2 * time.Millisecond}}},
	{name: "5xx", exact: true, failures: []osstest.FaultKind{osstest.FaultError500, osstest.FaultError503},
		faults: []osstest.Fault{
			{Op: "AppendObject", Kind: osstest.FaultError500, Probability: 0.1},
			{Op: "AppendObject", Kind: osstest.FaultError503, Probability: 0.1},
		}},
	{name: "lost-response", exact: true, failures: []osstest.FaultKind{osstest.FaultDropResponse},
		faults: []osstest.Fault{{Op: "AppendObject", Kind: osstest.FaultDropResponse, Probability: 0.2}}},
	{name: "reset-mid-body", exact: true, failures: []osstest.FaultKind{osstest.FaultResetMidBody},
		faults: []osstest.Fault{{Op: "AppendObject", Kind: osstest.FaultResetMidBody, Probability: 0.2}}},
	{name: "applied-then-5xx", exact: true, failures: []osstest.FaultKind{osstest.FaultApplyThenError500, osstest.FaultApplyThenError503},
		faults: []osstest.Fault{
			{Op: "AppendObject", Kind: osstest.FaultApplyThenError500, Probability: 0.1},
			{Op: "AppendObject", Kind: osstest.FaultApplyThenError503, Probability: 0.1},
		}},
	{name: "mix", failures: []osstest.FaultKind{osstest.FaultError500, osstest.FaultError503, osstest.FaultDropResponse, osstest.FaultResetMidBody,
		osstest.FaultApplyThenError503},
		faults: []osstest.Fault{ // 25 % of all requests, HeadObject included
			{Kind: osstest.FaultLatency, Latency: time.Millisecond, Probability: 0.05},
			{Kind: osstest.FaultError500, Probability: 0.05},
			{Kind: osstest.FaultError503, Probability: 0.05},
			{Kind: osstest.FaultDropResponse, Probability: 0.05},
			{Kind: osstest.FaultResetMidBody, Probability: 0.05},
			{Kind: osstest.FaultApplyThenError503, Probability: 0.05},
		}},
}

func faultSeeds(t *testing.T) []int64 {
	if s := os.Getenv("OSSAPPEND_FAULT_SEED"); s != "" {
		seed, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("OSSAPPEND_FAULT_SEED: %v", err)
		}
		return []int64{seed}
	}
	n := 1
	if s := os.Getenv("OSSAPPEND_FAULT_SEEDS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("OSSAPPEND_FAULT_SEEDS=%q: want a positive number", s)
		}
	}
	seeds := make([]int64, n)
	for i := range seeds {
		seeds[i] = int64(i + 1)
	}
	return seeds
}

func TestFaultMatrix(t *testing.T) {
	gs, n := 8, 3000
	if testing.Short() {
		n = 2000
	}
	if s := os.Getenv("OSSAPPEND_FAULT_LINES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("OSSAPPEND_FAULT_LINES=%q: want a positive number", s)
		}
	}
	seeds := faultSeeds(t)
	var totals sync.Map // fault kind → count, for the long run's summary
	for _, codec := range []compress.Codec{compress.None(), compress.Gzip(1), compress.Zstd(1), compress.S2()} {
		for _, fc := range faultMatrix {
			t.Run(codec.Name()+"/"+fc.name, func(t *testing.T) {
				for _, seed := range seeds {
					counts := runFaultCase(t, codec, fc, seed, gs, n)
					for k, v := range counts.Faults {
						c, _ := totals.LoadOrStore(k, new(int64))
						*c.(*int64) += v
					}
				}
			})
		}
	}
	if len(seeds) > 1 {
		totals.Range(func(k, v any) bool {
			t.Logf("injected %v: %d", k, *v.(*int64))
			return true
		})
	}
}

func runFaultCase(t *testing.T, codec compress.Codec, fc faultCase, seed int64, gs, n int) osstest.Counts {
	t.Helper()
	srv := osstest.NewServer() // closed per seed: a long run makes thousands
	defer srv.Close()
	if err := srv.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d (replay: OSSAPPEND_FAULT_SEED=%d go test -run 'TestFaultMatrix/%s/%s'): %s",
			seed, seed, codec.Name(), fc.name, fmt.Sprintf(format, args...))
	}
	key := fmt.Sprintf("faults/%s-%d.json%s", fc.name, seed, codec.Extension())
	w, err := ossappend.NewWriter(t.Context(), srv.Client(), bucket, key, fastRetry,
		ossappend.WithCodec(codec), ossappend.WithFlushSize(64<<10), ossappend.WithFlushInterval(5*time.Millisecond))
	if err != nil {
		fail("NewWriter: %v", err)
	}
	// Faults start once the writer is open: the matrix is about writing.
	// (NewWriter's HeadObject is the SDK's to retry, three times.)
	srv.SetFaults(seed, fc.faults...)
	srv.ResetCounts()
	logSlogLines(w, gs, n)
	if err := w.Close(); err != nil {
		fail("Close: %v", err)
	}
	counts := srv.Counts()
	obj, _ := srv.Object(bucket, key)
	checkSlogLines(t, decode(t, codec, obj), gs, n)

	st := w.Stats()
	var failed int64
	for _, k := range fc.failures {
		failed += counts.Faults[k]
	}
	// Requests that failed after the append landed: reconciliation finds
	// each stored.
	applied := counts.Faults[osstest.FaultDropResponse] + counts.Faults[osstest.FaultApplyThenError500] + counts.Faults[osstest.FaultApplyThenError503]
	switch {
	case st.Pending != 0 || st.BytesStored != st.BytesWritten:
		fail("stats %+v: bytes left pending", st)
	case len(fc.failures) == 0 && (st.Retries != 0 || st.Reconciled != 0):
		fail("stats %+v: retries without failures", st)
	case failed == 0 && len(fc.failures) > 0:
		fail("no fault fired in %d appends: the matrix tests nothing", st.Appends)
	case st.Appends != counts.Requests["AppendObject"]:
		fail("writer counted %d appends, server %d", st.Appends, counts.Requests["AppendObject"])
	case fc.exact && (st.Retries != failed || st.Reconciled != failed):
		fail("%d failures injected, stats %+v: want as many retries and reconciliations", failed, st)
	case fc.exact && st.Recovered != applied:
		fail("%d requests failed after applying, %d appends recovered", applied, st.Recovered)
	case !fc.exact && st.Retries < failed-applied:
		fail("%d failures injected but only %d retries", failed, st.Retries)
	case st.Conflicts != 0 || st.Rotations != 0:
		fail("stats %+v: a conflict from the writer's own retries", st)
	}
	t.Logf("seed %d: %d appends, %d retries, %d reconciled, %d recovered; faults %v",
		seed, st.Appends, st.Retries, st.Reconciled, st.Recovered, counts.Faults)
	return counts
}
