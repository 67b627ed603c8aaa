//go:build race

package compress_test

// raceEnabled: the race detector makes sync.Pool drop entries on purpose,
// so allocation counts mean nothing under it.
const raceEnabled = true
