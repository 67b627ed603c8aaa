package bench

import (
	"fmt"
	"slices"
	"time"

	"github.com/ossappend/ossappend/osstest"
)

// Names of rows of scenario 2.
const (
	oursNet     = "ossappend"
	oursNetZstd = "ossappend zstd"
	netBufio    = "bufio.Writer 256 KiB → AppendOnlyFile"
)

// netSlowLatency is the latency at which scenario 2's targets compare
// ossappend with itself at 0 ms.
const netSlowLatency = 50 * time.Millisecond

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
	floor := SlogCPU(wl, cfg.NetDuration/2)
	t := &Table{
		Title:  "2. Logging through the network: slog JSON lines into osstest over loopback",
		Header: []string{"latency", "peer", "lines/s", "ours ÷ peer", "appends", "appends/frame", "logged", "stored", "CPU s/GiB", "peer's CPU s/GiB"},
		Notes: []string{
			fmt.Sprintf("Each peer logs from one goroutine through slog.NewJSONHandler for %v, then closes (the final flush counts in lines/s); median of %d runs. Latency is injected by osstest before every request. Every object is read back (and decoded) and must hold each line once, in order. appends/frame is the AppendObject requests ÷ ossappend's Stats().Frames.", cfg.NetDuration, cfg.Reps),
			fmt.Sprintf("CPU s/GiB is the process's user + system seconds (getrusage(RUSAGE_SELF) before and after the run; n/a where there is no getrusage) per GiB logged. Everything runs in this one process, so it counts the whole run: slog rendering the lines, the peer, the SDK and osstest on the other side of loopback (which checks each append's CRC-64), and the garbage collector. slog's rendering alone, into a discarding writer, takes %s s/GiB. The peer's CPU s/GiB is the part of it that the goroutine logging, the peer's goroutines and those they start (the SDK's connections) spent, slog's rendering included: the samples of a CPU profile of the run that carry a label they inherit, which osstest's goroutines and the garbage collector's background workers do not (n/a when ossbench's own -cpuprofile runs). The rest, osstest's copying of each append into the object it keeps in memory above all, is most of the process's figure and what moves it from run to run.", floor),
		},
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
				thousands(m.Appends), m.Counts().PerFrame(), mib(float64(m.Bytes)), mib(float64(m.Stored)), m.CPUPerGiB(), m.PeerCPUPerGiB())
		}
		if o, b := medianRun(runs[id(lat, oursNet)]), medianRun(runs[id(lat, netBufio)]); o.PeerOK && b.PeerOK && o.Bytes > 0 && b.Bytes > 0 {
			perGiB := func(r NetResult) float64 { return r.PeerCPU / (float64(r.Bytes) / (1 << 30)) }
			rep.Targets = append(rep.Targets, Target{Scenario: "2", Goal: fmt.Sprintf("ours ÷ bufio.Writer → AppendOnlyFile, the peer's CPU s/GiB at %d ms, uncompressed", lat.Milliseconds()), Value: perGiB(o) / perGiB(b), Limit: 1, AtMost: true, Unit: "×"})
		}
		if lat == netSlowLatency && slices.Contains(cfg.Latencies, 0) {
			for _, name := range []string{oursNet, oursNetZstd} {
				at0 := medianRun(runs[id(0, name)]).LinesPerSec()
				at := medianRun(runs[id(lat, name)]).LinesPerSec()
				rep.Targets = append(rep.Targets, Target{Scenario: "2", Goal: fmt.Sprintf("%s lines/s at %d ms ÷ its own at 0 ms", name, lat.Milliseconds()), Value: at / at0, Limit: 0.8, Unit: "×"})
			}
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
