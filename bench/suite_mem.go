package bench

import (
	"fmt"
	"os"
	"slices"
	"time"
)

// runMemory is scenario 4: the peak heap while streaming each volume, by
// Write and by io.Copy, with default options; the worst of Reps runs.
func runMemory(cfg Config, rep *Report) error {
	block := NewWorkload(DefaultSeed).Text(8 << 20)
	block = block[:len(block)-len(block[lastLine(block):])] // whole lines only
	t := &Table{
		Title:  "4. Memory: peak heap while streaming, default options (4 MiB frames, MaxInflight 4, no codec)",
		Header: []string{"path", "volume", "peak heap", "bound", "peak ÷ bound", "MB/s", "appends/frame"},
		Notes:  []string{fmt.Sprintf("Peak of runtime/metrics %s, read every millisecond, above its value after two GCs just before NewWriter (the second empties the buffer pools' victim caches); the worst of %d runs. The bound is (MaxInflight + 2) × FlushSize + 16 MiB = %s. The lines come from an 8 MiB block made before the baseline. The instant client checks the byte count. appends/frame is Stats().Appends ÷ Stats().Frames.", heapMetric, cfg.Reps, mib(MemBound))},
	}
	worst := 0.0
	for _, how := range []string{"Write", "io.Copy", "spool"} {
		for _, v := range cfg.MemVolumes {
			if how == "spool" && v > memSpoolVolume {
				continue
			}
			var rs []MemResult
			for range cfg.Reps {
				var r MemResult
				var err error
				if how == "spool" {
					r, err = MemorySpooled(block, v, memSpoolLatency)
				} else {
					r, err = Memory(block, v, how == "io.Copy")
				}
				if err != nil {
					return err
				}
				rs = append(rs, r)
			}
			r := slices.MaxFunc(rs, func(a, b MemResult) int { return int(a.Peak) - int(b.Peak) })
			cfg.logf("  %s %s: peak %s", r.Path, mib(float64(v)), mib(float64(r.Peak)))
			q := float64(r.Peak) / float64(r.Bound)
			worst = max(worst, q)
			t.Add(r.Path, mib(float64(v)), mib(float64(r.Peak)), mib(float64(r.Bound)), num(q), num(float64(v)/1e6/r.Elapsed.Seconds()), r.Counts.PerFrame())
		}
	}
	t.Notes = append(t.Notes, fmt.Sprintf("The spool rows copy into a writer with a spool in a fresh directory of the temporary directory (%s), over an instant client that takes %d ms to answer each append, so that frames wait in the spool and go out many to an append (up to MaxAppendSize, 64 MiB) from its maps and files: the writer's heap must stay within the same bound. Up to %s, to spare the disk.", os.TempDir(), memSpoolLatency.Milliseconds(), mib(memSpoolVolume)))
	rep.Targets = append(rep.Targets, Target{Scenario: "4", Goal: "peak heap ÷ bound, worst volume and path (spool rows included)", Value: worst, Limit: 1, AtMost: true, Unit: "×"})
	rep.Tables = append(rep.Tables, t)
	return nil
}

// The spool rows of scenario 4: appends of memSpoolLatency, volumes up to
// memSpoolVolume.
const (
	memSpoolLatency = 20 * time.Millisecond
	memSpoolVolume  = 1 << 30
)

// lastLine is the index where text's last, unterminated line starts.
func lastLine(text []byte) int {
	for i := len(text) - 1; i >= 0; i-- {
		if text[i] == '\n' {
			return i + 1
		}
	}
	return 0
}
