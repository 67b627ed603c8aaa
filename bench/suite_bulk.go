package bench

import (
	"fmt"
	"math"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// Names of scenario 3's rows that the targets compare.
const (
	bulkFloor     = "io.Copy → bufio.Writer → io.Discard"
	bulkFrames    = "io.Copy → bufio.Writer 4 MiB → discard"
	bulkOurs      = "ossappend → instant"
	bulkOursCRC   = "ossappend → instant, OSS CRC"
	bulkOursZstd  = "ossappend zstd fastest → instant"
	bulkOursGzip  = "ossappend gzip → instant"
	bulkOursS2    = "ossappend s2 → instant"
	bulkWriteFrom = "AppendOnlyFile.WriteFrom → osstest"
	bulkOursOSS   = "ossappend → osstest"
)

// runBulkAndFrames generates the log text once and runs scenario 3 and
// then scenario 5 on it.
func runBulkAndFrames(cfg Config, rep *Report, srv *osstest.Server) error {
	t0 := time.Now()
	src := NewWorkload(DefaultSeed).Text(cfg.BulkSize)
	cfg.logf("  %s of log text generated in %v", mib(float64(len(src))), time.Since(t0).Round(time.Millisecond))
	if cfg.runs(3) {
		if err := runBulk(cfg, rep, srv, src); err != nil {
			return err
		}
	}
	if !cfg.runs(5) {
		return nil
	}
	return runFrames(cfg, rep, src[:min(len(src), cfg.FrameText)])
}

// bulkRuns runs each peer Reps times, interleaved, and returns the median
// run of each (by elapsed time) in the peers' order. A run that shared the
// machine with other work is run again (see busyLog).
func bulkRuns(cfg Config, busy *busyLog, src []byte, peers []BulkPeer) ([]BulkResult, error) {
	runs := make([][]BulkResult, len(peers))
	for range cfg.Reps {
		for i, p := range peers {
			var r BulkResult
			err := busy.retry(cfg, p.Name, func() (float64, error) {
				var err error
				r, err = p.Run(src)
				return r.Others, err
			})
			if err != nil {
				return nil, err
			}
			cfg.logf("  %s: %.0f MB/s", r.Peer, r.MBps())
			runs[i] = append(runs[i], r)
		}
	}
	med := make([]BulkResult, len(peers))
	for i, rs := range runs {
		xs := make([]float64, len(rs))
		for j, r := range rs {
			xs[j] = r.Elapsed.Seconds()
		}
		m := median(xs)
		med[i] = rs[0]
		for _, r := range rs {
			if math.Abs(r.Elapsed.Seconds()-m) < math.Abs(med[i].Elapsed.Seconds()-m) {
				med[i] = r
			}
		}
	}
	return med, nil
}

func runBulk(cfg Config, rep *Report, srv *osstest.Server, src []byte) error {
	want := crcOf(src)
	const frame = ossappend.DefaultFlushSize
	zstdCodec, gzipCodec, s2Codec := compress.Zstd(1), compress.Gzip(compress.DefaultGzipLevel), compress.S2()
	peers := []BulkPeer{
		{bulkFloor, CopyToBufioDiscard},
		{bulkFrames, CopyToBufioFrames},
		CopyToInstant(bulkOurs, compress.None(), false, want),
		CopyToInstant(bulkOursCRC, compress.None(), true, want),
		ZstdEncodeAll(zstd.SpeedFastest, frame),
		CopyToInstant(bulkOursZstd, zstdCodec, false, want),
		CodecFrames(gzipCodec, frame),
		CopyToInstant(bulkOursGzip, gzipCodec, false, want),
		CodecFrames(s2Codec, frame),
		CopyToInstant(bulkOursS2, s2Codec, false, want),
	}
	for _, c := range []compress.Codec{zstdCodec, gzipCodec, s2Codec} {
		if _, err := c.Encode(nil, src[:1<<16]); err != nil { // build encoders before any clock
			return err
		}
	}
	var busy busyLog
	mem, err := bulkRuns(cfg, &busy, src, peers)
	if err != nil {
		return err
	}
	by := map[string]BulkResult{}
	for _, r := range mem {
		by[r.Peer] = r
	}
	// Whose figure each row is compared with.
	versus := map[string]string{
		bulkFloor: bulkOurs, bulkFrames: bulkOurs, bulkOursCRC: bulkOurs,
		peers[4].Name: bulkOursZstd, peers[6].Name: bulkOursGzip, peers[8].Name: bulkOursS2,
	}
	t := &Table{
		Title:  fmt.Sprintf("3a. Bulk copy in memory: io.Copy of %s of log text", mib(float64(len(src)))),
		Header: []string{"peer", "MB/s", "ours ÷ peer (MB/s)", "output", "ratio", "appends"},
		Notes:  []string{fmt.Sprintf("Median of %d runs, NewWriter and Close included. The source is a plain io.Reader (bytes.Reader's WriterTo hidden) for every peer, so io.Copy takes each destination's ReadFrom. \"ours ÷ peer\" compares the row with ossappend on the same codec (for the floors and the OSS CRC row: ossappend uncompressed). Codec peers encode 4 MiB frames from one goroutine; ossappend uses its defaults (4 MiB frames, Concurrency = GOMAXPROCS). Every output is checked: counted, CRC-64 compared, or decoded and compared with the source.", cfg.Reps)},
	}
	t.Notes = append(t.Notes, busy.note())
	for _, r := range mem {
		cmp := "–"
		if o, ok := versus[r.Peer]; ok {
			cmp = ratio(by[o].MBps(), r.MBps())
		}
		t.Add(r.Peer, num(r.MBps()), cmp, mib(float64(r.Out)), num(r.Ratio()), thousands(r.Appends))
	}
	rep.Tables = append(rep.Tables, t)
	zpeer := by[peers[4].Name]
	rep.Targets = append(rep.Targets,
		Target{Scenario: "3", Goal: "ours (uncompressed) ÷ io.Copy → bufio.Writer → io.Discard, MB/s", Value: by[bulkOurs].MBps() / by[bulkFloor].MBps(), Limit: 0.5, Unit: "×"},
		Target{Scenario: "3", Goal: "ours zstd fastest ÷ one goroutine's EncodeAll, MB/s", Value: by[bulkOursZstd].MBps() / zpeer.MBps(), Limit: 1.6, Unit: "×"},
		Target{Scenario: "3", Goal: "ours zstd output size vs EncodeAll's, difference", Value: 100 * math.Abs(float64(by[bulkOursZstd].Out)/float64(zpeer.Out)-1), Limit: 2, AtMost: true, Unit: " %"},
	)
	return runBulkOSS(cfg, rep, srv, src)
}

// runBulkOSS is the loopback half of scenario 3: the bandwidth at 0 ms,
// then ossappend and AppendOnlyFile.WriteFrom at BulkLatency.
func runBulkOSS(cfg Config, rep *Report, srv *osstest.Server, src []byte) error {
	peers := []BulkPeer{WriteFromToOSS(srv, "bulk/aof.log"), CopyToOSS(srv, "bulk/ours.log")}
	t := &Table{
		Title:  fmt.Sprintf("3b. Bulk copy over loopback: io.Copy of %s into osstest", mib(float64(len(src)))),
		Header: []string{"latency", "peer", "MB/s", "ours ÷ peer (MB/s)", "appends"},
	}
	for _, p := range peers { // warm up: the server's and the heap's first growth
		if _, err := p.Run(src); err != nil {
			return err
		}
	}
	var bw, oursAt float64
	var busy busyLog
	for _, lat := range []time.Duration{0, cfg.BulkLatency} {
		if lat > 0 {
			srv.SetFaults(1, osstest.Fault{Kind: osstest.FaultLatency, Latency: lat})
		}
		res, err := bulkRuns(cfg, &busy, src, peers)
		srv.SetFaults(1)
		if err != nil {
			return err
		}
		aof, ours := res[0], res[1]
		ms := fmt.Sprintf("%d ms", lat.Milliseconds())
		t.Add(ms, aof.Peer, num(aof.MBps()), ratio(ours.MBps(), aof.MBps()), thousands(aof.Appends))
		t.Add(ms, ours.Peer, num(ours.MBps()), "–", thousands(ours.Appends))
		if lat == 0 {
			bw = max(aof.MBps(), ours.MBps()) // the most the loopback was seen to carry
			continue
		}
		oursAt = ours.MBps()
		size := float64(ossappend.DefaultFlushSize) / 1e6
		bound := size / (lat.Seconds() + size/bw)
		t.Add(ms, "bound: FlushSize / (latency + FlushSize / bandwidth at 0 ms)", num(bound), ratio(oursAt, bound), "")
		rep.Targets = append(rep.Targets, Target{Scenario: "3", Goal: fmt.Sprintf("ours over loopback at %d ms ÷ bound, MB/s", lat.Milliseconds()), Value: oursAt / bound, Limit: 0.85, Unit: "×"})
	}
	t.Notes = []string{fmt.Sprintf("Median of %d runs after one warm-up run of each; objects read back and compared. The bandwidth in the bound is the better of the two at 0 ms (%s MB/s), through the SDK (which computes the CRC-64 of each append) and osstest (which does too), both on this machine's 2 cores. ossappend sends one 4 MiB append at a time, so at %d ms it can at best reach the bound. AppendOnlyFile.WriteFrom streams the whole copy in one request: latency is paid once, but the object is only visible, and the copy only retriable, as a whole.", cfg.Reps, num(bw), cfg.BulkLatency.Milliseconds()), busy.note()}
	rep.Tables = append(rep.Tables, t)
	return nil
}
