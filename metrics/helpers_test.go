package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/metrics"
	"github.com/ossappend/ossappend/osstest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

const bucket = "metrics-test"

// newServer starts an osstest server with the test bucket, closed when the
// test ends.
func newServer(t *testing.T, opts ...osstest.Option) *osstest.Server {
	t.Helper()
	srv := osstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	if err := srv.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	return srv
}

// newWriter opens a writer of key, closed when the test ends if the test
// has not closed it.
func newWriter(t *testing.T, c ossappend.Client, key string, opts ...ossappend.Option) *ossappend.Writer {
	t.Helper()
	w, err := ossappend.NewWriter(context.Background(), c, bucket, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// A scraper serves a Collector's metrics over HTTP, as an application
// does with promhttp, from a pedantic registry, which checks every metric
// against its description.
type scraper struct {
	url string
}

func newScraper(t *testing.T, c *metrics.Collector) *scraper {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	t.Cleanup(srv.Close)
	return &scraper{url: srv.URL}
}

// scrape gets the metrics in the text format and parses them with the
// Prometheus parser.
func (s *scraper) scrape() (scrape, error) {
	res, err := http.Get(s.url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &statusError{res.Status}
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		return nil, &statusError{"content type " + ct}
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	return p.TextToMetricFamilies(res.Body)
}

func (s *scraper) mustScrape(t *testing.T) scrape {
	t.Helper()
	m, err := s.scrape()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type statusError struct{ s string }

func (e *statusError) Error() string { return "scrape: " + e.s }

// A scrape is the metric families of one scrape, by name.
type scrape map[string]*dto.MetricFamily

// find returns the metric of family name whose labels include want, or
// nil.
func (s scrape) find(name string, want map[string]string) *dto.Metric {
	f := s[name]
	if f == nil {
		return nil
	}
	for _, m := range f.Metric {
		if hasLabels(m, want) {
			return m
		}
	}
	return nil
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, lp := range m.Label {
		if v, ok := want[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

// value returns the value of a counter or gauge, and whether it is there.
func (s scrape) value(name string, want map[string]string) (float64, bool) {
	m := s.find(name, want)
	switch {
	case m == nil:
		return 0, false
	case m.Counter != nil:
		return m.Counter.GetValue(), true
	case m.Gauge != nil:
		return m.Gauge.GetValue(), true
	}
	return 0, false
}

// writerLabels are the labels of a writer's series.
func writerLabels(w *ossappend.Writer) map[string]string {
	i := w.Info()
	return map[string]string{"bucket": i.Bucket, "key": i.Key, "codec": i.Codec}
}

// A fakeClock is a Clock that moves only when told, and then runs the
// calls that have come due.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c      *fakeClock
	at     time.Time
	f      func()
	active bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) ossappend.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f, active: true}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.at, t.active = t.c.now.Add(d), true
	return was
}

// Advance moves the clock on by d and runs the calls due by then.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	for _, t := range c.timers {
		if t.active && !t.at.After(c.now) {
			t.active = false
			due = append(due, t)
		}
	}
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}

// A heldClient is a client whose appends wait while it is held, or fail
// with 503 while it is failing, and otherwise go to the server.
type heldClient struct {
	ossappend.Client
	mu      sync.Mutex
	held    chan struct{} // closed to let the appends go; nil when not held
	failing bool
	calls   int
	called  chan int // told each append's number while it has room, if not nil
}

func (c *heldClient) hold() {
	c.mu.Lock()
	c.held = make(chan struct{})
	c.mu.Unlock()
}

func (c *heldClient) release() {
	c.mu.Lock()
	if c.held != nil {
		close(c.held)
		c.held = nil
	}
	c.failing = false
	c.mu.Unlock()
}

func (c *heldClient) fail() {
	c.mu.Lock()
	c.failing = true
	c.mu.Unlock()
}

func (c *heldClient) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, optFns ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	c.mu.Lock()
	held, failing := c.held, c.failing
	c.calls++
	n, called := c.calls, c.called
	c.mu.Unlock()
	if called != nil {
		select {
		case called <- n:
		default:
		}
	}
	if failing {
		return nil, &oss.ServiceError{StatusCode: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "the test's outage"}
	}
	if held != nil {
		select {
		case <-held:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return c.Client.AppendObject(ctx, req, optFns...)
}
