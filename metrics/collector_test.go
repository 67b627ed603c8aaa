package metrics_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/metrics"
	"github.com/ossappend/ossappend/osstest"
	"github.com/ossappend/ossappend/retry"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fastRetry retries at once, so that the tests' faults cost no time.
var fastRetry = ossappend.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MaxElapsed: time.Minute})

// statsCounters are the counters a writer's series must show, as its
// Stats has them.
func statsCounters(s ossappend.Stats) map[string]int64 {
	return map[string]int64{
		"ossappend_accepted_bytes_total":            s.BytesWritten,
		"ossappend_stored_bytes_total":              s.BytesStored,
		"ossappend_appended_bytes_total":            s.BytesAppended,
		"ossappend_dropped_bytes_total":             s.DroppedBytes,
		"ossappend_frames_total":                    s.Frames,
		"ossappend_stored_frames_total":             s.FramesStored,
		"ossappend_appends_total":                   s.Appends,
		"ossappend_retries_total":                   s.Retries,
		"ossappend_reconciliations_total":           s.Reconciled,
		"ossappend_recovered_appends_total":         s.Recovered,
		"ossappend_conflicts_total":                 s.Conflicts,
		"ossappend_rotations_total":                 s.Rotations,
		"ossappend_rolls_total":                     s.Rolls,
		"ossappend_budget_waits_total":              s.BudgetWaits,
		"ossappend_spool_recovered_frames_total":    s.SpoolRecovered,
		"ossappend_spool_found_stored_frames_total": s.SpoolFoundStored,
		"ossappend_spool_damaged_files_total":       s.SpoolDamaged,
	}
}

// statsGauges are the gauges of an open writer's series whose value does
// not depend on the time of the scrape.
func statsGauges(s ossappend.Stats) map[string]float64 {
	return map[string]float64{
		"ossappend_pending_bytes":          float64(s.Pending),
		"ossappend_spool_bytes":            float64(s.SpooledBytes),
		"ossappend_flush_interval_seconds": s.FlushInterval.Seconds(),
		"ossappend_open_writers":           1,
	}
}

// checkStats checks that the series of w in sc shows st, every counter
// and gauge.
func checkStats(t *testing.T, sc scrape, w *ossappend.Writer, st ossappend.Stats) {
	t.Helper()
	labels := writerLabels(w)
	for name, want := range statsCounters(st) {
		got, ok := sc.value(name, labels)
		if !ok || got != float64(want) {
			t.Errorf("%s = %v (there: %v), want %d", name, got, ok, want)
		}
		if sc[name].GetType().String() != "COUNTER" {
			t.Errorf("%s is a %v, want a counter", name, sc[name].GetType())
		}
	}
	for name, want := range statsGauges(st) {
		got, ok := sc.value(name, labels)
		if !ok || got != want {
			t.Errorf("%s = %v (there: %v), want %v", name, got, ok, want)
		}
		if sc[name].GetType().String() != "GAUGE" {
			t.Errorf("%s is a %v, want a gauge", name, sc[name].GetType())
		}
	}
}

