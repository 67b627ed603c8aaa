package bench

import (
	"fmt"
	"slices"
	"time"
)

// throttleLineEvery is how often each writer of scenario 9 logs a line.
const throttleLineEvery = 500 * time.Millisecond

// runThrottle is scenario 9: cfg.ThrottleWriters writers logging into a
// bucket that serves cfg.ThrottleLimit requests a second, sharing a
// RequestBudget above the limit (which must find it by the throttling
// answers), one below it, and none.
func runThrottle(cfg Config, rep *Report) error {
	n, limit := cfg.ThrottleWriters, cfg.ThrottleLimit
	rounds := int(cfg.ThrottleDuration / throttleLineEvery)
	block := NewWorkload(DefaultSeed).Text((rounds + 1) * 300)
	runs := []struct {
		name   string
		budget float64
	}{
		{fmt.Sprintf("%s/s, twice the limit", thousands(int64(2*limit))), float64(2 * limit)},
		{fmt.Sprintf("%s/s, 0.9× the limit", thousands(int64(limit*9/10))), float64(limit * 9 / 10)},
		{"none", 0},
	}
	t := &Table{
		Title: fmt.Sprintf("9. Request budget: %s writers into a bucket that serves %s requests/s", thousands(int64(n)), thousands(int64(limit))),
		Header: []string{"shared RequestBudget", "requests/s sent", "most in a second", "served/s", "throttled answers",
			"NewWriter failed", "writers failed after", "lines stored once", "oldest unstored byte, p50", "oldest unstored byte, max", "flush interval, longest", "budget's lowest rate"},
	}
	var res []ThrottleResult
	var others float64
	for _, run := range runs {
		r, err := Throttle(block, ThrottleConfig{Writers: n, Limit: limit, Budget: run.budget, Duration: cfg.ThrottleDuration, LineEvery: throttleLineEvery})
		if err != nil {
			return fmt.Errorf("budget %v: %w", run.budget, err)
		}
		cfg.logf("  budget %s: sent %.0f/s, served %.0f/s, %d throttled, %d+%d failed, oldest unstored byte %.1fs at most",
			run.name, r.Sent(), r.Served(), r.Throttled, r.FailedOpen, r.Failed, percentile(r.Ages, 1))
		res = append(res, r)
		others = max(others, r.Others)
		most := "–"
		if len(r.Seconds) > 0 {
			most = thousands(slices.Max(r.Seconds))
		}
		rate := "–"
		if run.budget > 0 {
			rate = num(r.MinRate) + "/s"
		}
		t.Add(run.name, num(r.Sent()), most, num(r.Served()),
			fmt.Sprintf("%s (%.1f %%)", thousands(r.Throttled), 100*float64(r.Throttled)/float64(max(r.Requests, 1))),
			thousands(int64(r.FailedOpen)), thousands(int64(r.Failed)), thousands(r.Lines),
			seconds(percentile(r.Ages, 0.5)), seconds(percentile(r.Ages, 1)), seconds(r.Interval.Seconds()), rate)
	}
	t.Notes = []string{
		fmt.Sprintf("An osstest server of its own answers 503 SlowDown (EC 0004-00000302) to the requests past %s a second for the bucket, counted in whole seconds, as OSS does past its limits. One SDK client with its default transport; %s writers with default options (FlushInterval 1 s, no codec), each on its own key under one prefix, opened 64 at a time; then each logs a line of the workload every %v for %v, and all are closed. Requests are the server's counts, throttled ones included, from when every writer was open to the last Close (logging and closing, %s); \"most in a second\" is the most the server got in one second of that. The age of the oldest byte not yet stored is the largest of every writer's (now − Stats.OldestPending), read every %v; the flush interval the longest Stats.FlushInterval read. Every object is decoded and must hold its writer's lines once, in order, or the scenario fails; a writer that failed is counted instead.", thousands(int64(limit)), thousands(int64(n)), throttleLineEvery, cfg.ThrottleDuration, runTimes(res), throttleSample),
		fmt.Sprintf("A RequestBudget halves its rate on a throttling answer (at most once a second) and adds a tenth of its limit back every second without one; while its rate is below what the writers ask, each writer's flush interval becomes at least writers ÷ rate, so that frames grow instead of requests multiplying. A budget above the server's limit finds the limit by the throttling answers; one below it never meets them. Without one, each writer sends an append a second (%s a second in all), and each throttled append adds a HeadObject. NewWriter's requests (a ListObjectsV2, and a HeadObject) are not retried on a throttling answer: the writers it refuses are the \"NewWriter failed\" column.", thousands(int64(n))),
		fmt.Sprintf("Other work took up to %.2f cores during the runs.", others),
	}
	rep.Tables = append(rep.Tables, t)

	above, below := res[0], res[1]
	rep.Targets = append(rep.Targets,
		Target{Scenario: "9", Goal: fmt.Sprintf("budget twice the limit: requests/s sent over the run (limit %s)", thousands(int64(limit))), Value: above.Sent(), Limit: float64(limit), AtMost: true},
		Target{Scenario: "9", Goal: "budget twice the limit: writers failed once open", Value: float64(above.Failed), Limit: 0, AtMost: true},
		Target{Scenario: "9", Goal: "budget twice the limit: NewWriter failed", Value: float64(above.FailedOpen), Limit: 0, AtMost: true},
		Target{Scenario: "9", Goal: "budget 0.9× the limit: writers failed, NewWriter included", Value: float64(below.Failed + below.FailedOpen), Limit: 0, AtMost: true},
	)
	return nil
}

// seconds formats a duration in seconds.
func seconds(s float64) string { return num(s) + " s" }

// runTimes lists the runs' durations.
func runTimes(res []ThrottleResult) string {
	var s string
	for i, r := range res {
		if i > 0 {
			s += ", "
		}
		s += r.Run.Round(100 * time.Millisecond).String()
	}
	return s
}
