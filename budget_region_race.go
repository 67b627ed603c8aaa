//go:build race

package ossappend

import "errors"

// With the race detector, which does not watch memory outside the Go
// heap, a budget's region is on the heap, so that it sees the frames'
// buffers as it would any other.
const regionOffHeap = false

// maxRaceRegion is the largest region made on the heap: a larger budget's
// buffers come from the heap one at a time, as where mapRegion fails.
const maxRaceRegion = 1 << 30

func mapRegion(n int) ([]byte, error) {
	if n > maxRaceRegion {
		return nil, errors.ErrUnsupported
	}
	return make([]byte, max(n, 1)), nil
}

func unmapRegion([]byte) {}