// TestEveryFigureOfAKnownRun: after a run with a lost response, a 503 and
// a conflict, a scrape shows every figure of the writer's Stats under its
// labels, the known ones at their known values, and the requests counted
// and timed; once the writer is closed its counters stay as they were and
// its gauges go.
func TestEveryFigureOfAKnownRun(t *testing.T) {
	srv := newServer(t)
	srv.SetFaults(1,
		osstest.Fault{Op: "AppendObject", Kind: osstest.FaultApplyThenError503, Limit: 1},
		osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503, Limit: 1})
	m := metrics.New()
	sc := newScraper(t, m)
	const key = "known/run.log.zst"
	w := newWriter(t, srv.Client(), key, ossappend.WithObserver(m), ossappend.WithFlushInterval(0), fastRetry,
		ossappend.WithCodec(compress.Zstd(compress.DefaultZstdLevel)))

	var text bytes.Buffer
	write := func(i int) {
		line := fmt.Sprintf("line %d of the known run\n", i)
		text.WriteString(line)
		if _, err := w.WriteString(line); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		write(i)
	}
	// Another client appends to the object: the writer's next append
	// conflicts, and it moves to a new key.
	obj, _ := srv.Object(bucket, key)
	if _, err := srv.Client().AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Position: oss.Ptr(int64(len(obj))), Body: strings.NewReader("not the writer's\n"),
	}); err != nil {
		t.Fatal(err)
	}
	write(3)

	st := w.Stats()
	s := sc.mustScrape(t)
	checkStats(t, s, w, st)
	labels := writerLabels(w)
	if labels["codec"] != "zstd" || labels["key"] != key || labels["bucket"] != bucket {
		t.Fatalf("labels %v", labels)
	}
	known := map[string]float64{
		"ossappend_accepted_bytes_total":       float64(text.Len()),
		"ossappend_stored_bytes_total":         float64(text.Len()),
		"ossappend_pending_bytes":              0,
		"ossappend_frames_total":               4,
		"ossappend_stored_frames_total":        4,
		"ossappend_recovered_appends_total":    1,
		"ossappend_conflicts_total":            1,
		"ossappend_rotations_total":            1,
		"ossappend_dropped_bytes_total":        0,
		"ossappend_oldest_pending_age_seconds": 0,
		"ossappend_failing_seconds":            0,
		"ossappend_flush_interval_seconds":     0,
		"ossappend_open_writers":               1,
	}
	for name, want := range known {
		if got, ok := s.value(name, labels); !ok || got != want {
			t.Errorf("%s = %v (there: %v), want %v", name, got, ok, want)
		}
	}
	if st.Reconciled < 2 || st.Retries < 1 || st.Appends < 6 {
		t.Errorf("stats %+v: want the lost response and the 503 reconciled and the 503 retried", st)
	}

	// The appends: a lost response, a 503 and a conflict failed, the rest
	// went through; each is timed.
	ok, _ := s.value("ossappend_requests_total", map[string]string{"bucket": bucket, "op": "AppendObject", "result": "ok"})
	failed, _ := s.value("ossappend_requests_total", map[string]string{"bucket": bucket, "op": "AppendObject", "result": "error"})
	if failed != 3 || ok+failed != float64(st.Appends) {
		t.Errorf("appends: %v ok and %v failed, want 3 failed of the %d the stats count", ok, failed, st.Appends)
	}
	if heads, _ := s.value("ossappend_requests_total", map[string]string{"bucket": bucket, "op": "HeadObject", "result": "ok"}); heads < float64(st.Reconciled) {
		t.Errorf("%v HeadObject requests, want one at least for each of %d reconciliations", heads, st.Reconciled)
	}
	h := s.find("ossappend_append_duration_seconds", map[string]string{"bucket": bucket}).GetHistogram()
	if h.GetSampleCount() != uint64(st.Appends) || h.GetSampleSum() <= 0 {
		t.Errorf("append latency histogram: %d samples summing to %vs, want the %d appends", h.GetSampleCount(), h.GetSampleSum(), st.Appends)
	}
	var bounds []float64
	for _, b := range h.GetBucket() {
		if !math.IsInf(b.GetUpperBound(), 1) {
			bounds = append(bounds, b.GetUpperBound())
		}
	}
	if len(bounds) < 10 || bounds[0] != 0.001 || bounds[len(bounds)-1] != 60 {
		t.Errorf("append latency buckets %v: want 1 ms to 60 s", bounds)
	}

	// Closed: the counters stay, the gauges go.
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	final := w.Stats()
	s = sc.mustScrape(t)
	for name, want := range statsCounters(final) {
		if got, ok := s.value(name, labels); !ok || got != float64(want) {
			t.Errorf("closed: %s = %v (there: %v), want %d", name, got, ok, want)
		}
	}
	for _, name := range []string{"ossappend_pending_bytes", "ossappend_oldest_pending_age_seconds", "ossappend_flush_interval_seconds"} {
		if _, ok := s.value(name, labels); ok {
			t.Errorf("closed: %s is still there", name)
		}
	}
	if n, ok := s.value("ossappend_open_writers", labels); !ok || n != 0 {
		t.Errorf("closed: ossappend_open_writers = %v (there: %v), want 0", n, ok)
	}
}

