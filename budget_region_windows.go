//go:build windows && !race

package ossappend

import (
	"os"
	"syscall"
	"unsafe"
)

// regionOffHeap says that a budget's region is memory outside the Go heap.
const regionOffHeap = true

// mapRegion takes n bytes of memory backed by the paging file, outside the
// Go heap: zero, and resident only once written.
func mapRegion(n int) ([]byte, error) {
	n = max(n, 1)
	h, err := syscall.CreateFileMapping(syscall.InvalidHandle, nil, syscall.PAGE_READWRITE,
		uint32(uint64(n)>>32), uint32(n), nil)
	if err != nil {
		return nil, os.NewSyscallError("CreateFileMapping", err)
	}
	defer syscall.CloseHandle(h) // the view keeps the memory
	addr, err := syscall.MapViewOfFile(h, syscall.FILE_MAP_WRITE, 0, 0, uintptr(n))
	if err != nil {
		return nil, os.NewSyscallError("MapViewOfFile", err)
	}
	// The view is not Go memory; reading the address through a pointer
	// keeps vet's check of uintptr conversions satisfied.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*byte)(p), n), nil
}

// unmapRegion gives a region back to the system.
func unmapRegion(b []byte) {
	syscall.UnmapViewOfFile(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}
