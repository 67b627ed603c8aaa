package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// A Table is one scenario's results, printed as markdown.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	Notes  []string // printed under the table
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// Markdown writes the table as a titled GitHub-flavoured markdown table
// with its notes below.
func (t *Table) Markdown(w io.Writer) {
	fmt.Fprintf(w, "### %s\n\n", t.Title)
	row := func(cells []string) {
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	row(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
		if i > 0 {
			sep[i] = "---:"
		}
	}
	row(sep)
	for _, r := range t.Rows {
		row(r)
	}
	fmt.Fprintln(w)
	for _, n := range t.Notes {
		fmt.Fprintf(w, "%s\n", n)
	}
	if len(t.Notes) > 0 {
		fmt.Fprintln(w)
	}
}

// A Target is one of the targets, checked.
type Target struct {
	Scenario string
	Goal     string  // "ours ≤ zap's ns/op, 1 goroutine"
	Value    float64 // measured
	Limit    float64
	AtMost   bool // Value must be ≤ Limit; else ≥
	Unit     string
}

// Met says whether the measured value meets the target.
func (t Target) Met() bool {
	if t.AtMost {
		return t.Value <= t.Limit
	}
	return t.Value >= t.Limit
}

// TargetTable lists the targets, met or missed.
func TargetTable(ts []Target) *Table {
	t := &Table{Title: "Targets", Header: []string{"scenario", "target", "measured", "met"}}
	for _, g := range ts {
		op := "≥"
		if g.AtMost {
			op = "≤"
		}
		met := "yes"
		if !g.Met() {
			met = "**no**"
		}
		value := num(g.Value)
		if g.Value < 10 {
			value = fmt.Sprintf("%.3f", g.Value) // enough digits to tell a near miss
		}
		t.Add(g.Scenario, fmt.Sprintf("%s %s %s%s", g.Goal, op, num(g.Limit), g.Unit), value+g.Unit, met)
	}
	return t
}

// num formats a figure with three significant digits, or as an integer
// with thousands separators from 1000 up.
func num(v float64) string {
	switch {
	case v >= 1000 || v <= -1000:
		return thousands(int64(v + 0.5))
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	case v == 0:
		return "0"
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

// thousands writes n with a thin separator every three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var parts []string
	for len(s) > 3 {
		parts = append(parts, s[len(s)-3:])
		s = s[:len(s)-3]
	}
	parts = append(parts, s)
	slices.Reverse(parts)
	out := strings.Join(parts, ",")
	if neg {
		out = "-" + out
	}
	return out
}

// ratio formats ours ÷ peer.
func ratio(ours, peer float64) string {
	if peer == 0 {
		return "–"
	}
	return num(ours/peer) + "×"
}

// mib formats a byte count in MiB.
func mib(n float64) string { return num(n/(1<<20)) + " MiB" }

// kib formats a number of bytes in KiB.
func kib(n float64) string { return num(n/(1<<10)) + " KiB" }

// median is the median of xs (the mean of the middle two for an even
// count); it does not reorder xs.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