// TestPendingAgeAndDroppedBytes: while appends are held, a scrape shows
// the bytes pending, the age of the oldest one by the writers' clock, and
// the bytes a non-blocking writer dropped; once the appends go, the age
// is 0 again.
func TestPendingAgeAndDroppedBytes(t *testing.T) {
	srv := newServer(t)
	clock := &fakeClock{now: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	m := metrics.New(metrics.WithClock(clock))
	sc := newScraper(t, m)
	c := &heldClient{Client: srv.Client(), called: make(chan int, 1)}
	c.hold()
	w := newWriter(t, c, "held/app.log", ossappend.WithObserver(m), ossappend.WithClock(clock), ossappend.WithNonBlocking(),
		ossappend.WithFlushSize(64), ossappend.WithMaxInflight(1), ossappend.WithFlushInterval(10*time.Minute))
	frame := bytes.Repeat([]byte("0123456789abcdef"), 4) // one frame
	for i := 0; w.Stats().DroppedBytes == 0; i++ {
		if i == 10 {
			t.Fatalf("stats %+v: no write dropped with the appends held", w.Stats())
		}
		w.Write(frame)
	}
	<-c.called // the first frame's append, held
	clock.Advance(90 * time.Second)
	st := w.Stats()
	s := sc.mustScrape(t)
	checkStats(t, s, w, st)
	labels := writerLabels(w)
	if age, _ := s.value("ossappend_oldest_pending_age_seconds", labels); age != 90 {
		t.Errorf("oldest pending age %vs, want 90s", age)
	}
	if st.Pending == 0 || st.DroppedBytes == 0 || st.FlushInterval != 10*time.Minute {
		t.Errorf("stats %+v: want bytes pending and dropped", st)
	}

	c.release()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	s = sc.mustScrape(t)
	checkStats(t, s, w, w.Stats())
	if age, _ := s.value("ossappend_oldest_pending_age_seconds", labels); age != 0 {
		t.Errorf("oldest pending age %vs once all is stored, want 0", age)
	}
}

// TestFailingSeconds: while every append fails, a scrape shows how long
// the writer has been failing and counts the failed requests; once they
// succeed again, 0.
func TestFailingSeconds(t *testing.T) {
	start := time.Now()
	srv := newServer(t)
	m := metrics.New()
	sc := newScraper(t, m)
	c := &heldClient{Client: srv.Client(), called: make(chan int, 16)}
	c.fail()
	w := newWriter(t, c, "failing/app.log", ossappend.WithObserver(m), ossappend.WithFlushInterval(0),
		ossappend.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}))
	w.WriteString("waits for OSS\n")
	flushed := make(chan error, 1)
	go func() { flushed <- w.Flush() }()
	for n := range c.called { // the second append follows the first failure
		if n >= 2 {
			break
		}
	}
	s := sc.mustScrape(t)
	labels := writerLabels(w)
	failing, _ := s.value("ossappend_failing_seconds", labels)
	if failing <= 0 || failing > time.Since(start).Seconds() {
		t.Errorf("failing for %vs, want more than 0 and at most the test's %v", failing, time.Since(start))
	}
	if n, _ := s.value("ossappend_requests_total", map[string]string{"bucket": bucket, "op": "AppendObject", "result": "error"}); n < 1 {
		t.Errorf("%v failed appends counted, want 1 at least", n)
	}
	if age, _ := s.value("ossappend_oldest_pending_age_seconds", labels); age <= 0 {
		t.Errorf("oldest pending age %vs while failing, want more than 0", age)
	}

	c.release()
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	s = sc.mustScrape(t)
	if failing, _ := s.value("ossappend_failing_seconds", labels); failing != 0 {
		t.Errorf("failing for %vs after an append was stored, want 0", failing)
	}
}

