package main

import (
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape is what one GET of /metrics showed, parsed from the text format.
type scrape map[string]*dto.MetricFamily

// scrapeMetrics gets url and parses it with Prometheus's parser.
func scrapeMetrics(t *testing.T, url string) scrape {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %s: %s", url, res.Status, b)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return fams
}

// value returns the value of the sample of name whose labels include
// labels, and whether there is one.
func (s scrape) value(name string, labels map[string]string) (float64, bool) {
	f := s[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// metricsURL waits for pipe --log-format json to say where it serves
// /metrics, and returns that URL.
func metricsURL(t *testing.T, p *process) string {
	t.Helper()
	var url string
	waitFor(t, "pipe to say where it serves /metrics", func() bool {
		for _, m := range jsonMessages(t, completeLines(p.stderr.String())) {
			if m["msg"] == "serving metrics" {
				url, _ = m["url"].(string)
			}
		}
		return url != ""
	})
	return url
}

// completeLines is s up to its last newline.
func completeLines(s string) string { return s[:strings.LastIndexByte(s, '\n')+1] }

// TestPipeMetrics scrapes pipe --metrics-addr while it runs, once
// everything read is stored, and after the writer closed, while it
// lingers: the writer's figures, labelled by bucket, key and codec, have
// the values the run makes, and the Go runtime's and process's are there.
func TestPipeMetrics(t *testing.T) {
	srv := newTestServer(t)
	p := start(t, srv.env(), srv.args("pipe", "--log-format", "json", "--metrics-addr", "127.0.0.1:0", "--metrics-linger", "10m",
		"--flush-interval", "10ms", url("m/app.log.zst"))...)
	addr := metricsURL(t, p)
	labels := map[string]string{"bucket": testBucket, "key": "m/app.log.zst", "codec": "zstd"}
	input := logText(2000)
	io.WriteString(p.stdin, input)

	// Standard input still open: everything read is stored.
	var m scrape
	waitFor(t, "the input stored", func() bool {
		m = scrapeMetrics(t, addr)
		stored, _ := m.value("ossappend_stored_bytes_total", labels)
		return stored == float64(len(input))
	})
	for name, want := range map[string]float64{
		"ossappend_accepted_bytes_total":       float64(len(input)),
		"ossappend_pending_bytes":              0,
		"ossappend_oldest_pending_age_seconds": 0,
		"ossappend_failing_seconds":            0,
		"ossappend_dropped_bytes_total":        0,
		"ossappend_open_writers":               1,
		"ossappend_flush_interval_seconds":     0.01,
	} {
		if got, ok := m.value(name, labels); !ok || got != want {
			t.Errorf("while pipe runs, %s = %v (found: %v), want %v", name, got, ok, want)
		}
	}
	if n, _ := m.value("ossappend_appends_total", labels); n < 1 {
		t.Errorf("ossappend_appends_total = %v, want at least 1", n)
	}
	want := []string{"go_goroutines", "go_memstats_heap_alloc_bytes"}
	if runtime.GOOS == "linux" {
		want = append(want, "process_cpu_seconds_total", "process_resident_memory_bytes")
	}
	for _, name := range want {
		if _, ok := m.value(name, nil); !ok {
			t.Errorf("no %s", name)
		}
	}

	// The input ends: once pipe has said its summary, the writer has
	// closed, and its counters are final.
	p.stdin.Close()
	var summary map[string]any
	waitFor(t, "the summary", func() bool {
		for _, msg := range jsonMessages(t, completeLines(p.stderr.String())) {
			if msg["msg"] == "summary" {
				summary = msg
			}
		}
		return summary != nil
	})
	m = scrapeMetrics(t, addr)
	appends, _ := m.value("ossappend_appends_total", labels)
	for name, want := range map[string]float64{
		"ossappend_accepted_bytes_total": float64(len(input)),
		"ossappend_stored_bytes_total":   float64(len(input)),
		"ossappend_appended_bytes_total": summary["appended_bytes"].(float64),
		"ossappend_appends_total":        summary["appends"].(float64),
		"ossappend_retries_total":        0,
		"ossappend_conflicts_total":      0,
		"ossappend_open_writers":         0,
	} {
		if got, ok := m.value(name, labels); !ok || got != want {
			t.Errorf("after the writer closed, %s = %v (found: %v), want %v", name, got, ok, want)
		}
	}
	appended, _ := m.value("ossappend_appended_bytes_total", labels)
	if obj, _ := srv.Object(testBucket, "m/app.log.zst"); appended >= float64(len(input)) || float64(len(obj)) != appended {
		t.Errorf("%v bytes appended for %d bytes of text; the object holds %d", appended, len(input), len(obj))
	}
	if _, ok := m.value("ossappend_oldest_pending_age_seconds", labels); ok {
		t.Error("a closed writer still has an oldest pending age")
	}
	bucket := map[string]string{"bucket": testBucket}
	if n, _ := m.value("ossappend_append_duration_seconds", bucket); n != appends {
		t.Errorf("%v appends timed, want %v", n, appends)
	}
	if n, _ := m.value("ossappend_requests_total", map[string]string{"bucket": testBucket, "op": "AppendObject", "result": "ok"}); n != appends {
		t.Errorf("%v AppendObject requests counted ok, want %v", n, appends)
	}

	// A signal ends the linger, and pipe exits with the status of the run.
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	if res, err := http.Get(addr); err == nil {
		res.Body.Close()
		t.Errorf("/metrics still served after pipe exited")
	}
}

// TestPipeMetricsAddrRefused: a malformed --metrics-addr is a usage
// error, one that cannot be listened on a failure, each said in one line
// before anything is read or stored.
func TestPipeMetricsAddrRefused(t *testing.T) {
	srv := newTestServer(t)
	for _, addr := range []string{"9464", "127.0.0.1:http", "127.0.0.1:65536"} {
		r := runBin(t, srv.env(), "x\n", srv.args("pipe", "--metrics-addr", addr, url("refused.log"))...)
		checkFailure(t, r, exitUsage, "--metrics-addr", "want HOST:PORT or :PORT")
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	r := runBin(t, srv.env(), "x\n", srv.args("pipe", "--metrics-addr", busy.Addr().String(), url("refused.log"))...)
	checkFailure(t, r, exitFailure, "--metrics-addr "+busy.Addr().String()+": cannot listen", "address already in use")
	if _, ok := srv.Object(testBucket, "refused.log"); ok {
		t.Error("pipe stored its input though it could not serve its metrics")
	}
}

// TestPipeMetricsPickedPortSaid: with port 0, pipe says where it serves
// even with -q, which leaves out every other line of level info; with a
// port given, -q leaves that line out too.
func TestPipeMetricsPickedPortSaid(t *testing.T) {
	srv := newTestServer(t)
	r := mustRunBin(t, srv.env(), "x\n", srv.args("pipe", "-q", "--metrics-addr", "127.0.0.1:0", url("said.log"))...)
	if !regexp.MustCompile(`^ossappend: serving metrics at http://127\.0\.0\.1:[1-9][0-9]*/metrics\n$`).MatchString(r.stderr) {
		t.Errorf("pipe -q --metrics-addr 127.0.0.1:0 printed %q, want where it serves alone", r.stderr)
	}
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	if r := runBin(t, srv.env(), "x\n", srv.args("pipe", "-q", "--metrics-addr", addr, url("said.log"))...); r.code != 0 && !strings.Contains(r.stderr, "address already in use") || r.code == 0 && r.stderr != "" {
		t.Errorf("pipe -q --metrics-addr %s: %v", addr, r)
	}
}
