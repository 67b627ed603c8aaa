package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/ossappend/ossappend"
)

// heapMetric is the runtime/metrics name of the bytes held by heap
// objects, live or not yet swept.
const heapMetric = "/memory/classes/heap/objects:bytes"

// liveMetric is the runtime/metrics name of the heap that the latest GC
// found live: garbage not counted, but only known once a GC has run.
const liveMetric = "/gc/heap/live:bytes"

// heapSampler records the peaks of heapMetric and liveMetric, read every
// period, above the values they had when the sampler started.
type heapSampler struct {
	base, peak         uint64
	liveBase, livePeak uint64
	stop, done         chan struct{}
}

// readAllocs reads the heap bytes allocated and the garbage collections
// completed since the process started.
func readAllocs() (bytes, gcs uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

func readHeap() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// startHeapSampler collects garbage, takes the baseline and starts
// sampling. It collects twice: objects in a sync.Pool (the writer's buffer
// pools) outlive one collection in the pool's victim cache, and would
// otherwise count in the baseline and be freed during the run.
func startHeapSampler(period time.Duration) *heapSampler {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: heapMetric}, {Name: liveMetric}}
	metrics.Read(s)
	h := &heapSampler{base: s[0].Value.Uint64(), liveBase: s[1].Value.Uint64(), stop: make(chan struct{}), done: make(chan struct{})}
	h.peak, h.livePeak = h.base, h.liveBase
	go func() {
		defer close(h.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			metrics.Read(s)
			h.peak = max(h.peak, s[0].Value.Uint64())
			h.livePeak = max(h.livePeak, s[1].Value.Uint64())
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// Stop ends sampling and returns the peak above the baseline.
func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	<-h.done
	return h.peak - h.base
}

// LivePeak is, once stopped, the peak of the heap found live by a GC
// during sampling, above the baseline's.
func (h *heapSampler) LivePeak() uint64 { return h.livePeak - h.liveBase }

// MemResult is one run of scenario 4.
type MemResult struct {
	Path    string // "Write" or "io.Copy"
	Volume  int64
	Peak    uint64 // peak heap above the baseline
	Bound   uint64 // (MaxInflight + 2) × FlushSize + 16 MiB
	Elapsed time.Duration
	Counts  Counts
}

// MemBound is scenario 4's target for the default options.
const MemBound = (ossappend.DefaultMaxInflight+2)*ossappend.DefaultFlushSize + 16<<20

// Memory streams volume bytes of log lines into an ossappend.Writer with
// default options over an Instant client, by Write of one line at a time
// or by io.Copy, and reports the peak heap. The lines come from a block of
// block bytes, repeated, made before the baseline is taken. The byte count
// the client got is checked.
func Memory(block []byte, volume int64, useCopy bool) (MemResult, error) {
	return memory(block, volume, useCopy, 0)
}

// MemorySpooled is Memory by io.Copy into a writer with a spool in a fresh
// temporary directory (made before the baseline, removed after), whose
// client takes latency to answer each append, so that frames wait in the
// spool and go out many to an append.
func MemorySpooled(block []byte, volume int64, latency time.Duration) (MemResult, error) {
	return memory(block, volume, true, latency)
}

// memSpoolPath is the path of MemorySpooled's rows.
func memSpoolPath(latency time.Duration) string {
	return fmt.Sprintf("io.Copy (ReadFrom), spool, appends of %d ms", latency.Milliseconds())
}

// memory is Memory, with a spool and a client of that latency if latency
// is above 0.
func memory(block []byte, volume int64, useCopy bool, latency time.Duration) (MemResult, error) {
	path := "Write (one line per call)"
	if useCopy {
		path = "io.Copy (ReadFrom)"
	}
	var opts []ossappend.Option
	if latency > 0 {
		path = memSpoolPath(latency)
		dir, err := os.MkdirTemp("", "ossbench-spool-")
		if err != nil {
			return MemResult{}, err
		}
		defer os.RemoveAll(dir)
		opts = append(opts, ossappend.WithSpool(dir))
	}
	r := MemResult{Path: path, Volume: volume, Bound: MemBound}
	lines := bytes.SplitAfter(block, []byte("\n"))
	c := &Instant{Latency: latency}
	h := startHeapSampler(time.Millisecond)
	start := time.Now()
	w, err := ossappend.NewWriter(context.Background(), c, "bench", "mem.log", opts...)
	if err != nil {
		h.Stop()
		return r, err
	}
	var n int64
	if useCopy {
		n, err = io.Copy(w, io.LimitReader(&cycle{block: block}, volume))
	} else {
	outer:
		for n < volume {
			for _, l := range lines {
				if _, err = w.Write(l); err != nil {
					break outer
				}
				if n += int64(len(l)); n >= volume {
					break
				}
			}
		}
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	r.Elapsed = time.Since(start)
	r.Peak = h.Stop()
	r.Counts = countsOf(w)
	if err == nil && c.Size() != n {
		err = fmt.Errorf("instant client got %d bytes of %d", c.Size(), n)
	}
	return r, err
}

// cycle is an io.Reader that repeats block forever.
type cycle struct {
	block []byte
	off   int
	mu    sync.Mutex
}

func (c *cycle) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := copy(p, c.block[c.off:])
	c.off = (c.off + n) % len(c.block)
	return n, nil
}
