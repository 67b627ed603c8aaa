package bench

import (
	"fmt"
	"os"
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
	return nil
}
