//go:build unix

package bench

import (
	"syscall"
	"time"
)

// processCPU is the user and system seconds this process has used so far,
// from getrusage(RUSAGE_SELF).
func processCPU() (seconds float64, ok bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds(), true
}
