package main

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// recordWrites is an io.Writer that keeps each Write apart.
type recordWrites struct{ writes [][]byte }

func (r *recordWrites) Write(p []byte) (int, error) {
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

// TestLineWriterKeepsLinesWhole feeds lines of random lengths, some longer
// than max, in chunks of random sizes, and checks that no Write ends inside
// a line that fits in max bytes, that only a long line makes a Write longer
// than max, and that every byte is written once, in order.
func TestLineWriterKeepsLinesWhole(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 1))
		max := 1 + rng.IntN(64)
		var in strings.Builder
		for range rng.IntN(50) {
			in.WriteString(strings.Repeat("x", rng.IntN(2*max)) + "\n")
		}
		in.WriteString(strings.Repeat("y", rng.IntN(3))) // a partial last line, or none
		input := in.String()

		rec := &recordWrites{}
		lw := newLineWriter(rec, max)
		for rest := input; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(3*max))
			if k, err := lw.Write([]byte(rest[:n])); k != n || err != nil {
				t.Fatalf("Write = %d, %v", k, err)
			}
			rest = rest[n:]
		}
		if err := lw.Flush(); err != nil {
			t.Fatal(err)
		}
		checkWholeLines(t, seed, input, max, rec.writes)
	}
}

func checkWholeLines(t *testing.T, seed uint64, input string, max int, writes [][]byte) {
	t.Helper()
	if got := string(bytes.Join(writes, nil)); got != input {
		t.Fatalf("seed %d: wrote %q, want %q", seed, got, input)
	}
	// lineLen[i] is the length of the line that byte i belongs to,
	// newline included.
	lineLen := make([]int, len(input))
	for start := 0; start < len(input); {
		end := strings.IndexByte(input[start:], '\n') + 1
		if end == 0 {
			end = len(input) - start
		}
		for i := start; i < start+end; i++ {
			lineLen[i] = end
		}
		start += end
	}
	pos := 0
	for _, w := range writes {
		if len(w) == 0 {
			t.Fatalf("seed %d: an empty Write", seed)
		}
		pos += len(w)
		if pos < len(input) && input[pos-1] != '\n' && lineLen[pos-1] <= max {
			t.Fatalf("seed %d (max %d): a Write ends inside a line of %d bytes: %q", seed, max, lineLen[pos-1], w)
		}
		if len(w) > max && strings.Count(string(w[:len(w)-1]), "\n") > 0 {
			t.Fatalf("seed %d (max %d): a Write of %d bytes holds more than one line: %q", seed, max, len(w), w)
		}
	}
}

// TestLineWriterHoldsPartialLine: a line without its newline waits for
// it, or for Flush.
func TestLineWriterHoldsPartialLine(t *testing.T) {
	rec := &recordWrites{}
	lw := newLineWriter(rec, 100)
	lw.Write([]byte("one\ntw"))
	if p, _ := lw.pending(); len(rec.writes) != 1 || string(rec.writes[0]) != "one\n" || !p {
		t.Fatalf("writes %q, pending %v", rec.writes, p)
	}
	lw.Write([]byte("o\nthr"))
	if len(rec.writes) != 2 || string(rec.writes[1]) != "two\n" {
		t.Fatalf("writes %q", rec.writes)
	}
	lw.Flush()
	if p, n := lw.pending(); len(rec.writes) != 3 || string(rec.writes[2]) != "thr" || p || n != 2 {
		t.Fatalf("writes %q, pending %v, %d partial lines begun", rec.writes, p, n)
	}
}
