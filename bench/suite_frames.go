package bench

import (
	"fmt"
	"strings"
)

// runFrames is scenario 5: the ratio and one-core speed of each codec at
// each frame size, the median of Reps runs.
func runFrames(cfg Config, rep *Report, text []byte) error {
	codecs := FrameCodecs()
	header := []string{"frame size"}
	for _, c := range codecs {
		header = append(header, c.Name+" ratio", c.Name+" MB/s")
	}
	t := &Table{
		Title:  fmt.Sprintf("5. Frame size vs compression: %s of log text, each frame compressed alone", mib(float64(len(text)))),
		Header: header,
	}
	ratios := map[string]map[int]float64{}
	var busy busyLog
	for _, size := range FrameSizes {
		row := []string{sizeName(size)}
		for _, c := range codecs {
			var speeds []float64
			var r BulkResult
			for range cfg.Reps {
				err := busy.retry(cfg, c.Name, func() (float64, error) {
					var err error
					r, err = FrameRun(c, size, text)
					return r.Others, err
				})
				if err != nil {
					return err
				}
				speeds = append(speeds, r.MBps())
			}
			if ratios[c.Name] == nil {
				ratios[c.Name] = map[int]float64{}
			}
			ratios[c.Name][size] = r.Ratio()
			row = append(row, num(r.Ratio()), num(median(speeds)))
		}
		cfg.logf("  frames of %s done", sizeName(size))
		t.Add(row...)
	}
	t.Notes = []string{
		fmt.Sprintf("One goroutine encodes frame after frame with the codec ossappend uses (package compress), as each of ossappend's compressors does; MB/s is input per second on one core, median of %d runs; ratio is input ÷ output. Every frame is decoded and compared.", cfg.Reps),
		frameAdvice(ratios),
		busy.note(),
	}
	rep.Tables = append(rep.Tables, t)
	return nil
}

// frameAdvice says, for each codec, the smallest frame size whose ratio is
// within 3 % of the largest frame's.
func frameAdvice(ratios map[string]map[int]float64) string {
	largest := FrameSizes[len(FrameSizes)-1]
	var parts []string
	for _, c := range FrameCodecs() {
		best := ratios[c.Name][largest]
		for _, size := range FrameSizes {
			if ratios[c.Name][size] >= 0.97*best {
				parts = append(parts, fmt.Sprintf("%s from %s", c.Name, sizeName(size)))
				break
			}
		}
	}
	return "Within 3 % of the ratio at " + sizeName(largest) + ": " + strings.Join(parts, ", ") + "."
}

// sizeName writes a power-of-two size in KiB or MiB.
func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
