package metrics

import (
	"sync"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultRetention is how long a series stays after the last writer of its
// labels closes, unless WithRetention says otherwise: longer than the
// scrape intervals in use (15 s to a minute) and Prometheus's lookback of
// 5 minutes, so that a scrape sees the last figures of a writer that lived
// a few seconds.
const DefaultRetention = 5 * time.Minute

// A Collector exposes the figures of every open writer that has it as
// Observer as Prometheus metrics. It is an ossappend.Observer and a
// prometheus.Collector:
//
//	m := metrics.New()
//	prometheus.MustRegister(m)
//	w, err := ossappend.NewWriter(ctx, client, bucket, key, ossappend.WithObserver(m))
//
// A writer counts from when it opens to when it closes. On each scrape the
// Collector reads the Stats of every open writer. Writers are labelled by
// bucket, key (the key or layout given to NewWriter) and codec; writers
// with the same labels, one after the other or at once, make one series:
// their counters add up, and of their figures of the moment the bytes add
// up and the ages and the flush interval are the largest.
//
// When a writer closes, its counters stay in its series, so that a
// counter never goes down while its series lives. The series' gauges go
// (ossappend_open_writers reads 0) once no writer of its labels is open,
// and the series itself DefaultRetention later (see WithRetention): a new
// writer with the same labels before then counts on from the closed ones';
// one after starts a new series from 0, as a restarted process does.
// Close every writer: one that is never closed stays in the Collector.
//
// Requests are counted by bucket, operation and result, and appends timed
// by bucket, not by key: a histogram is 18 series, too many for each of
// thousands of writers.
//
// A Collector is safe for concurrent use. A scrape holds it for as long as
// it takes to read the open writers' Stats, which take no lock a request
// holds; NewWriter and Close wait that long at most.
type Collector struct {
	clock     ossappend.Clock
	retention time.Duration
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec

	mu      sync.Mutex
	writers map[*ossappend.Writer]*series
	series  map[labels]*series
}

// labels are a series' label values: bucket, key and codec.
type labels [3]string

// A series is the writers of one set of labels.
type series struct {
	labels  labels
	open    map[*ossappend.Writer]struct{}
	retired []int64   // the counters of its closed writers, in the order of counters
	created time.Time // when its first writer opened
	closed  time.Time // when its last writer closed; zero while one is open
}

// An Option configures a Collector.
type Option func(*Collector)

// WithRetention sets how long a series stays after the last writer of its
// labels closes (default DefaultRetention). Zero or less drops it at once,
// which a scrape between the writer's last figures and its close may not
// see.
func WithRetention(d time.Duration) Option { return func(c *Collector) { c.retention = d } }

// WithClock sets the clock the Collector tells ages and retention by
// (default: the system clock). Give it the writers' clock if they have one
// of their own (ossappend.WithClock): Stats.OldestPending is by their
// clock.
func WithClock(clock ossappend.Clock) Option { return func(c *Collector) { c.clock = clock } }

// New returns a Collector with no writers yet.
func New(opts ...Option) *Collector {
	c := &Collector{
		retention: DefaultRetention,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ossappend_requests_total",
			Help: "Requests the writers made to OSS, by bucket, operation (as the SDK names it) and result (ok or error).",
		}, []string{"bucket", "op", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ossappend_append_duration_seconds",
			Help:    "Duration of the writers' AppendObject requests, failed ones included, by bucket.",
			Buckets: appendBuckets,
		}, []string{"bucket"}),
		writers: map[*ossappend.Writer]*series{},
		series:  map[labels]*series{},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// now is the time by the Collector's clock.
func (c *Collector) now() time.Time {
	if c.clock != nil {
		return c.clock.Now()
	}
	return time.Now()
}

// Opened counts w in from now on. It is called by NewWriter.
func (c *Collector) Opened(w *ossappend.Writer) {
	info := w.Info()
	l := labels{info.Bucket, info.Key, info.Codec}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.writers[w]; ok {
		return
	}
	c.pruneLocked(now)
	s := c.series[l]
	if s == nil {
		s = &series{labels: l, open: map[*ossappend.Writer]struct{}{}, retired: make([]int64, len(counters)), created: now}
		c.series[l] = s
	}
	s.open[w] = struct{}{}
	s.closed = time.Time{}
	c.writers[w] = s
}

// Closed keeps w's counters in its series and stops reading w. It is
// called by Close and Shutdown.
func (c *Collector) Closed(w *ossappend.Writer) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.writers[w]
	if s == nil {
		return
	}
	st := w.Stats()
	for i, f := range counters {
		s.retired[i] += f.value(&st)
	}
	delete(s.open, w)
	delete(c.writers, w)
	if len(s.open) == 0 {
		s.closed = now
	}
	c.pruneLocked(now)
}

