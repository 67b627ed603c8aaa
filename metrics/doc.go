// Package metrics exposes the figures of ossappend writers as Prometheus
// metrics. It is a module of its own, so that the ossappend module does
// not depend on the Prometheus client.
//
// A Collector is both the writers' ossappend.Observer and a
// prometheus.Collector: register it, give it to each writer with
// ossappend.WithObserver, and every open writer's Stats are read on each
// scrape:
//
//	m := metrics.New()
//	prometheus.MustRegister(m)
//	http.Handle("/metrics", promhttp.Handler())
//	w, err := ossappend.NewWriter(ctx, client, "logs", "app/app.log.zst",
//		ossappend.WithCodec(compress.Zstd(compress.DefaultZstdLevel)),
//		ossappend.WithObserver(m))
//
// The metrics, each labelled bucket, key (the key or layout given to
// NewWriter) and codec, are counters of Stats (the field in brackets):
//
//	ossappend_accepted_bytes_total             bytes accepted by Write (BytesWritten)
//	ossappend_stored_bytes_total               of those, bytes OSS stored (BytesStored)
//	ossappend_appended_bytes_total             bytes appended, after compression (BytesAppended)
//	ossappend_dropped_bytes_total              bytes a non-blocking writer refused (DroppedBytes)
//	ossappend_frames_total                     frames queued (Frames)
//	ossappend_stored_frames_total              frames stored (FramesStored)
//	ossappend_appends_total                    AppendObject requests (Appends)
//	ossappend_retries_total                    requests repeated (Retries)
//	ossappend_reconciliations_total            failures settled with HeadObject (Reconciled)
//	ossappend_recovered_appends_total          of those, appends found stored (Recovered)
//	ossappend_conflicts_total                  objects found holding others' bytes (Conflicts)
//	ossappend_rotations_total                  moves to a new key (Rotations)
//	ossappend_rolls_total                      moves to a new period's key (Rolls)
//	ossappend_budget_waits_total               waits for the memory budget (BudgetWaits)
//	ossappend_spool_recovered_frames_total     frames found in the spool and sent (SpoolRecovered)
//	ossappend_spool_found_stored_frames_total  frames found in the spool already stored (SpoolFoundStored)
//	ossappend_spool_damaged_files_total        spool files set aside (SpoolDamaged)
//
// and gauges of the moment:
//
//	ossappend_pending_bytes                    bytes accepted, not yet stored (Pending)
//	ossappend_spool_bytes                      bytes the spool holds (SpooledBytes)
//	ossappend_oldest_pending_age_seconds       age of the oldest byte not yet stored (OldestPending)
//	ossappend_failing_seconds                  time since requests began to fail (FailingSince)
//	ossappend_flush_interval_seconds           flush interval in effect (FlushInterval)
//	ossappend_open_writers                     writers open with these labels
//
// ossappend_oldest_pending_age_seconds is the one to alert on: it grows
// while OSS is slow or unreachable, whatever the cause, and is 0 when
// everything accepted is stored. The requests are counted by bucket,
// operation and result, ok or error, in ossappend_requests_total, and
// the appends timed by bucket in the histogram
// ossappend_append_duration_seconds, from 1 ms to 60 s. The package's
// README has alerting rules.
//
// What becomes of a closed writer's series is in the documentation of
// Collector: its counters stay, so that none ever goes down, and the
// series goes DefaultRetention after the last writer of its labels closes.
package metrics
