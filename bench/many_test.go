package bench

import (
	"testing"

	"github.com/ossappend/ossappend/compress"
)

// TestManyWritersStoreEveryLine runs scenario 6 small, with and without a
// budget, and checks (inside ManyWriters) every object; it also checks the
// figures are there.
func TestManyWritersStoreEveryLine(t *testing.T) {
	block := NewWorkload(DefaultSeed).Text(1 << 20)
	for _, cfg := range []ManyConfig{
		{Writers: 50, Lines: 3, Codec: compress.None()},
		{Writers: 50, Lines: 3, Codec: compress.Zstd(compress.DefaultZstdLevel), Busy: 5, BusyBytes: 512 << 10, Budget: 8 << 20},
	} {
		r, err := ManyWriters(block, cfg)
		if err != nil {
			t.Fatalf("%s, budget %d: %v", cfg.Codec.Name(), cfg.Budget, err)
		}
		if want := int64(cfg.Writers * cfg.Lines); r.Lines < want || (cfg.Busy > 0 && r.Lines == want) {
			t.Errorf("%s: %d lines checked, want %d and the busy writers' more", cfg.Codec.Name(), r.Lines, want)
		}
		if r.Goroutines < cfg.Writers {
			t.Errorf("%s: %d goroutines counted for %d writers, each of which has its append loop", cfg.Codec.Name(), r.Goroutines, cfg.Writers)
		}
		if r.Counts.Frames < int64(cfg.Writers) || r.PeakHeap == 0 {
			t.Errorf("%s: counts %+v, peak heap %d", cfg.Codec.Name(), r.Counts, r.PeakHeap)
		}
		t.Logf("%s budget %d: peak %.1f MiB, flushed %.1f MiB, %d goroutines, %v, %d budget waits",
			cfg.Codec.Name(), cfg.Budget, float64(r.PeakHeap)/(1<<20), float64(r.FlushedHeap)/(1<<20), r.Goroutines, r.Counts, r.BudgetWaits)
	}
}
