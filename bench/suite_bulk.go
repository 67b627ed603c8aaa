package bench

import (
	"fmt"
	"math"
	"os"
	"strings"
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
	bulkOursSpool = "ossappend → instant, spool"
	bulkOursZstd  = "ossappend zstd fastest → instant"
	bulkOursGzip  = "ossappend gzip → instant"
	bulkOursS2    = "ossappend s2 → instant"
	bulkWriteFrom = "AppendOnlyFile.WriteFrom → osstest"
	bulkOursOSS   = "ossappend → osstest"
	bulkSpoolOSS  = "ossappend, spool → osstest"
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
		CopyToInstantSpooled(bulkOursSpool, want),
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
		bulkFloor: bulkOurs, bulkFrames: bulkOurs, bulkOursCRC: bulkOurs, bulkOursSpool: bulkOurs,
		peers[5].Name: bulkOursZstd, peers[7].Name: bulkOursGzip, peers[9].Name: bulkOursS2,
	}
	t := &Table{
		Title:  fmt.Sprintf("3a. Bulk copy in memory: io.Copy of %s of log text", mib(float64(len(src)))),
		Header: []string{"peer", "MB/s", "ours ÷ peer (MB/s)", "output", "ratio", "appends", "appends/frame"},
		Notes:  []string{fmt.Sprintf("Median of %d runs, NewWriter and Close included. The source is a plain io.Reader (bytes.Reader's WriterTo hidden) for every peer, so io.Copy takes each destination's ReadFrom. \"ours ÷ peer\" compares the row with ossappend on the same codec (for the floors, the OSS CRC row and the spool row: ossappend uncompressed, without a spool). Codec peers encode 4 MiB frames from one goroutine; ossappend uses its defaults (4 MiB frames, Concurrency = GOMAXPROCS). Every output is checked: counted, CRC-64 compared, or decoded and compared with the source. appends/frame is the appends the instant client answered ÷ ossappend's Stats().Frames. The spool row keeps its frames in a fresh directory of the temporary directory (%s), made before the clock starts and removed after it stops.", cfg.Reps, os.TempDir())},
	}
	t.Notes = append(t.Notes, busy.note())
	for _, r := range mem {
		cmp := "–"
		if o, ok := versus[r.Peer]; ok {
			cmp = ratio(by[o].MBps(), r.MBps())
		}
		t.Add(r.Peer, num(r.MBps()), cmp, mib(float64(r.Out)), num(r.Ratio()), thousands(r.Appends), r.Counts().PerFrame())
	}
	rep.Tables = append(rep.Tables, t)
	zpeer := by[peers[5].Name]
	rep.Targets = append(rep.Targets,
		Target{Scenario: "3", Goal: "ours (uncompressed) ÷ io.Copy → bufio.Writer → io.Discard, MB/s", Value: by[bulkOurs].MBps() / by[bulkFloor].MBps(), Limit: 0.5, Unit: "×"},
		Target{Scenario: "3", Goal: "ours with a spool ÷ ours without, MB/s", Value: by[bulkOursSpool].MBps() / by[bulkOurs].MBps(), Limit: bulkSpoolTarget, Unit: "×"},
		Target{Scenario: "3", Goal: "ours zstd fastest ÷ one goroutine's EncodeAll, MB/s", Value: by[bulkOursZstd].MBps() / zpeer.MBps(), Limit: 1.6, Unit: "×"},
		Target{Scenario: "3", Goal: "ours zstd output size vs EncodeAll's, difference", Value: 100 * math.Abs(float64(by[bulkOursZstd].Out)/float64(zpeer.Out)-1), Limit: 2, AtMost: true, Unit: " %"},
	)
	return runBulkOSS(cfg, rep, srv, src)
}

// bulkSpoolTarget is the target of the copy with a spool, as a multiple of
// the same copy without one.
const bulkSpoolTarget = 0.5

// bulkTargets are the targets of ossappend against
// AppendOnlyFile.WriteFrom over loopback, by latency.
var bulkTargets = map[time.Duration]float64{20 * time.Millisecond: 0.8, 50 * time.Millisecond: 0.6}

