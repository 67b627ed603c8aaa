package bench

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestHeapBaselineExcludesPooledGarbage: a buffer dropped into a sync.Pool
// outlives one GC in the pool's victim cache; the baseline must not count
// it, or the heap falls below the baseline once it is freed, and every
// figure above the baseline comes out that much too low.
func TestHeapBaselineExcludesPooledGarbage(t *testing.T) {
	var p sync.Pool
	buf := make([]byte, 64<<20)
	p.Put(&buf)
	h := startHeapSampler(time.Hour)
	h.Stop()
	runtime.GC()
	runtime.GC()
	if now := readHeap(); now+32<<20 < h.base {
		t.Errorf("heap %d MiB after two more GCs, %d MiB below the baseline: the baseline counted a pooled buffer", now>>20, (h.base-now)>>20)
	}
	runtime.KeepAlive(&p)
}
