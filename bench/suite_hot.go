package bench

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// ours is the name of ossappend's row in scenario 1, the one ratios use.
const oursHot = "ossappend → instant"

// runHotPath is scenario 1 through testing.Benchmark: every peer with one
// and with eight goroutines, Reps times interleaved; the median ns/op.
func runHotPath(cfg Config, rep *Report) error {
	defer setBenchTime(cfg.BenchTime)()
	type key struct {
		g    int
		peer string
	}
	ns := map[key][]float64{}
	allocs := map[key]int64{}
	counts := map[key]Counts{}
	peers := HotPeers()
	var busy busyLog
	for range cfg.Reps {
		for _, g := range []int{1, 8} {
			for _, p := range peers {
				var r testing.BenchmarkResult
				var c Counts
				err := busy.retry(cfg, p.Name, func() (float64, error) {
					m := readCPU()
					r = testing.Benchmark(hotPath(p, g, &c))
					if r.N == 0 {
						return 0, fmt.Errorf("%s, %d goroutines: the benchmark failed (its check of the bytes stored, or a write)", p.Name, g)
					}
					return m.othersCores(), nil
				})
				if err != nil {
					return err
				}
				k := key{g, p.Name}
				ns[k] = append(ns[k], float64(r.T.Nanoseconds())/float64(r.N))
				allocs[k] = max(allocs[k], r.AllocsPerOp())
				counts[k] = c
			}
		}
	}
	t := &Table{
		Title:  "1. Write hot path: 128-byte writes, appends cost nothing",
		Header: []string{"goroutines", "peer", "ns/op", "allocs/op", "ours ÷ peer (ns/op)", "appends/frame"},
		Notes: []string{
			fmt.Sprintf("Median of %d runs of testing.Benchmark (benchtime %v); each run's time includes the final Flush/Close, and each run checks the destination got every byte. bufio.Writer (4 KiB) has no lock with one goroutine and a sync.Mutex with eight. The discarding destinations count bytes. \"instant\" is an ossappend.Client that consumes each append at once; \"OSS CRC\" makes it compute and answer the CRC-64 as OSS does (the writer then computes none; without it the writer computes none either, it just stops tracking the CRC). appends/frame is ossappend's Stats().Appends ÷ Stats().Frames in the last run: below 1 when frames that queued up behind an append went out together in one AppendObject.", cfg.Reps, cfg.BenchTime),
		},
	}
	t.Notes = append(t.Notes, busy.note(), spreadNote(cfg, ns[key{1, oursHot}], ns[key{1, hotLayout}], ns[key{8, oursHot}], ns[key{8, hotLayout}]))
	for _, g := range []int{1, 8} {
		ours := median(ns[key{g, oursHot}])
		for _, p := range peers {
			k := key{g, p.Name}
			m := median(ns[k])
			r := ratio(ours, m)
			if p.Name == oursHot {
				r = "–"
			}
			t.Add(fmt.Sprint(g), p.Name, num(m), fmt.Sprint(allocs[k]), r, counts[k].PerFrame())
		}
		zap := median(ns[key{g, "zap BufferedWriteSyncer → discard"}])
		rep.Targets = append(rep.Targets,
			Target{Scenario: "1", Goal: fmt.Sprintf("ours ÷ zap's ns/op, %d goroutine(s)", g), Value: ours / zap, Limit: 1, AtMost: true, Unit: "×"},
			Target{Scenario: "1", Goal: fmt.Sprintf("ours allocs/op, %d goroutine(s)", g), Value: float64(allocs[key{g, oursHot}]), Limit: 0, AtMost: true},
			Target{Scenario: "1", Goal: fmt.Sprintf("spool ÷ ours, ns/op, %d goroutine(s)", g), Value: median(ns[key{g, hotSpool}]) / ours, Limit: hotSpoolTarget, AtMost: true, Unit: "×"},
			Target{Scenario: "1", Goal: fmt.Sprintf("spool allocs/op, %d goroutine(s)", g), Value: float64(allocs[key{g, hotSpool}]), Limit: 0, AtMost: true},
			Target{Scenario: "1", Goal: fmt.Sprintf("key layout ÷ ours, ns/op, %d goroutine(s)", g), Value: median(ns[key{g, hotLayout}]) / ours, Limit: hotLayoutTarget, AtMost: true, Unit: "×"},
		)
		if g == 1 {
			bufio := median(ns[key{g, "bufio.Writer → discard (floor)"}])
			rep.Targets = append(rep.Targets, Target{Scenario: "1", Goal: "ours ÷ bufio's ns/op, 1 goroutine", Value: ours / bufio, Limit: 4, AtMost: true, Unit: "×"})
		}
	}
	rep.Tables = append(rep.Tables, t)
	return nil
}

// Targets of the spool's and the key layout's rows, as multiples of ours.
const (
	hotSpoolTarget  = 2.0
	hotLayoutTarget = 1.10
)

// spreadNote says how far the key layout row is from ours in each run, and
// how far ours moves from run to run, so that a reader can tell a cost of
// the layout from noise; ours1, lay1 are the runs' ns/op with one
// goroutine, ours8, lay8 with eight, in the order they ran (interleaved).
func spreadNote(cfg Config, ours1, lay1, ours8, lay8 []float64) string {
	s := "The key layout row writes the same path as ours (the period ends on a timer, not in Write), so the figure that tells its cost is its distance from ours against the noise: key layout ÷ ours "
	for i, g := range []int{1, 8} {
		ours, lay := [][]float64{ours1, ours8}[i], [][]float64{lay1, lay8}[i]
		rs := make([]string, len(ours))
		for j := range ours {
			rs[j] = fmt.Sprintf("%.3f", lay[j]/ours[j])
		}
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("with %d goroutine(s), run by run: %s", g, strings.Join(rs, ", "))
		if len(ours) > 1 {
			lo, hi := slices.Min(ours), slices.Max(ours)
			s += fmt.Sprintf(" (ours itself spans %s–%s ns/op, %.0f %% of its median)", num(lo), num(hi), 100*(hi-lo)/median(ours))
		}
	}
	if cfg.Reps == 1 {
		s += ". One run each, so no spread of ours: two runs of the same version show it (see bench/README.md)"
	}
	return s + "."
}

// setBenchTime sets testing.Benchmark's run time, which only the testing
// flags carry (it registers them first if no test binary has), and returns
// the function that restores the old one.
func setBenchTime(d time.Duration) (restore func()) {
	if flagLookup("test.benchtime") == nil {
		testing.Init()
	}
	f := flagLookup("test.benchtime")
	if f == nil {
		return func() {}
	}
	old := f.Value.String()
	_ = f.Value.Set(d.String())
	return func() { _ = f.Value.Set(old) }
}

// flagLookup finds a flag of the process's command line.
func flagLookup(name string) *flag.Flag { return flag.CommandLine.Lookup(name) }
