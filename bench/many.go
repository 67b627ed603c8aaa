package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

// ManyConfig is one run of scenario 7: many writers, each on its own key,
// sharing one client, as a process that logs for many tenants does.
type ManyConfig struct {
	Writers   int            // writers opened
	Lines     int            // lines each writes before it is flushed
	Busy      int            // of them, how many then stream
	BusyBytes int64          // bytes each busy writer streams, a line per Write
	Budget    int64          // bytes of a Budget the writers share; 0 for none
	Codec     compress.Codec // every writer's codec; other options are the defaults
	Latency   time.Duration  // of each append (see Instant)
}

// ManyResult is what a run of scenario 7 found. Heap figures are
// runtime/metrics' heapMetric above its value after a GC just before the
// first NewWriter; goroutines are runtime.NumGoroutine above its value
// then.
type ManyResult struct {
	Config      ManyConfig
	PeakHeap    uint64        // the peak of the whole run, read every millisecond
	PeakLive    uint64        // the peak of the heap a GC found live, likewise
	FlushedHeap int64         // once every writer has flushed, after a GC
	Goroutines  int           // once every writer has flushed
	Lines       int64         // lines logged, all writers, each checked stored once
	Bytes       int64         // bytes logged
	Counts      Counts        // all writers'
	BudgetWaits int64         // all writers' Stats().BudgetWaits
	Stream      time.Duration // the busy writers' streaming, from first Write to last
	StreamAlloc uint64        // heap bytes allocated while they streamed and closed
	StreamGCs   uint64        // garbage collections meanwhile
	Budget      int64         // the memory of the Budget's buffers at the end (Budget.Memory): outside the heap
}

// StreamMBps is the busy writers' input per second, together.
func (r ManyResult) StreamMBps() float64 {
	if r.Stream <= 0 {
		return 0
	}
	return float64(r.Config.Busy) * float64(r.Config.BusyBytes) / 1e6 / r.Stream.Seconds()
}

// manyWorkers is how many goroutines open, flush and close the writers.
const manyWorkers = 64

