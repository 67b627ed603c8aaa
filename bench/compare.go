package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
)

// An earlier run's report, to show beside this run's figures: ossbench
// -before reads the markdown an earlier run wrote (of this version or an
// older one) and adds, after the targets, every table the two runs share
// with each figure that moved written "before → after".

// Earlier is the report of an earlier run, parsed from its markdown.
type Earlier struct {
	Name   string   // where it was read from
	About  []string // its machine lines ("- date: ...")
	Tables []*Table
}

// keyHeaders are the columns that name a row rather than measure it; rows
// of the two runs are matched on them.
var keyHeaders = []string{"scenario", "target", "goroutines", "peer", "latency", "path", "volume", "writers", "codec", "budget", "frame size", "step"}

// ParseReport reads the machine lines and the tables of an ossbench
// report: each "### title" line followed by a header row, a separator row
// and the rows, every row between pipes.
func ParseReport(name string, md []byte) (*Earlier, error) {
	e := &Earlier{Name: name}
	var t *Table
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "### "):
			t = &Table{Title: strings.TrimPrefix(line, "### ")}
			e.Tables = append(e.Tables, t)
		case strings.HasPrefix(line, "- ") && t == nil:
			e.About = append(e.About, line)
		case strings.HasPrefix(line, "|") && t != nil:
			cells := strings.Split(strings.Trim(line, "|"), " | ")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			switch {
			case t.Header == nil:
				t.Header = cells
			case strings.HasPrefix(cells[0], "---"):
			default:
				t.Rows = append(t.Rows, cells)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(e.Tables) == 0 {
		return nil, fmt.Errorf("%s holds no ossbench table", name)
	}
	return e, nil
}

// tableID is what matches a table across runs: its number ("1", "3a") or,
// without one, its title ("Targets").
func tableID(title string) string {
	if id, _, ok := strings.Cut(title, ". "); ok && len(id) <= 3 {
		return id
	}
	return title
}

// rowKey is the row's cells in its table's key columns.
func rowKey(header, row []string) string {
	var k []string
	for i, h := range header {
		if slices.Contains(keyHeaders, h) && i < len(row) {
			k = append(k, row[i])
		}
	}
	return strings.Join(k, "\x00")
}

// Compare returns, for each of tables that the earlier report has too,
// its rows that the earlier report has too (matched on the key columns),
// with each cell that differs written "before → after"; columns the
// earlier report lacks are left as they are.
func (e *Earlier) Compare(tables []*Table) []*Table {
	var out []*Table
	for _, t := range tables {
		i := slices.IndexFunc(e.Tables, func(o *Table) bool { return tableID(o.Title) == tableID(t.Title) })
		if i < 0 {
			continue
		}
		old := e.Tables[i]
		rows := map[string][]string{}
		for _, r := range old.Rows {
			rows[rowKey(old.Header, r)] = r
		}
		c := &Table{Title: t.Title + ": before → after", Header: t.Header}
		for _, r := range t.Rows {
			o, ok := rows[rowKey(t.Header, r)]
			if !ok {
				continue
			}
			cells := slices.Clone(r)
			for j, h := range t.Header {
				k := slices.Index(old.Header, h)
				if k < 0 || k >= len(o) || j >= len(cells) || o[k] == cells[j] {
					continue
				}
				cells[j] = o[k] + " → " + cells[j]
			}
			c.Add(cells...)
		}
		if len(c.Rows) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// markdown writes the comparison of tables with e.
func (e *Earlier) markdown(w io.Writer, tables []*Table) {
	fmt.Fprintf(w, "## Before → after: this run against %s\n\n", e.Name)
	fmt.Fprintf(w, "The earlier run:\n\n%s\n\nRows of both runs, each figure that moved written \"before → after\". Runs on a shared machine vary by 10 %% and more from one to the next; two runs of the same version show how much.\n\n", strings.Join(e.About, "\n"))
	for _, t := range e.Compare(tables) {
		t.Markdown(w)
	}
}