// bulkBoundTarget is the target of ossappend against the bound of its own
// appends (see bound.go), at bulkBoundLatency.
const (
	bulkBoundTarget  = 0.85
	bulkBoundLatency = 20 * time.Millisecond
)

// bulkWideInflight is the MaxInflight of the extra row that shows what
// more frames per append would give.
const bulkWideInflight = 16

// runBulkOSS is the loopback half of scenario 3: the bandwidth at 0 ms,
// then ossappend and AppendOnlyFile.WriteFrom at each of BulkLatencies,
// beside the bound of ossappend's appends.
func runBulkOSS(cfg Config, rep *Report, srv *osstest.Server, src []byte) error {
	const frame = ossappend.DefaultFlushSize
	wide := fmt.Sprintf("ossappend, WithMaxInflight(%d) → osstest", bulkWideInflight)
	peers := []BulkPeer{
		WriteFromToOSS(srv, "bulk/aof.log"),
		CopyToOSS(srv, bulkOursOSS, "bulk/ours.log"),
		CopyToOSS(srv, wide, "bulk/wide.log", ossappend.WithMaxInflight(bulkWideInflight)),
		CopyToOSSSpooled(srv, bulkSpoolOSS, "bulk/spool.log"),
	}
	t := &Table{
		Title:  fmt.Sprintf("3b. Bulk copy over loopback: io.Copy of %s into osstest", mib(float64(len(src)))),
		Header: []string{"latency", "peer", "MB/s", "ours ÷ peer (MB/s)", "appends", "appends/frame"},
	}
	for _, p := range peers { // warm up: the server's and the heap's first growth
		if _, err := p.Run(src); err != nil {
			return err
		}
	}
	var busy busyLog
	lats := append([]time.Duration{0}, cfg.BulkLatencies...)
	runs := make([][]BulkResult, len(lats)) // by latency, then peer
	for i, lat := range lats {
		if lat > 0 {
			srv.SetFaults(1, osstest.Fault{Kind: osstest.FaultLatency, Latency: lat})
		}
		res, err := bulkRuns(cfg, &busy, src, peers)
		srv.SetFaults(1)
		if err != nil {
			return err
		}
		runs[i] = res
	}
	bw := loopbackBandwidth(lats, runs)
	var needs []string
	for i, lat := range lats {
		res := runs[i]
		aof, ours := res[0], res[1]
		ms := fmt.Sprintf("%d ms", lat.Milliseconds())
		for _, r := range res {
			cmp := "–"
			if r.Peer != ours.Peer {
				cmp = ratio(ours.MBps(), r.MBps())
			}
			t.Add(ms, r.Peer, num(r.MBps()), cmp, thousands(r.Appends), r.Counts().PerFrame())
		}
		if lat == 0 {
			continue
		}
		k := float64(ours.Frames) / float64(ours.Appends)
		one := appendBound(1, frame, lat.Seconds(), bw)
		bound := appendBound(k, frame, lat.Seconds(), bw)
		t.Add(ms, "bound, 1 frame per append: FlushSize / (latency + FlushSize / bandwidth)", num(one), ratio(ours.MBps(), one), "", "1")
		t.Add(ms, fmt.Sprintf("bound, k = %.2f frames per append (ossappend's, measured): k·FlushSize / (latency + k·FlushSize / bandwidth)", k), num(bound), ratio(ours.MBps(), bound), "", num(1/k))
		if lat == bulkBoundLatency {
			rep.Targets = append(rep.Targets, Target{Scenario: "3", Goal: fmt.Sprintf("ours over loopback at %d ms ÷ the bound of its coalesced appends, MB/s", lat.Milliseconds()), Value: ours.MBps() / bound, Limit: bulkBoundTarget, Unit: "×"})
		}
		if goal, ok := bulkTargets[lat]; ok {
			spooled := res[3]
			rep.Targets = append(rep.Targets,
				Target{Scenario: "3", Goal: fmt.Sprintf("ours over loopback at %d ms ÷ AppendOnlyFile.WriteFrom, MB/s", lat.Milliseconds()), Value: ours.MBps() / aof.MBps(), Limit: goal, Unit: "×"},
				Target{Scenario: "3", Goal: fmt.Sprintf("ours with a spool over loopback at %d ms ÷ AppendOnlyFile.WriteFrom, MB/s", lat.Milliseconds()), Value: spooled.MBps() / aof.MBps(), Limit: goal, Unit: "×"})
			needs = append(needs, framesNeededNote(goal, aof.MBps(), frame, lat, bw))
		}
	}
	t.Notes = []string{
		fmt.Sprintf("Median of %d runs after one warm-up run of each; objects read back and compared. appends counts the AppendObject requests osstest answered; appends/frame divides them by ossappend's Stats().Frames.", cfg.Reps),
		fmt.Sprintf("The bounds: appends go one at a time, so a run of n appends takes at least n × latency + bytes ÷ bandwidth; with k = frames ÷ appends that is k·FlushSize / (latency + k·FlushSize / bandwidth) MB/s, whatever mix of group sizes made k. The bandwidth, %s MB/s, is the most the loopback was seen to carry: the best peer at 0 ms, or WriteFrom at a latency once its two round trips (HeadObject, AppendObject) are taken out; it goes through the SDK (which computes the CRC-64 of each append) and osstest (which does too), both on this machine's 2 cores. k = 1 is the writer without coalesced appends. The frames of the append in flight and those queued behind it share MaxInflight + 1 frames, so a source faster than the network gets at best (MaxInflight + 1) / 2 = %s frames per append with the default MaxInflight of %d (groups of 1 and %d in turn); the WithMaxInflight(%d) row shows what more frames per append give, at %s of frames.",
			num(bw), num(maxFramesPerAppend(ossappend.DefaultMaxInflight)), ossappend.DefaultMaxInflight, ossappend.DefaultMaxInflight, bulkWideInflight, mib(float64((bulkWideInflight+1)*frame))),
		"AppendOnlyFile.WriteFrom streams the whole copy in one request: latency is paid once, but the object is only visible, and the copy only retriable, as a whole. By the bound, " + strings.Join(needs, "; ") + ".",
		fmt.Sprintf("The spool row keeps its frames in a fresh directory of the temporary directory (%s), made before the clock starts and removed after it stops: frames wait there, not in memory, and an append carries every frame the spool holds ready, up to MaxAppendSize (64 MiB, 16 frames), sent from the spool's maps or files; each append is recorded in the spool first (a write and an fdatasync).", os.TempDir()),
		busy.note(),
	}
	rep.Tables = append(rep.Tables, t)
	return nil
}