// Requested counts r and times it if it is an append. It is called by the
// writers after each request.
func (c *Collector) Requested(w *ossappend.Writer, r ossappend.Request) {
	bucket := w.Info().Bucket
	result := "ok"
	if r.Err != nil {
		result = "error"
	}
	c.requests.WithLabelValues(bucket, r.Op, result).Inc()
	if r.Op == "AppendObject" {
		c.latency.WithLabelValues(bucket).Observe(r.Duration.Seconds())
	}
}

// pruneLocked drops the series whose writers all closed a retention ago.
func (c *Collector) pruneLocked(now time.Time) {
	for l, s := range c.series {
		if len(s.open) == 0 && !now.Before(s.closed.Add(c.retention)) {
			delete(c.series, l)
		}
	}
}

// Describe sends the descriptors of every metric the Collector makes.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range counters {
		ch <- f.desc
	}
	for _, g := range gauges {
		ch <- g.desc
	}
	ch <- openWriters
	c.requests.Describe(ch)
	c.latency.Describe(ch)
}

// Collect reads the Stats of every open writer and sends their figures,
// series by series, and the request counts and latencies.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.gather() {
		ch <- m
	}
	c.requests.Collect(ch)
	c.latency.Collect(ch)
}

// gather makes the metrics of every series under the lock, to send them
// after: a writer that closes meanwhile moves its counters from the open
// writers to the retired totals at once, never counted twice or not at
// all.
func (c *Collector) gather() []prometheus.Metric {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pruneLocked(now)
	var out []prometheus.Metric
	totals := make([]int64, len(counters))
	values := make([]float64, len(gauges))
	for _, s := range c.series {
		copy(totals, s.retired)
		clear(values)
		for w := range s.open {
			st := w.Stats()
			for i, f := range counters {
				totals[i] += f.value(&st)
			}
			for i, g := range gauges {
				if v := g.value(&st, now); g.sum {
					values[i] += v
				} else {
					values[i] = max(values[i], v)
				}
			}
		}
		lv := s.labels[:]
		for i, f := range counters {
			out = append(out, constMetric(f.desc, prometheus.CounterValue, float64(totals[i]), s.created, lv))
		}
		if len(s.open) > 0 {
			for i, g := range gauges {
				out = append(out, constMetric(g.desc, prometheus.GaugeValue, values[i], time.Time{}, lv))
			}
		}
		out = append(out, constMetric(openWriters, prometheus.GaugeValue, float64(len(s.open)), time.Time{}, lv))
	}
	return out
}

// constMetric is a metric of a series, with the time its counters started
// from if created is not zero, or the reason it cannot be made.
func constMetric(d *prometheus.Desc, t prometheus.ValueType, v float64, created time.Time, lv []string) prometheus.Metric {
	var m prometheus.Metric
	var err error
	if created.IsZero() {
		m, err = prometheus.NewConstMetric(d, t, v, lv...)
	} else {
		m, err = prometheus.NewConstMetricWithCreatedTimestamp(d, t, v, created, lv...)
	}
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	return m
}
