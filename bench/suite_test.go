package bench

import (
	"bytes"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// tinyConfig runs every scenario in a few seconds: for the tests, not for
// numbers.
func tinyConfig() Config {
	return Config{
		Quick:            true,
		Reps:             1,
		BenchTime:        10 * time.Millisecond,
		NetDuration:      80 * time.Millisecond,
		Latencies:        []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond},
		BulkSize:         5 << 20,
		BulkLatencies:    []time.Duration{20 * time.Millisecond, 50 * time.Millisecond},
		MemVolumes:       []int64{32 << 20},
		FrameText:        4 << 20,
		LocalSize:        8 << 20,
		ManyWriters:      100,
		ManyBusyBytes:    256 << 10,
		SpoolSize:        8 << 20,
		ThrottleWriters:  40,
		ThrottleLimit:    200,
		ThrottleDuration: 500 * time.Millisecond,
		Progress:         io.Discard,
	}
}

// TestSuitePrintsEveryTable runs the whole suite small and checks the
// report has every scenario's table and the targets.
func TestSuitePrintsEveryTable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every scenario")
	}
	rep, err := Run(tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	rep.Markdown(&md)
	for _, title := range []string{"### 1.", "### 2.", "### 3a.", "### 3b.", "### 4.", "### 5.", "### 6.", "### 6b.", "### 7.", "### 8.", "### 9.", "### Targets", "- CPU:"} {
		if !strings.Contains(md.String(), title) {
			t.Errorf("the report lacks %q", title)
		}
	}
	// Scenario 6's two targets are there where the system tells a
	// process's peak memory, which Linux does.
	// Scenario 6b's targets against zstd -T0 are there where zstd is
	// installed.
	want := []int{40, 38}
	if runtime.GOOS != "linux" {
		want = append(want, 38, 36)
	}
	if !slices.Contains(want, len(rep.Targets)) {
		t.Errorf("%d targets checked, want %v", len(rep.Targets), want)
	}
	if len(rep.Net) != 3*len(NetPeers()) {
		t.Errorf("%d runs for the chart, want %d", len(rep.Net), 3*len(NetPeers()))
	}
	if testing.Verbose() {
		t.Log("\n" + md.String())
	}
}

// TestMemoryStaysBounded streams a small volume both ways and checks the
// peak against the bound.
func TestMemoryStaysBounded(t *testing.T) {
	block := NewWorkload(DefaultSeed).Text(1 << 20)
	block = block[:lastLine(block)]
	for _, useCopy := range []bool{false, true} {
		r, err := Memory(block, 48<<20, useCopy)
		if err != nil {
			t.Fatal(err)
		}
		if r.Peak > r.Bound {
			t.Errorf("%s: peak %d bytes over the bound %d", r.Path, r.Peak, r.Bound)
		}
	}
	// With a spool and slow appends, frames wait on disk and go out from
	// the spool's maps and files, not the heap.
	r, err := MemorySpooled(block, 48<<20, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Peak > r.Bound {
		t.Errorf("%s: peak %d bytes over the bound %d", r.Path, r.Peak, r.Bound)
	}
}

// TestFrameRunRoundTrips compresses with every codec of scenario 5 (the
// frames are decoded and compared inside FrameRun).
func TestFrameRunRoundTrips(t *testing.T) {
	text := NewWorkload(DefaultSeed).Text(2 << 20)
	for _, c := range FrameCodecs() {
		r, err := FrameRun(c, 256<<10, text)
		if err != nil {
			t.Fatal(err)
		}
		if r.Ratio() < 2 {
			t.Errorf("%s: ratio %.2f on log text", c.Name, r.Ratio())
		}
	}
}

// TestNum checks the figures' formatting.
func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 0.4851: "0.485", 3.14159: "3.14", 42.42: "42.4", 512.6: "513", 1234567: "1,234,567"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median = %v", m)
	}
}