// loopbackBandwidth is the most MB/s the loopback was seen to carry in
// runs (by latency, then peer, WriteFrom first): the best run at 0 ms, or
// a WriteFrom run at a latency with its two round trips taken out.
func loopbackBandwidth(lats []time.Duration, runs [][]BulkResult) float64 {
	var bw float64
	for i, lat := range lats {
		for _, r := range runs[i] {
			if lat == 0 {
				bw = max(bw, r.MBps())
			}
		}
		if lat > 0 {
			aof := runs[i][0]
			if t := aof.Elapsed - 2*lat; t > 0 {
				bw = max(bw, float64(aof.In)/1e6/t.Seconds())
			}
		}
	}
	return bw
}

// framesNeededNote says how many frames per append the bound needs to
// reach goal × WriteFrom's MB/s at lat, and the smallest MaxInflight
// whose (MaxInflight + 1) / 2 frames per append give that many.
func framesNeededNote(goal, writeFrom float64, frame int, lat time.Duration, bw float64) string {
	need := framesNeeded(goal*writeFrom, frame, lat.Seconds(), bw)
	what := fmt.Sprintf("%s× WriteFrom at %d ms", num(goal), lat.Milliseconds())
	if math.IsInf(need, 1) {
		return what + " is beyond the bandwidth itself"
	}
	return fmt.Sprintf("%s needs %s frames per append, which MaxInflight %d and more give", what, num(need), max(1, int(math.Ceil(2*need))-1))
}
