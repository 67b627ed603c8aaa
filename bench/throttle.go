package bench

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/osstest"
)

// ThrottleBucket is the bucket of scenario 9, on a server of its own.
const ThrottleBucket = "throttled"

// ThrottleConfig is one run of scenario 9: many writers, each on its own
// key under one prefix, logging a line at a steady pace into a server that
// throttles the bucket, as OSS does above its request rate.
type ThrottleConfig struct {
	Writers   int           // writers opened
	Limit     int           // requests a second the server serves the bucket; more are answered 503 SlowDown
	Budget    float64       // requests a second of the RequestBudget the writers share; 0 for none
	Duration  time.Duration // how long the writers log
	LineEvery time.Duration // each writer logs a line this often
	Flush     time.Duration // the writers' FlushInterval; 0 for the default
}

// ThrottleResult is what a run of scenario 9 found. Requests are the
// server's counts from when every writer was open to when the last one
// closed: the logging, then the Close of every writer.
type ThrottleResult struct {
	Config     ThrottleConfig
	Open       time.Duration // opening every writer
	Run        time.Duration // from when every writer was open to when the last closed
	Requests   int64         // requests the server got in Run, throttled ones included
	Throttled  int64         // of those, answered 503 SlowDown
	Seconds    []int64       // requests the server got in each whole second of Run
	FailedOpen int           // writers whose NewWriter failed
	Failed     int           // writers opened whose Write or Close failed
	Lines      int64         // lines logged, all writers, each checked stored once
	Ages       []float64     // seconds: the age of the oldest byte not yet stored, of all writers, sampled
	Interval   time.Duration // the longest flush interval a writer had, sampled
	MinRate    float64       // the budget's lowest rate, sampled
	Others     float64       // cores other work took during the run
}

// Sent is the requests a second the writers sent over the run.
func (r ThrottleResult) Sent() float64 { return float64(r.Requests) / r.Run.Seconds() }

// Served is the requests a second the server served over the run.
func (r ThrottleResult) Served() float64 {
	return float64(r.Requests-r.Throttled) / r.Run.Seconds()
}

// throttleSample is how often the writers' Stats and the server's counts
// are read during a run.
const throttleSample = 250 * time.Millisecond

// throttleWorkers is how many goroutines open, feed and close the writers.
const throttleWorkers = 16

