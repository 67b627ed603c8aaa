//go:build windows

package spool

import (
	"errors"
	"os"
	"syscall"
	"unsafe"
)

const canMap = true

// allocate extends f to size bytes: SetEndOfFile allocates the clusters,
// so a full disk shows here and not as a fault in a store.
func allocate(f *os.File, size int64) (bool, error) {
	if err := f.Truncate(size); err != nil {
		return false, err
	}
	return true, nil
}

// mapping is a writable view of a whole file.
type mapping struct {
	b    []byte
	h    syscall.Handle
	addr uintptr
}

func mapFile(f *os.File, size int) (*mapping, error) {
	h, err := syscall.CreateFileMapping(syscall.Handle(f.Fd()), nil, syscall.PAGE_READWRITE,
		uint32(uint64(size)>>32), uint32(size), nil)
	if err != nil {
		return nil, os.NewSyscallError("CreateFileMapping", err)
	}
	addr, err := syscall.MapViewOfFile(h, syscall.FILE_MAP_WRITE, 0, 0, uintptr(size))
	if err != nil {
		syscall.CloseHandle(h)
		return nil, os.NewSyscallError("MapViewOfFile", err)
	}
	// The view is not Go memory; reading the address through a pointer
	// keeps vet's check of uintptr conversions satisfied.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return &mapping{b: unsafe.Slice((*byte)(p), size), h: h, addr: addr}, nil
}

// flush writes the view's dirty pages to the file; FlushFileBuffers (in
// datasync) then makes them durable.
func (m *mapping) flush() error {
	return os.NewSyscallError("FlushViewOfFile", syscall.FlushViewOfFile(m.addr, uintptr(len(m.b))))
}

func (m *mapping) unmap() error {
	err := syscall.UnmapViewOfFile(m.addr)
	if cerr := syscall.CloseHandle(m.h); err == nil {
		err = cerr
	}
	return os.NewSyscallError("UnmapViewOfFile", err)
}

func datasync(f *os.File) error { return f.Sync() }

// bootID is empty: the spool does not trust a length without a checksum
// here, so every Commit writes a checksummed record.
func bootID() string { return "" }

const (
	errorWriteProtect    syscall.Errno = 19
	errorHandleDiskFull  syscall.Errno = 39
	errorDiskFull        syscall.Errno = 112
	errorNotEnoughQuota  syscall.Errno = 1816
	errorFileTooLarge    syscall.Errno = 223
	errorDiskQuotaExceed syscall.Errno = 1295
)

func isFull(err error) bool {
	for _, e := range []syscall.Errno{errorHandleDiskFull, errorDiskFull, errorNotEnoughQuota, errorFileTooLarge, errorDiskQuotaExceed} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func isReadOnly(err error) bool { return errors.Is(err, errorWriteProtect) }

// prepareAhead is false: a file open here cannot be renamed.
const prepareAhead = false

func prefault(b []byte) { touchPages(b) }
