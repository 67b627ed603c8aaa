package bench

import (
	"fmt"
	"os"
	"time"
)

// recoveryReps is the least number of runs of scenario 8, whose figures
// are a few milliseconds each: three even in a quick run.
const recoveryReps = 3

// runRecovery is scenario 8: how long a writer takes to open a spool that
// holds cfg.SpoolSize bytes of log text and to send them, beside NewWriter
// on an empty spool and without one; the median of at least recoveryReps
// runs.
func runRecovery(cfg Config, rep *Report) error {
	text := NewWorkload(DefaultSeed).Text(int(cfg.SpoolSize))
	reps := max(cfg.Reps, recoveryReps)
	var fill, open, closing, plain, empty []float64
	var frames int64
	var busy busyLog
	for range reps {
		var r RecoveryResult
		err := busy.retry(cfg, "spool recovery", func() (float64, error) {
			var err error
			r, err = Recovery(text)
			return r.Others, err
		})
		if err != nil {
			return err
		}
		cfg.logf("  %s: NewWriter %v, Close %v", mib(float64(r.Bytes)), r.Open.Round(time.Microsecond), r.Close.Round(time.Microsecond))
		fill, open, closing = append(fill, r.Fill.Seconds()), append(open, r.Open.Seconds()), append(closing, r.Close.Seconds())
		frames = r.Frames
		for _, spool := range []bool{false, true} {
			d, err := EmptyOpen(spool)
			if err != nil {
				return err
			}
			if spool {
				empty = append(empty, d.Seconds())
			} else {
				plain = append(plain, d.Seconds())
			}
		}
	}
	size := float64(cfg.SpoolSize)
	held := mib(size)
	t := &Table{
		Title:  fmt.Sprintf("8. Spool recovery: a writer opened on a spool holding %s", held),
		Header: []string{"step", "spool holds", "ms", "MB/s", "frames"},
		Notes: []string{
			fmt.Sprintf("Median of %d runs, each on a fresh directory of the temporary directory (%s). A writer with WithSpool and default options copies the log text (io.Copy) while its client answers every append 503 ServiceUnavailable, then is abandoned: Shutdown with a context already canceled, which leaves every frame in the spool (checked: nothing stored, every byte pending). Then NewWriter with the same spool on an instant client that works, and its Close, are timed apart: NewWriter scans the frames and checks their checksums, and looks up with HeadObject the append the first writer recorded last; Close reads each frame back, appends it and removes it once stored. The instant client compares each append with the source as it consumes it, and the object must hold the text, every byte once and in order. The frames were just written, so the kernel's page cache holds them: this is a process restarted at once, not a machine after a reboot.", reps, os.TempDir()),
			busy.note(),
		},
	}
	ms := func(xs []float64) string { return num(1e3 * median(xs)) }
	mbps := func(xs []float64) string { return num(size / 1e6 / median(xs)) }
	total := make([]float64, len(open))
	for i := range open {
		total[i] = open[i] + closing[i]
	}
	t.Add("NewWriter without a spool", "–", ms(plain), "–", "–")
	t.Add("NewWriter, empty spool", "0", ms(empty), "–", "0")
	t.Add("io.Copy into the spool while every append is refused", held, ms(fill), mbps(fill), "–")
	t.Add("NewWriter on the spool: scan, check, HeadObject", held, ms(open), mbps(open), fmt.Sprint(frames))
	t.Add("Close: read back, append, remove", held, ms(closing), mbps(closing), fmt.Sprint(frames))
	t.Add("recovery in all: NewWriter + Close", held, ms(total), mbps(total), fmt.Sprint(frames))
	rep.Tables = append(rep.Tables, t)
	return nil
}