// ManyWriters runs cfg with the lines of block, which must hold enough
// whole lines for a busy writer, over an Instant client that keeps the
// objects in files, off the heap. Every writer writes Lines lines and is
// flushed; the goroutines and the heap are read; then the first Busy
// writers stream BusyBytes each, every writer is closed, and each object
// is decoded and must hold its writer's lines once, in order.
func ManyWriters(block []byte, cfg ManyConfig) (ManyResult, error) {
	r := ManyResult{Config: cfg}
	lines := bytes.SplitAfter(block[:lastLine(block)], []byte("\n"))
	lines = lines[:len(lines)-1] // SplitAfter's empty tail
	need := cfg.Lines
	for n := int64(0); n < cfg.BusyBytes; need++ {
		if need >= len(lines) {
			return r, fmt.Errorf("the block holds %d lines: too few for %d lines and %d bytes", len(lines), cfg.Lines, cfg.BusyBytes)
		}
		n += int64(len(lines[need]))
	}
	if err := warmCodec(cfg.Codec, block); err != nil {
		return r, err
	}
	dir, err := os.MkdirTemp("", "ossbench-many-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	c := &Instant{Dir: dir, Latency: cfg.Latency}
	defer c.Close()
	opts := []ossappend.Option{ossappend.WithCodec(cfg.Codec)}
	var budget *ossappend.Budget
	if cfg.Budget > 0 {
		budget = ossappend.NewBudget(cfg.Budget)
		opts = append(opts, ossappend.WithBudget(budget))
	}
	key := func(i int) string { return fmt.Sprintf("many/%05d.log", i) }
	written := make([]int, cfg.Writers) // lines each writer wrote

	h := startHeapSampler(time.Millisecond)
	g0 := runtime.NumGoroutine()
	ws := make([]*ossappend.Writer, cfg.Writers)
	closeAll := func() error {
		release, err := each(manyWorkers, len(ws), func(i int) error {
			if ws[i] == nil {
				return nil
			}
			return ws[i].Close()
		})
		release()
		return err
	}
	for i := range ws {
		if ws[i], err = ossappend.NewWriter(context.Background(), c, NetBucket, key(i), opts...); err != nil {
			h.Stop()
			return r, errors.Join(err, closeAll())
		}
	}
	release, err := each(manyWorkers, len(ws), func(i int) error {
		if err := writeLines(ws[i], lines[:cfg.Lines]); err != nil {
			return err
		}
		written[i] = cfg.Lines
		return ws[i].Flush()
	})
	// The workers are parked until release: count the writers' goroutines
	// without them.
	r.Goroutines = runtime.NumGoroutine() - g0 - manyWorkers
	release()
	if err != nil {
		h.Stop()
		return r, errors.Join(err, closeAll())
	}
	runtime.GC()
	r.FlushedHeap = int64(readHeap()) - int64(h.base)

	a0, g0c := readAllocs()
	start := time.Now()
	release, err = each(cfg.Busy, cfg.Busy, func(i int) error {
		var n int64
		j := cfg.Lines
		for ; n < cfg.BusyBytes; j++ {
			if _, err := ws[i].Write(lines[j]); err != nil {
				return err
			}
			n += int64(len(lines[j]))
		}
		written[i] = j
		return nil
	})
	r.Stream = time.Since(start)
	release()
	err = errors.Join(err, closeAll())
	a1, g1c := readAllocs()

	r.StreamAlloc, r.StreamGCs = a1-a0, g1c-g0c
	if budget != nil {
		r.Budget = budget.Memory()
	}
	r.PeakHeap = h.Stop()
	r.PeakLive = h.LivePeak()
	if err != nil {
		return r, err
	}
	for _, w := range ws {
		s := w.Stats()
		r.Counts = r.Counts.add(Counts{Appends: s.Appends, Frames: s.Frames})
		r.BudgetWaits += s.BudgetWaits
	}
	return r, checkMany(c, key, lines, written, &r)
}

// checkMany checks that each writer's object holds exactly the lines it
// wrote, once and in order, and counts them into r.
func checkMany(c *Instant, key func(int) string, lines [][]byte, written []int, r *ManyResult) error {
	for i, n := range written {
		var size int64
		for _, l := range lines[:n] {
			size += int64(len(l))
		}
		obj, err := c.Object(key(i))
		if err != nil {
			return fmt.Errorf("writer %d: %w", i, err)
		}
		text, err := decode(obj)
		if err == nil {
			err = checkLines(text, int64(n), size)
		}
		if err != nil {
			return fmt.Errorf("writer %d of %d: %w", i, len(written), err)
		}
		r.Lines += int64(n)
		r.Bytes += size
	}
	return nil
}

// warmCodec encodes a frame of block on GOMAXPROCS goroutines at once,
// twice, so that the process's encoder of the codec has built all its
// block encoders and grown their windows to a frame's size (see
// compress.Zstd) before a baseline is taken: they are the process's,
// whatever the number of writers.
func warmCodec(c compress.Codec, block []byte) error {
	src := block[:min(len(block), ossappend.DefaultFlushSize)]
	for range 2 {
		errs := make(chan error, runtime.GOMAXPROCS(0))
		for range cap(errs) {
			go func() {
				_, err := c.Encode(nil, src)
				errs <- err
			}()
		}
		for range cap(errs) {
			if err := <-errs; err != nil {
				return err
			}
		}
	}
	return nil
}

// writeLines writes each line with one Write.
func writeLines(w *ossappend.Writer, lines [][]byte) error {
	for _, l := range lines {
		if _, err := w.Write(l); err != nil {
			return err
		}
	}
	return nil
}

// each runs fn(i) for every i below n on workers goroutines and returns
// when all are done, with the first error. The goroutines stay, parked,
// until release is called, so that the caller can count everybody else's.
func each(workers, n int, fn func(i int) error) (release func(), err error) {
	var next atomic.Int64
	var done sync.WaitGroup
	var mu sync.Mutex
	park := make(chan struct{})
	for range workers {
		done.Add(1)
		go func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if e := fn(i); e != nil {
					mu.Lock()
					if err == nil {
						err = e
					}
					mu.Unlock()
				}
			}
			done.Done()
			<-park
		}()
	}
	done.Wait()
	return func() { close(park) }, err
}