// Throttle runs cfg with the lines of block, which must hold enough whole
// lines for one writer's run: it opens the writers (64 at a time), has
// each log a line every LineEvery for Duration, closes them, and checks
// that each object holds its writer's lines once, in order. A writer that
// fails to open, or fails after, is counted, not checked.
func Throttle(block []byte, cfg ThrottleConfig) (ThrottleResult, error) {
	r := ThrottleResult{Config: cfg}
	lines := bytes.SplitAfter(block[:lastLine(block)], []byte("\n"))
	lines = lines[:len(lines)-1]
	rounds := int(cfg.Duration / cfg.LineEvery)
	if rounds > len(lines) {
		return r, fmt.Errorf("the block holds %d lines: too few for %d rounds", len(lines), rounds)
	}
	srv, err := osstest.Start(osstest.WithThrottle(osstest.Throttle{PerBucket: cfg.Limit}))
	if err != nil {
		return r, err
	}
	defer srv.Close()
	if err := srv.CreateBucket(ThrottleBucket); err != nil {
		return r, err
	}
	client := srv.Client()
	var opts []ossappend.Option
	if cfg.Flush > 0 {
		opts = append(opts, ossappend.WithFlushInterval(cfg.Flush))
	}
	var budget *ossappend.RequestBudget
	if cfg.Budget > 0 {
		budget = ossappend.NewRequestBudget(cfg.Budget)
		opts = append(opts, ossappend.WithRequestBudget(budget))
	}
	key := func(i int) string { return fmt.Sprintf("fleet/%05d.log", i) }
	ws := make([]*ossappend.Writer, cfg.Writers)
	written := make([]int, cfg.Writers)
	failed := make([]atomic.Bool, cfg.Writers) // a Write or Close failed

	start := time.Now()
	release, _ := each(64, cfg.Writers, func(i int) error {
		w, err := ossappend.NewWriter(context.Background(), client, ThrottleBucket, key(i), opts...)
		ws[i] = w
		return err
	})
	release()
	r.Open = time.Since(start)

	cpu := readCPU()
	srv.ResetCounts()
	begin := time.Now()
	s := startThrottleSampler(srv, ws, budget)
	var wg sync.WaitGroup
	for g := range throttleWorkers {
		wg.Go(func() {
			for round := range rounds {
				if d := time.Until(begin.Add(time.Duration(round) * cfg.LineEvery)); d > 0 {
					time.Sleep(d)
				}
				for i := g; i < len(ws); i += throttleWorkers {
					if ws[i] == nil || failed[i].Load() {
						continue
					}
					if _, err := ws[i].Write(lines[round]); err != nil {
						failed[i].Store(true)
						continue
					}
					written[i] = round + 1
				}
			}
			for i := g; i < len(ws); i += throttleWorkers {
				if ws[i] != nil {
					if err := ws[i].Close(); err != nil {
						failed[i].Store(true)
					}
				}
			}
		})
	}
	wg.Wait()
	r.Run = time.Since(begin)
	s.stop()
	r.Others = cpu.othersCores()
	c := srv.Counts()
	for _, n := range c.Requests {
		r.Requests += n
	}
	for _, n := range c.Throttled {
		r.Throttled += n
	}
	r.Seconds, r.Ages, r.Interval, r.MinRate = s.seconds, s.ages, s.interval, s.minRate

	for i := range ws {
		switch {
		case ws[i] == nil:
			r.FailedOpen++
			continue
		case failed[i].Load():
			r.Failed++
			continue
		}
		var size int64
		for _, l := range lines[:written[i]] {
			size += int64(len(l))
		}
		obj, _ := srv.Object(ThrottleBucket, key(i))
		text, err := decode(obj)
		if err == nil {
			err = checkLines(text, int64(written[i]), size)
		}
		if err != nil {
			return r, fmt.Errorf("writer %d of %d: %w", i, len(ws), err)
		}
		r.Lines += int64(written[i])
	}
	return r, nil
}

// A throttleSampler reads, every throttleSample, the server's request
// count and every writer's Stats: the age of the oldest byte not yet
// stored, of all writers, and the longest flush interval.
type throttleSampler struct {
	done, stopped chan struct{}
	seconds       []int64
	ages          []float64
	interval      time.Duration
	minRate       float64
}

func startThrottleSampler(srv *osstest.Server, ws []*ossappend.Writer, budget *ossappend.RequestBudget) *throttleSampler {
	s := &throttleSampler{done: make(chan struct{}), stopped: make(chan struct{})}
	if budget != nil {
		s.minRate = budget.Rate()
	}
	go func() {
		defer close(s.stopped)
		tick := time.NewTicker(throttleSample)
		defer tick.Stop()
		var last int64
		for n := 1; ; n++ {
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
			now := time.Now()
			var oldest float64
			for _, w := range ws {
				if w == nil {
					continue
				}
				st := w.Stats()
				if !st.OldestPending.IsZero() {
					oldest = max(oldest, now.Sub(st.OldestPending).Seconds())
				}
				s.interval = max(s.interval, st.FlushInterval)
			}
			s.ages = append(s.ages, oldest)
			if budget != nil {
				s.minRate = min(s.minRate, budget.Rate())
			}
			if n%int(time.Second/throttleSample) == 0 {
				var total int64
				for _, c := range srv.Counts().Requests {
					total += c
				}
				s.seconds = append(s.seconds, total-last)
				last = total
			}
		}
	}()
	return s
}

// stop ends the sampling and waits for the sampler.
func (s *throttleSampler) stop() {
	close(s.done)
	<-s.stopped
}

// percentile is the p-th percentile (0 to 1) of xs, the nearest rank; 0
// for none.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}
