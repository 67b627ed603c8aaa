package bench

import (
	"cmp"
	"fmt"
	"os"
	"slices"
)

// LocalRSSGoal is the most memory, in bytes, each of pipe and cat may
// hold at once with their defaults, whatever the object's size.
const LocalRSSGoal = 64 << 20

// runLocal is scenario 6: the peak resident set size of the ossappend
// command piping a volume of log text into its embedded server (--local)
// and of cat reading it back, with default options; the worst of Reps runs.
func runLocal(cfg Config, rep *Report) error {
	size := cfg.LocalSize
	dir, err := os.MkdirTemp("", "ossbench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cmds, err := BuildCommands(dir)
	if err != nil {
		return err
	}
	block := NewWorkload(DefaultSeed).Text(8 << 20)
	block = block[:lastLine(block)] // whole lines only
	worst := map[string]LocalResult{}
	for range cfg.Reps {
		rs, err := Local(cmds, block, size)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if w, ok := worst[r.Command]; !ok || r.PeakRSS > w.PeakRSS {
				worst[r.Command] = r
			}
		}
	}
	t := &Table{
		Title:  "6. Embedded server: peak memory of the command with --local, default options",
		Header: []string{"command", "volume", "peak RSS", "MB/s"},
		Notes: []string{fmt.Sprintf("`ossappend --local DIR pipe oss://%s/%s` reads the volume of log text (an 8 MiB block of whole lines, repeated) on standard input; "+
			"`ossappend --local DIR cat` of the object prints it back, and every byte is compared. Peak RSS is the process's getrusage ru_maxrss, read by a small parent (bench/internal/rsswrap): on Linux a child started by a big process inherits its peak. The worst of %d runs. "+
			"Each process starts the embedded server, which checks every stored byte against its CRC-64.", LocalBucket, LocalKey, cfg.Reps)},
	}
	for _, name := range []string{"pipe", "cat"} {
		r := worst[name]
		rss := "not known here"
		if r.PeakRSS > 0 {
			rss = mib(float64(r.PeakRSS))
			rep.Targets = append(rep.Targets, Target{Scenario: "6", Goal: name + " --local peak RSS", Value: float64(r.PeakRSS) / (1 << 20),
				Limit: LocalRSSGoal >> 20, AtMost: true, Unit: " MiB"})
		}
		cfg.logf("  %s %s: peak RSS %s", name, mib(float64(size)), rss)
		t.Add(name+" --local", mib(float64(size)), rss, num(float64(size)/1e6/r.Elapsed.Seconds()))
	}
	rep.Tables = append(rep.Tables, t)
	return runThroughput(cfg, rep, cmds, block)
}

// The targets of scenario 6b, against the floors: see runThroughput.
const (
	throughNoneCPUGoal = 1.0 // CPU s/GiB, of zstd -T0's
	throughZstdGoal    = 0.7 // MB/s, of zstd -T0's
	throughSpoolGoal   = 0.5 // MB/s, of ours without a spool
)

// runThroughput is scenario 6b: the command's own throughput, piping a
// file of log text into its embedded server, beside cat and zstd -T0 of
// the same file as floors; the median of Reps runs of each, by time.
func runThroughput(cfg Config, rep *Report, cmds Commands, block []byte) error {
	tmp, err := os.MkdirTemp("", "ossbench-input-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	input, sum, err := writeInput(tmp, block, cfg.LocalSize)
	if err != nil {
		return err
	}
	var all [][]CommandRun
	for range cfg.Reps {
		runs, err := Throughput(cmds, input, sum, cfg.LocalSize)
		if err != nil {
			return err
		}
		all = append(all, runs)
	}
	by := map[string]CommandRun{}
	t := &Table{
		Title:  fmt.Sprintf("6b. The command's throughput: %s of log text from a file", mib(float64(cfg.LocalSize))),
		Header: []string{"command", "MB/s", "CPU s/GiB", "÷ floor (MB/s)"},
	}
	floorOf := map[string]string{throughNone: throughCat, throughZ: throughZstd, throughSpool: throughNone}
	for i, r0 := range all[0] {
		var rs []CommandRun
		for _, runs := range all {
			rs = append(rs, runs[i])
		}
		slices.SortFunc(rs, func(a, b CommandRun) int { return cmp.Compare(a.Elapsed, b.Elapsed) })
		r := rs[(len(rs)-1)/2]
		by[r0.Name] = r
		vs := "–"
		if f, ok := by[floorOf[r.Name]]; ok {
			vs = ratio(r.MBps(), f.MBps())
		}
		cfg.logf("  %s: %.0f MB/s, %.2f CPU s/GiB", r.Name, r.MBps(), r.CPUPerGiB())
		t.Add(r.Name, num(r.MBps()), num(r.CPUPerGiB()), vs)
	}
	t.Notes = []string{fmt.Sprintf("The file (the 8 MiB block of whole lines, repeated) is written once, before the runs, and read from the page cache. The floors: cat of it into the null device, and zstd -T0 -3 (every core, the writer's default level) where zstd is installed. `ossappend --local DIR pipe -q oss://%s/KEY < FILE` into a fresh DIR each time (its embedded server keeps the object in DIR, synced), uncompressed, with --compress zstd, and with --spool (a fresh directory beside DIR); each object is read back with cat and compared with the file, after the clock. CPU s/GiB is the process's user + system time per GiB of input (Go's os.ProcessState). Median of %d runs by time. \"÷ floor\" compares ours uncompressed with cat, zstd with zstd -T0, and the spool with ours without one.", LocalBucket, cfg.Reps),
		"The targets, from the floors: cat shows that reading the input costs next to nothing, so what the command costs is its own. Uncompressed, it must cost no more CPU per GiB than zstd -T0 alone, so that whatever machine can compress its logs can ship them with it; with zstd, it must run at 0.7× zstd -T0's rate on the same cores, the compression being the work and the rest (frames, the HTTP requests, the embedded server's checksum and writes) at most the remaining 30 %; with a spool, at half its rate without one, every byte also going into a file and out of it. Its rate uncompressed is bound by the embedded server, which syncs the object to disk after each append (a few ms each here), not by its CPU."}
	rep.Tables = append(rep.Tables, t)
	if r, ok := by[throughNone]; ok {
		if f, ok := by[throughZstd]; ok {
			rep.Targets = append(rep.Targets, Target{Scenario: "6", Goal: fmt.Sprintf("%s ÷ %s, CPU s/GiB", throughNone, throughZstd), Value: r.CPUPerGiB() / f.CPUPerGiB(), Limit: throughNoneCPUGoal, AtMost: true, Unit: "×"})
		}
	}
	for _, g := range []struct {
		row, floor string
		goal       float64
	}{{throughZ, throughZstd, throughZstdGoal}, {throughSpool, throughNone, throughSpoolGoal}} {
		r, ok1 := by[g.row]
		f, ok2 := by[g.floor]
		if ok1 && ok2 {
			rep.Targets = append(rep.Targets, Target{Scenario: "6", Goal: fmt.Sprintf("%s ÷ %s, MB/s", g.row, g.floor), Value: r.MBps() / f.MBps(), Limit: g.goal, Unit: "×"})
		}
	}
	return nil
}
