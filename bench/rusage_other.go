//go:build !unix

package bench

// processCPU reports that this platform's process CPU time is not read:
// getrusage is a Unix call. The tables then say "n/a", and no run counts
// as shared with other work.
func processCPU() (seconds float64, ok bool) { return 0, false }
