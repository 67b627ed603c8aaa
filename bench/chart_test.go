package bench

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLatencyChartIsAPNG draws a chart of made-up results and decodes it.
func TestLatencyChartIsAPNG(t *testing.T) {
	var rs []NetResult
	for _, peer := range []string{"ossappend", "AppendOnlyFile (one append per line)"} {
		for i, lat := range []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond} {
			lines := int64(500_000 / (i + 1))
			if peer != "ossappend" {
				lines /= 1000
			}
			rs = append(rs, NetResult{Peer: peer, Latency: lat, Lines: lines, Elapsed: time.Second})
		}
	}
	path := filepath.Join(t.TempDir(), "latency.png")
	if err := LatencyChart(rs, "test", path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 300 {
		t.Errorf("chart is %v, too small to read", b)
	}
}