// TestSpoolFigures: a writer that opens a spool an earlier writer left
// frames in shows the frames it found and sent, and what its spool holds.
func TestSpoolFigures(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	const key = "spooled/app.log"
	down := &heldClient{Client: srv.Client()}
	down.fail()
	first, err := ossappend.NewWriter(context.Background(), down, bucket, key, ossappend.WithSpool(dir), ossappend.WithFlushInterval(0), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("left in the spool\n", 100)
	if _, err := first.WriteString(text); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	first.Shutdown(gone) // leaves the frame in the spool

	m := metrics.New()
	sc := newScraper(t, m)
	w := newWriter(t, srv.Client(), key, ossappend.WithSpool(dir), ossappend.WithObserver(m), ossappend.WithFlushInterval(0))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	s := sc.mustScrape(t)
	checkStats(t, s, w, st)
	if n, _ := s.value("ossappend_spool_recovered_frames_total", writerLabels(w)); n < 1 {
		t.Errorf("%v spool frames recovered, want 1 at least", n)
	}
	if obj, _ := srv.Object(bucket, key); string(obj) != text {
		t.Errorf("the object holds %d bytes, want the %d left in the spool", len(obj), len(text))
	}
}

// TestLayoutRolls: a writer of a key layout is labelled with the layout,
// and its rolls into new periods are counted.
func TestLayoutRolls(t *testing.T) {
	srv := newServer(t)
	clock := &fakeClock{now: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	m := metrics.New(metrics.WithClock(clock))
	sc := newScraper(t, m)
	const layout = "rolls/%Y%m%d-%H%M.log"
	w := newWriter(t, srv.Client(), layout, ossappend.WithKeyLayout(), ossappend.WithClock(clock), ossappend.WithObserver(m), ossappend.WithFlushInterval(0))
	w.WriteString("in the first minute\n")
	clock.Advance(time.Minute)
	w.WriteString("in the second minute\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	s := sc.mustScrape(t)
	checkStats(t, s, w, st)
	if n, ok := s.value("ossappend_rolls_total", map[string]string{"key": layout}); !ok || n < 1 {
		t.Errorf("rolls under the layout's label: %v (there: %v), want 1 at least", n, ok)
	}
}

// TestClosedSeriesStayForTheRetention: a closed writer's counters stay in
// its series for the retention, a writer opened with the same labels
// before then counts on from them, and after it the series is dropped; a
// writer opened after that starts a new series from 0.
func TestClosedSeriesStayForTheRetention(t *testing.T) {
	srv := newServer(t)
	clock := &fakeClock{now: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	m := metrics.New(metrics.WithClock(clock))
	sc := newScraper(t, m)
	const key = "retained/app.log"
	labels := map[string]string{"bucket": bucket, "key": key, "codec": "none"}
	run := func(text string) {
		w := newWriter(t, srv.Client(), key, ossappend.WithObserver(m), ossappend.WithFlushInterval(0))
		if _, err := w.WriteString(text); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(when string, accepted float64, there bool) {
		t.Helper()
		s := sc.mustScrape(t)
		got, ok := s.value("ossappend_accepted_bytes_total", labels)
		if ok != there || got != accepted {
			t.Errorf("%s: accepted bytes %v (there: %v), want %v (there: %v)", when, got, ok, accepted, there)
		}
		if n, ok := s.value("ossappend_open_writers", labels); ok != there || n != 0 {
			t.Errorf("%s: open writers %v (there: %v), want 0 (there: %v)", when, n, ok, there)
		}
	}
	run("first writer\n")
	expect("closed", 13, true)
	clock.Advance(metrics.DefaultRetention - time.Second)
	run("second\n")
	expect("a second writer closed", 13+7, true)
	clock.Advance(metrics.DefaultRetention - time.Second)
	expect("within the retention of the second", 13+7, true)
	clock.Advance(time.Second)
	expect("after the retention", 0, false)
	run("third\n")
	expect("a new series", 6, true)

	// With no retention, the series goes with the writer.
	m = metrics.New(metrics.WithRetention(0))
	sc = newScraper(t, m)
	run("gone at once\n")
	expect("no retention", 0, false)
}

// TestConcurrentWritersDuringScrapes: writers open, write and close on
// many goroutines while scrapes go on; every scrape is whole and valid,
// no counter ever goes down from one scrape to the next, and at the end
// each series has every byte its writers accepted.
func TestConcurrentWritersDuringScrapes(t *testing.T) {
	srv := newServer(t)
	m := metrics.New()
	sc := newScraper(t, m)
	const goroutines, rounds, lines = 6, 4, 30
	written := make([]int, goroutines)
	key := func(g int) string { return fmt.Sprintf("concurrent/%d.log", g) }
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := []ossappend.Option{ossappend.WithObserver(m), ossappend.WithFlushInterval(0)}
			if g%2 == 0 {
				opts = append(opts, ossappend.WithCodec(compress.S2()))
			}
			for r := range rounds {
				w, err := ossappend.NewWriter(context.Background(), srv.Client(), bucket, key(g), opts...)
				if err != nil {
					t.Error(err)
					return
				}
				for i := range lines {
					n, _ := w.WriteString(fmt.Sprintf("goroutine %d round %d line %d\n", g, r, i))
					written[g] += n
					if i%10 == 9 {
						if err := w.Flush(); err != nil {
							t.Error(err)
						}
					}
				}
				if err := w.Close(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	last := map[string]float64{}
	scrapes := 0
	check := func(s scrape) {
		for name, f := range s {
			for _, mt := range f.Metric {
				id := name + mt.String()
				var v float64
				switch {
				case mt.Counter != nil:
					v = mt.Counter.GetValue()
				case mt.Histogram != nil:
					v = float64(mt.Histogram.GetSampleCount())
				default:
					continue
				}
				if v < last[id] {
					t.Errorf("scrape %d: %s %v went down from %v", scrapes, name, v, last[id])
				}
				last[id] = v
			}
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		s, err := sc.scrape()
		if err != nil {
			t.Fatalf("scrape %d: %v", scrapes, err)
		}
		check(s)
		scrapes++
	}
	s := sc.mustScrape(t)
	check(s)
	for g := range goroutines {
		codec := "none"
		if g%2 == 0 {
			codec = "s2"
		}
		labels := map[string]string{"bucket": bucket, "key": key(g), "codec": codec}
		for _, name := range []string{"ossappend_accepted_bytes_total", "ossappend_stored_bytes_total"} {
			if got, _ := s.value(name, labels); got != float64(written[g]) {
				t.Errorf("goroutine %d: %s = %v, want the %d bytes of its %d writers", g, name, got, written[g], rounds)
			}
		}
		if n, ok := s.value("ossappend_open_writers", labels); !ok || n != 0 {
			t.Errorf("goroutine %d: %v writers open at the end (there: %v)", g, n, ok)
		}
	}
	t.Logf("%d scrapes during the run", scrapes)
}

// TestNamesFollowConventions: the Prometheus linter finds nothing to say
// about the metrics' names, types, units and help.
func TestNamesFollowConventions(t *testing.T) {
	srv := newServer(t)
	m := metrics.New()
	w := newWriter(t, srv.Client(), "lint/app.log", ossappend.WithObserver(m))
	w.WriteString("a line\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.CollectAndLint(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	if n := testutil.CollectAndCount(m); n < 25 {
		t.Errorf("%d metrics collected, want every figure of the writer and its requests", n)
	}
}

// TestRequestsBeforeOpened: a writer may make a request before the
// Collector hears it opened (a spool's frames go out at once), and
// Closed of a writer it never heard of does nothing.
func TestRequestsBeforeOpened(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "unheard/app.log")
	m := metrics.New()
	sc := newScraper(t, m)
	m.Requested(w, ossappend.Request{Op: "AppendObject", Duration: time.Millisecond})
	m.Closed(w)
	s := sc.mustScrape(t)
	if n, _ := s.value("ossappend_requests_total", map[string]string{"bucket": bucket, "op": "AppendObject", "result": "ok"}); n != 1 {
		t.Errorf("%v requests counted, want 1", n)
	}
	if _, ok := s.value("ossappend_open_writers", writerLabels(w)); ok {
		t.Error("a writer the collector never heard open has a series")
	}
}
