package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs a small demo end to end, then reads its objects with
// --local cat.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := mustRunBin(t, cleanEnv(), "", "demo", "--lines", "5000", "--dir", dir)
	m := regexp.MustCompile(`data +(oss://demo/logs/run-\d+/), kept in (.*)\n`).FindStringSubmatch(r.stdout)
	if m == nil || m[2] != dir {
		t.Fatalf("the report does not name the run's prefix and %s:\n%s", dir, r.stdout)
	}
	series := m[1]
	for _, want := range []string{
		"verified    5,000 lines", "accepted", "stored", "compression ratio (zstd)",
		"appends", "latency p50", "p99", "throughput", "lines/s",
		" from " + series + "dt=", "--local " + dir + " cat " + series,
		"to " + series + "dt=%Y-%m-%d/hour=%H/{host}.log.zst",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report does not say %q:\n%s", want, r.stdout)
		}
	}
	cat := mustRunBin(t, cleanEnv(), "", "--local", dir, "cat", series)
	if n := strings.Count(cat.stdout, "\n"); n != 5000 {
		t.Errorf("cat printed %d lines of the demo's object, want 5000", n)
	}

	// A second run in the same directory starts afresh and passes again.
	mustRunBin(t, cleanEnv(), "", "demo", "--lines", "300", "--workers", "3", "--compress", "gzip", "--dir", dir)
}
