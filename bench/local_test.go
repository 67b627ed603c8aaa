package bench

import (
	"runtime"
	"testing"
)

// TestLocal runs scenario 6's measurement on a small volume: both commands
// succeed, the bytes come back whole, and the peak RSS is measured (on
// Linux at least).
func TestLocal(t *testing.T) {
	cmds, err := BuildCommands(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	block := NewWorkload(DefaultSeed).Text(1 << 20)
	block = block[:lastLine(block)]
	rs, err := Local(cmds, block, 5<<20+123)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Command != "pipe" || rs[1].Command != "cat" {
		t.Fatalf("results %+v", rs)
	}
	for _, r := range rs {
		if r.Bytes != 5<<20+123 || r.Elapsed <= 0 || runtime.GOOS == "linux" && r.PeakRSS <= 0 {
			t.Errorf("%+v", r)
		}
	}
}
