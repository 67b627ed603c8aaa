package bench

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/ossappend/ossappend/compress"
)

// Scenario 6's setting: a few lines per writer, a tenth of the writers
// busy, a 32 MiB budget, appends of 20 ms.
const (
	manyLines   = 4
	manyBudget  = 32 << 20
	manyLatency = 20 * time.Millisecond
)

// Scenario 6's targets: heap above the baseline, and goroutines per writer
// plus the compressors and a few more.
const (
	manyHeapTarget   = 64 << 20
	manyBudgetSlack  = 16 << 20
	manyGoroutineAdd = 16
)

// runMany is scenario 7: many writers on one client, first each with a few
// lines and flushed, then a tenth of them streaming within a shared
// budget; the worst of Reps runs of each.
func runMany(cfg Config, rep *Report) error {
	n := cfg.ManyWriters
	block := NewWorkload(DefaultSeed).Text(int(cfg.ManyBusyBytes) + 1<<20)
	zstd := compress.Zstd(compress.DefaultZstdLevel)
	runs := []ManyConfig{
		{Writers: n, Lines: manyLines, Codec: compress.None(), Latency: manyLatency},
		{Writers: n, Lines: manyLines, Codec: zstd, Latency: manyLatency},
		{Writers: n, Lines: manyLines, Codec: zstd, Latency: manyLatency, Budget: manyBudget, Busy: n / 10, BusyBytes: cfg.ManyBusyBytes},
	}
	t := &Table{
		Title:  fmt.Sprintf("7. Many writers: %s writers on one client, %d lines each, flushed; then a tenth of them streaming", thousands(int64(n)), manyLines),
		Header: []string{"writers", "codec", "budget", "peak heap", "budget's memory", "peak heap + budget's", "peak live heap", "heap once flushed", "heap per writer", "goroutines once flushed", "per writer", "appends/frame", "budget waits", "heap allocated streaming", "streaming MB/s", "lines stored once"},
	}
	var res []ManyResult
	for _, mc := range runs {
		var worst ManyResult
		for range cfg.Reps {
			r, err := ManyWriters(block, mc)
			if err != nil {
				return fmt.Errorf("%d writers, %s, budget %d: %w", mc.Writers, mc.Codec.Name(), mc.Budget, err)
			}
			cfg.logf("  %d writers %s, budget %s, %d busy: peak %s, %d goroutines", mc.Writers, mc.Codec.Name(), budgetName(mc.Budget), mc.Busy, mib(float64(r.PeakHeap)), r.Goroutines)
			g := max(worst.Goroutines, r.Goroutines) // the most of any run
			if int64(r.PeakHeap)+r.Budget >= int64(worst.PeakHeap)+worst.Budget {
				worst = r // the run of the highest peak
			}
			worst.Goroutines = g
		}
		res = append(res, worst)
		writers := thousands(int64(mc.Writers))
		if mc.Busy > 0 {
			writers += fmt.Sprintf(" (%s streaming %s each)", thousands(int64(mc.Busy)), mib(float64(mc.BusyBytes)))
		}
		stream, allocated, budgetMem := "–", "–", "–"
		if mc.Busy > 0 {
			stream, allocated = num(worst.StreamMBps()), mib(float64(worst.StreamAlloc))
		}
		if mc.Budget > 0 {
			budgetMem = mib(float64(worst.Budget))
		}
		t.Add(writers, mc.Codec.Name(), budgetName(mc.Budget), mib(float64(worst.PeakHeap)), budgetMem, mib(float64(int64(worst.PeakHeap)+worst.Budget)), mib(float64(worst.PeakLive)), mib(float64(worst.FlushedHeap)),
			kib(float64(worst.FlushedHeap)/float64(mc.Writers)), thousands(int64(worst.Goroutines)), num(float64(worst.Goroutines)/float64(mc.Writers)),
			worst.Counts.PerFrame(), thousands(worst.BudgetWaits), allocated, stream, thousands(worst.Lines))
	}
	// The earlier version, before the shared compressors and the buffers
	// that follow the data, as it was measured then.
	t.Add("100, earlier version", "none", "–", "403 MiB", "", "", "", "", "", "203", "2.03", "", "", "", "", "")
	t.Add("2,000, earlier version", "none / zstd", "–", "8 GiB", "", "", "", "", "", "4,003 / 8,003", "2.00 / 4.00", "", "", "", "", "")
	t.Notes = []string{
		fmt.Sprintf("Default options but the codec, every writer on its own key of one Instant client whose appends take %v (a nearby region), keeping the objects in files, off the heap. The instant client, not osstest: the point is the writers' own memory and goroutines, and osstest in this process would add its objects, its connections' buffers and goroutines, and the SDK's, to both. Every writer writes %d lines and is flushed, by %d goroutines that are not counted; then the busy writers stream their lines, one Write each, all at once; then every writer is closed, and each object is decoded and must hold its writer's lines once, in order, or the scenario fails.", manyLatency, manyLines, manyWorkers),
		fmt.Sprintf("Heap is runtime/metrics %s above its value after two GCs just before the first NewWriter; the peak is read every millisecond over the whole run, \"once flushed\" after a GC when every writer has flushed. The peak heap counts garbage not yet collected, as scenario 4's does; the peak live heap is the most that a GC during the run found live (%s), buffers waiting in the writer's pools included. The process's zstd encoder (GOMAXPROCS block encoders and their windows, one for the whole process) is built before the baseline. Goroutines are runtime.NumGoroutine above its value then, once every writer has flushed; idle writers run no compressor. The budget's memory is Budget.Memory at the end: the part of its region (anonymous memory outside the Go heap, which the budget takes when the first buffer is needed and reuses) that buffers reached, and buffers that fitted nowhere in it, from the heap; peak heap + budget's is the writers' memory, and the budget target's figure. Heap allocated streaming is runtime/metrics /gc/heap/allocs:bytes over the streaming and the closing: what, beside the budget's region, the garbage collector gets to reclaim. The worst of %d runs (by peak heap + budget's). The earlier version's rows are its figures as reported when it was measured, not measured in this run: it held a FlushSize buffer per writer and started its goroutines per writer.", heapMetric, liveMetric, cfg.Reps),
	}
	rep.Tables = append(rep.Tables, t)

	zs, busy := res[1], res[2]
	limit := 2*n + runtime.GOMAXPROCS(0) + manyGoroutineAdd
	rep.Targets = append(rep.Targets,
		Target{Scenario: "7", Goal: fmt.Sprintf("%s writers, zstd, flushed: peak heap above baseline, MiB", thousands(int64(n))), Value: float64(zs.PeakHeap) / (1 << 20), Limit: manyHeapTarget >> 20, AtMost: true, Unit: " MiB"},
		Target{Scenario: "7", Goal: fmt.Sprintf("%s writers, flushed, most of any run: goroutines above baseline (2 per writer + GOMAXPROCS + %d)", thousands(int64(n)), manyGoroutineAdd), Value: float64(slices.Max([]int{res[0].Goroutines, zs.Goroutines, busy.Goroutines})), Limit: float64(limit), AtMost: true},
		Target{Scenario: "7", Goal: fmt.Sprintf("budget %s, %s writers streaming: peak heap above baseline + the budget's memory (budget + %s), MiB", budgetName(manyBudget), thousands(int64(busy.Config.Busy)), mib(manyBudgetSlack)), Value: float64(int64(busy.PeakHeap)+busy.Budget) / (1 << 20), Limit: (manyBudget + manyBudgetSlack) >> 20, AtMost: true, Unit: " MiB"},
	)
	return nil
}

// budgetName is a budget's size, or "–" for none.
func budgetName(b int64) string {
	if b == 0 {
		return "–"
	}
	return mib(float64(b))
}
