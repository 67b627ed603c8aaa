//go:build !(aix || darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris || windows) && !race

package ossappend

import "errors"

const regionOffHeap = false

// mapRegion fails where the system's anonymous memory is not at hand: a
// region on the heap would hold the whole budget from the first frame.
// The budget's buffers come from the heap, one at a time, instead.
func mapRegion(int) ([]byte, error) {
	return nil, errors.ErrUnsupported
}

func unmapRegion([]byte) {}
