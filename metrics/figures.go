package metrics

import (
	"time"

	"github.com/ossappend/ossappend"
	"github.com/prometheus/client_golang/prometheus"
)

// The labels of a writer's figures, in the order of labelValues.
var writerLabels = []string{"bucket", "key", "codec"}

// A counter is one of a writer's counters in Stats, as a Prometheus
// counter: the sum over the writers of a series, those closed within the
// retention included.
type counter struct {
	desc  *prometheus.Desc
	value func(s *ossappend.Stats) int64
}

// A gauge is one of a writer's figures of the moment, as a Prometheus
// gauge: over the open writers of a series, summed or the largest.
type gauge struct {
	desc  *prometheus.Desc
	value func(s *ossappend.Stats, now time.Time) float64
	sum   bool // sum over the writers; else the largest
}

func newDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, writerLabels, nil)
}

// counters are the counters of Stats, in the order of a series' retired
// totals.
var counters = []counter{
	{newDesc("ossappend_accepted_bytes_total", "Bytes accepted by Write, WriteString and ReadFrom (Stats.BytesWritten)."),
		func(s *ossappend.Stats) int64 { return s.BytesWritten }},
	{newDesc("ossappend_stored_bytes_total", "Accepted bytes whose frames OSS has stored (Stats.BytesStored)."),
		func(s *ossappend.Stats) int64 { return s.BytesStored }},
	{newDesc("ossappend_appended_bytes_total", "Bytes appended to OSS objects: the stored bytes after compression (Stats.BytesAppended)."),
		func(s *ossappend.Stats) int64 { return s.BytesAppended }},
	{newDesc("ossappend_dropped_bytes_total", "Bytes a non-blocking writer refused because its buffers were full (Stats.DroppedBytes)."),
		func(s *ossappend.Stats) int64 { return s.DroppedBytes }},
	{newDesc("ossappend_frames_total", "Frames queued for appending (Stats.Frames)."),
		func(s *ossappend.Stats) int64 { return s.Frames }},
	{newDesc("ossappend_stored_frames_total", "Frames OSS has stored (Stats.FramesStored)."),
		func(s *ossappend.Stats) int64 { return s.FramesStored }},
	{newDesc("ossappend_appends_total", "AppendObject requests, retries included (Stats.Appends)."),
		func(s *ossappend.Stats) int64 { return s.Appends }},
	{newDesc("ossappend_retries_total", "Requests repeated after a failure (Stats.Retries)."),
		func(s *ossappend.Stats) int64 { return s.Retries }},
	{newDesc("ossappend_reconciliations_total", "Failures whose outcome was settled with HeadObject before anything was sent again (Stats.Reconciled)."),
		func(s *ossappend.Stats) int64 { return s.Reconciled }},
	{newDesc("ossappend_recovered_appends_total", "Failed appends found already stored, whose response was lost (Stats.Recovered)."),
		func(s *ossappend.Stats) int64 { return s.Recovered }},
	{newDesc("ossappend_conflicts_total", "Times an object turned out to hold bytes that are not the writer's (Stats.Conflicts)."),
		func(s *ossappend.Stats) int64 { return s.Conflicts }},
	{newDesc("ossappend_rotations_total", "Moves to a new key, for size or after a conflict (Stats.Rotations)."),
		func(s *ossappend.Stats) int64 { return s.Rotations }},
	{newDesc("ossappend_rolls_total", "Moves to the key of a new period of a key layout (Stats.Rolls)."),
		func(s *ossappend.Stats) int64 { return s.Rolls }},
	{newDesc("ossappend_budget_waits_total", "Times a Write waited for the shared memory budget (Stats.BudgetWaits)."),
		func(s *ossappend.Stats) int64 { return s.BudgetWaits }},
	{newDesc("ossappend_spool_recovered_frames_total", "Frames an earlier writer left in the spool that this one found and sent (Stats.SpoolRecovered)."),
		func(s *ossappend.Stats) int64 { return s.SpoolRecovered }},
	{newDesc("ossappend_spool_found_stored_frames_total", "Frames found in the spool whose append had landed, removed without sending (Stats.SpoolFoundStored)."),
		func(s *ossappend.Stats) int64 { return s.SpoolFoundStored }},
	{newDesc("ossappend_spool_damaged_files_total", "Damaged spool files set aside in the spool's quarantine folder (Stats.SpoolDamaged)."),
		func(s *ossappend.Stats) int64 { return s.SpoolDamaged }},
}

// gauges are the figures of the moment of Stats.
var gauges = []gauge{
	{newDesc("ossappend_pending_bytes", "Bytes accepted and not yet stored: in memory, in the spool or on their way (Stats.Pending)."),
		func(s *ossappend.Stats, _ time.Time) float64 { return float64(s.Pending) }, true},
	{newDesc("ossappend_spool_bytes", "Bytes the spool holds now: frames not yet stored and room for the frame being filled (Stats.SpooledBytes)."),
		func(s *ossappend.Stats, _ time.Time) float64 { return float64(s.SpooledBytes) }, true},
	{newDesc("ossappend_oldest_pending_age_seconds", "Age of the oldest accepted byte not yet stored, 0 when every byte is stored: the figure to alert on (Stats.OldestPending)."),
		func(s *ossappend.Stats, now time.Time) float64 { return since(s.OldestPending, now) }, false},
	{newDesc("ossappend_failing_seconds", "Seconds since the writer's requests began to fail, 0 while they succeed (Stats.FailingSince)."),
		func(s *ossappend.Stats, now time.Time) float64 { return since(s.FailingSince, now) }, false},
	{newDesc("ossappend_flush_interval_seconds", "Flush interval in effect, stretched while a request budget is short (Stats.FlushInterval)."),
		func(s *ossappend.Stats, _ time.Time) float64 { return s.FlushInterval.Seconds() }, false},
}

// openWriters is the number of open writers of a series.
var openWriters = newDesc("ossappend_open_writers", "Writers open with these labels: 0 once they are closed, until the series is dropped.")

// since is the seconds from t to now, 0 for the zero time or a t after
// now.
func since(t, now time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return max(now.Sub(t).Seconds(), 0)
}

// appendBuckets are the upper bounds, in seconds, of the buckets of the
// append latency histogram: from 1 ms, an append to a nearby region, to
// 60 s, a large append on a slow link.
var appendBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
