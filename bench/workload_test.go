package bench

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestWorkloadLines(t *testing.T) {
	a, b := NewWorkload(DefaultSeed).Text(1<<20), NewWorkload(DefaultSeed).Text(1<<20)
	if !bytes.Equal(a, b) {
		t.Fatal("the workload is not deterministic")
	}
	if len(a) != 1<<20 {
		t.Fatalf("Text gave %d bytes, want %d", len(a), 1<<20)
	}
	lines := bytes.Split(a[:bytes.LastIndexByte(a, '\n')], []byte("\n"))
	var total, short, long int
	for i, l := range lines {
		if !json.Valid(l) {
			t.Fatalf("line %d is not JSON: %s", i, l)
		}
		total += len(l) + 1
		if len(l) < 140 {
			short++
		}
		if len(l) > 260 {
			long++
		}
	}
	mean := total / len(lines)
	t.Logf("%d lines, mean %d bytes, %d under 140, %d over 260", len(lines), mean, short, long)
	if mean < 150 || mean > 250 {
		t.Errorf("mean line length %d, want 150 to 250", mean)
	}
	if short+long > len(lines)/20 {
		t.Errorf("%d of %d lines outside 140-260 bytes", short+long, len(lines))
	}
}
