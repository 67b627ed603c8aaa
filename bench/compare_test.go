package bench

import (
	"bytes"
	"strings"
	"testing"
)

// TestCompareWithEarlierReport writes a report, reads it back as an
// earlier run and compares a later run's tables with it: rows match on
// their key columns, moved figures read "before → after", a column the
// earlier run lacked is left alone and a row it lacked is left out.
func TestCompareWithEarlierReport(t *testing.T) {
	old := &Report{Machine: ThisMachine(), Config: Config{Quick: true},
		Tables: []*Table{{Title: "1. Write hot path: 128-byte writes", Header: []string{"goroutines", "peer", "ns/op"},
			Rows: [][]string{{"1", "ours", "11.8"}, {"1", "zap", "13.9"}, {"8", "ours", "37.9"}}}},
		Targets: []Target{{Scenario: "1", Goal: "ours ÷ zap's ns/op", Value: 0.85, Limit: 1, AtMost: true, Unit: "×"}},
	}
	var md bytes.Buffer
	old.Markdown(&md)
	e, err := ParseReport("old.md", md.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(e.About) == 0 || !strings.HasPrefix(e.About[0], "- date:") {
		t.Errorf("machine lines %q", e.About)
	}
	now := []*Table{
		{Title: "1. Write hot path: 128-byte writes", Header: []string{"goroutines", "peer", "ns/op", "appends/frame"},
			Rows: [][]string{{"1", "ours", "12.9", "1.00"}, {"1", "zap", "13.9", "–"}, {"8", "theirs", "40.0", "–"}}},
		TargetTable([]Target{{Scenario: "1", Goal: "ours ÷ zap's ns/op", Value: 0.93, Limit: 1, AtMost: true, Unit: "×"}}),
		{Title: "6. Many writers", Header: []string{"writers"}, Rows: [][]string{{"2,000"}}},
	}
	got := e.Compare(now)
	if len(got) != 2 {
		t.Fatalf("%d tables compared, want 2 (the hot path and the targets)", len(got))
	}
	want := [][]string{{"1", "ours", "11.8 → 12.9", "1.00"}, {"1", "zap", "13.9", "–"}}
	if len(got[0].Rows) != len(want) {
		t.Fatalf("rows %q, want %q", got[0].Rows, want)
	}
	for i, r := range want {
		if strings.Join(got[0].Rows[i], "|") != strings.Join(r, "|") {
			t.Errorf("row %d: %q, want %q", i, got[0].Rows[i], r)
		}
	}
	if r := got[1].Rows; len(r) != 1 || r[0][2] != "0.850× → 0.930×" {
		t.Errorf("targets compared: %q", r)
	}
	if _, err := ParseReport("empty.md", []byte("# nothing\n")); err == nil {
		t.Error("a file without tables was accepted")
	}
}
