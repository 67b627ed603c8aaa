package spool

import "testing"

// A recycled map is faulted in again from a page boundary (madvise refuses
// any other start, and touchPages would then store at unaligned
// addresses, which arm64 faults on), from the page where the last frame's
// bytes ended, and not at all when they reach as far as the next frame may
// fill.
func TestRefaultRange(t *testing.T) {
	const upTo = pageSize + 256<<10
	for _, n := range []int{0, 1, 1001, pageSize - 1, pageSize, pageSize + 1, 256<<10 - pageSize - 1, 256<<10 - 100, 256 << 10, 300 << 10} {
		lo, hi := refaultRange(n, upTo)
		if lo%pageSize != 0 {
			t.Errorf("n=%d: the range starts at %d, not on a page", n, lo)
		}
		if lo > pageSize+n || pageSize+n-lo >= pageSize {
			t.Errorf("n=%d: the range starts at %d, not in the page where the data ends (%d)", n, lo, pageSize+n)
		}
		if pageSize+n < upTo && hi != upTo {
			t.Errorf("n=%d: the range ends at %d, not %d", n, hi, upTo)
		}
		if lo < hi {
			_ = make([]byte, upTo)[lo:hi] // a range prepareFile can slice
		}
	}
}
