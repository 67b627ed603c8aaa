package bench

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/ossappend/ossappend/osstest"
)

// Config sets how long and how often ossbench measures.
type Config struct {
	Quick            bool
	Reps             int             // runs of each measurement; the median is reported
	BenchTime        time.Duration   // per hot-path benchmark run
	NetDuration      time.Duration   // logging time per peer and latency
	Latencies        []time.Duration // injected per request in scenario 2
	BulkSize         int             // bytes copied in scenario 3
	BulkLatencies    []time.Duration // latencies of scenario 3 over loopback
	MemVolumes       []int64         // volumes streamed in scenario 4
	FrameText        int             // bytes compressed per cell of scenario 5
	LocalSize        int64           // bytes piped and read back in scenario 6
	ManyWriters      int             // writers of scenario 7
	ManyBusyBytes    int64           // bytes each busy writer of scenario 7 streams
	SpoolSize        int64           // bytes the spool of scenario 8 holds
	ThrottleWriters  int             // writers of scenario 9
	ThrottleLimit    int             // requests a second the server of scenario 9 serves
	ThrottleDuration time.Duration   // how long the writers of scenario 9 log
	Progress         io.Writer       // where progress goes; never nil
	Only             []int           // scenarios to run (1 to 9); all if empty
}

// runs says whether scenario n is to run.
func (c Config) runs(n int) bool { return len(c.Only) == 0 || slices.Contains(c.Only, n) }

// QuickConfig finishes in about two minutes on a 2-core machine.
func QuickConfig(progress io.Writer) Config {
	return Config{
		Quick:            true,
		Reps:             1,
		BenchTime:        300 * time.Millisecond,
		NetDuration:      1500 * time.Millisecond,
		Latencies:        []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond},
		BulkSize:         256 << 20,
		BulkLatencies:    []time.Duration{20 * time.Millisecond, 50 * time.Millisecond},
		MemVolumes:       []int64{256 << 20, 2 << 30},
		FrameText:        32 << 20,
		LocalSize:        256 << 20,
		ManyWriters:      2000,
		ManyBusyBytes:    2 << 20,
		SpoolSize:        64 << 20,
		ThrottleWriters:  2000,
		ThrottleLimit:    1000,
		ThrottleDuration: 10 * time.Second,
		Progress:         progress,
	}
}

// FullConfig is the run whose tables the README shows.
func FullConfig(progress io.Writer) Config {
	c := QuickConfig(progress)
	c.Quick = false
	c.Reps = 3
	c.BenchTime = time.Second
	c.NetDuration = 5 * time.Second
	c.MemVolumes = []int64{256 << 20, 1 << 30, 2 << 30, 4 << 30}
	c.FrameText = 128 << 20
	c.LocalSize = 1 << 30
	c.ManyBusyBytes = 8 << 20
	c.ThrottleDuration = 30 * time.Second
	return c
}

// Report is what a run of the suite found.
type Report struct {
	Machine Machine
	Config  Config
	Tables  []*Table
	Targets []Target
	Net     []NetResult // scenario 2's median runs, for the chart
	Took    time.Duration
	Before  *Earlier // an earlier run to compare with, if any
}

// Run runs every scenario once, in one process, and reports. Each scenario
// draws its own Workload and drops it, so that no scenario's garbage
// collections mark another's data.
func Run(cfg Config) (*Report, error) {
	start := time.Now()
	rep := &Report{Machine: ThisMachine(), Config: cfg}
	srv, err := osstest.Start()
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	if err := srv.CreateBucket(NetBucket); err != nil {
		return nil, err
	}
	steps := []struct {
		name string
		on   bool
		run  func() error
	}{
		{"1 hot path", cfg.runs(1), func() error { return runHotPath(cfg, rep) }},
		{"2 network", cfg.runs(2), func() error { return runNetwork(cfg, rep, srv) }},
		{"4 memory", cfg.runs(4), func() error { return runMemory(cfg, rep) }}, // before 3's big buffers
		{"7 many writers", cfg.runs(7), func() error { return runMany(cfg, rep) }},
		{"3 bulk copy and 5 frame sizes", cfg.runs(3) || cfg.runs(5), func() error { return runBulkAndFrames(cfg, rep, srv) }},
		{"6 embedded server", cfg.runs(6), func() error { return runLocal(cfg, rep) }},
		{"8 spool recovery", cfg.runs(8), func() error { return runRecovery(cfg, rep) }},
		{"9 request budget", cfg.runs(9), func() error { return runThrottle(cfg, rep) }},
	}
	for _, s := range steps {
		if !s.on {
			continue
		}
		t := time.Now()
		cfg.logf("scenario %s ...", s.name)
		if err := s.run(); err != nil {
			return rep, fmt.Errorf("scenario %s: %w", s.name, err)
		}
		runtime.GC()
		debug.FreeOSMemory()
		cfg.logf("scenario %s took %v", s.name, time.Since(t).Round(100*time.Millisecond))
	}
	rep.Took = time.Since(start)
	return rep, nil
}

func (c Config) logf(format string, args ...any) {
	fmt.Fprintf(c.Progress, "ossbench: "+format+"\n", args...)
}

// Markdown writes the report: the machine, every table, the targets.
func (r *Report) Markdown(w io.Writer) {
	mode := "full run"
	if r.Config.Quick {
		mode = "quick run (-quick)"
	}
	fmt.Fprintf(w, "## ossbench results, %s\n\n%s- took: %v\n\n", mode, r.Machine, r.Took.Round(time.Second))
	tables := slices.Clone(r.Tables) // by scenario: they ran out of order
	slices.SortStableFunc(tables, func(a, b *Table) int { return strings.Compare(a.Title, b.Title) })
	for _, t := range tables {
		t.Markdown(w)
	}
	targets := slices.Clone(r.Targets)
	slices.SortStableFunc(targets, func(a, b Target) int { return strings.Compare(a.Scenario, b.Scenario) })
	TargetTable(targets).Markdown(w)
	if r.Before != nil {
		r.Before.markdown(w, append(tables, TargetTable(targets)))
	}
}
