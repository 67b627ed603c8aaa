//go:build (aix || darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris) && !race

package ossappend

import "syscall"

// regionOffHeap says that a budget's region is memory outside the Go heap.
const regionOffHeap = true

// mapRegion takes n bytes of anonymous memory from the system, outside the
// Go heap: zero, and resident only once written.
func mapRegion(n int) ([]byte, error) {
	return syscall.Mmap(-1, 0, max(n, 1), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
}

// unmapRegion gives a region back to the system.
func unmapRegion(b []byte) { syscall.Munmap(b) }
