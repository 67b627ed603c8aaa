package bench

import (
	"fmt"
	"slices"
	"time"

	"github.com/ossappend/ossappend/osstest"
)

// oursNet is the name of ossappend's row in scenario 2.
const oursNet = "ossappend"

// runNetwork is scenario 2: every peer at every latency for the same
// time, Reps times interleaved; the median run by lines/s is reported.
func runNetwork(cfg Config, rep *Report, srv *osstest.Server) error {
	wl := NewWorkload(DefaultSeed)
	peers := NetPeers()
	runs := map[string][]NetResult{} // by latency and peer
	id := func(lat time.Duration, peer string) string { return fmt.Sprintf("%v/%s", lat, peer) }
	n := 0
	var busy busyLog
	for _, lat := range cfg.Latencies {
		for r := range cfg.Reps {
			for _, p := range peers {
				var res NetResult
				err := busy.retry(cfg, p.Name, func() (float64, error) {
					n++
					var err error
					res, err = Network(srv, wl, p, lat, cfg.NetDuration, fmt.Sprintf("net/%d.log", n))
					return res.Others, err
				})
				if err != nil {
					return err
				}
				cfg.logf("  %v %s rep %d: %.0f lines/s", lat, p.Name, r+1, res.LinesPerSec())
				runs[id(lat, p.Name)] = append(runs[id(lat, p.Name)], res)
			}
		}
	}
	t := &Table{
		Title:  "2. Logging through the network: slog JSON lines into osstest over loopback",
		Header: []string{"latency", "peer", "lines/s", "ours ÷ peer", "appends", "logged", "stored"},
		Notes:  []string{fmt.Sprintf("Each peer logs from one goroutine through slog.NewJSONHandler for %v, then closes (the final flush counts in lines/s); median of %d runs. Latency is injected by osstest before every request. Every object is read back (and decoded) and must hold each line once, in order.", cfg.NetDuration, cfg.Reps)},
	}
	t.Notes = append(t.Notes, busy.note())
	for _, lat := range cfg.Latencies {
		ours := medianRun(runs[id(lat, oursNet)]).LinesPerSec()
		for _, p := range peers {
			m := medianRun(runs[id(lat, p.Name)])
			rep.Net = append(rep.Net, m)
			r := ratio(ours, m.LinesPerSec())
			if p.Name == oursNet {
				r = "–"
			}
			t.Add(fmt.Sprintf("%d ms", lat.Milliseconds()), p.Name, num(m.LinesPerSec()), r,
				thousands(m.Appends), mib(float64(m.Bytes)), mib(float64(m.Stored)))
		}
		if lat == 20*time.Millisecond {
			aof := medianRun(runs[id(lat, "AppendOnlyFile (one append per line)")]).LinesPerSec()
			zap := medianRun(runs[id(lat, "zap BufferedWriteSyncer 256 KiB, 1 s → AppendOnlyFile")]).LinesPerSec()
			rep.Targets = append(rep.Targets,
				Target{Scenario: "2", Goal: "ours ÷ per-line AppendOnlyFile, lines/s at 20 ms", Value: ours / aof, Limit: 1000, Unit: "×"},
				Target{Scenario: "2", Goal: "ours ÷ zap BufferedWriteSyncer, lines/s at 20 ms", Value: ours / zap, Limit: 5, Unit: "×"},
			)
		}
	}
	rep.Tables = append(rep.Tables, t)
	return nil
}

// medianRun is the run with the median lines/s (the lower middle one for
// an even count).
func medianRun(rs []NetResult) NetResult {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b NetResult) int {
		switch {
		case a.LinesPerSec() < b.LinesPerSec():
			return -1
		case a.LinesPerSec() > b.LinesPerSec():
			return 1
		}
		return 0
	})
	return s[(len(s)-1)/2]
}
