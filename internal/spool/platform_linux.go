//go:build linux

package spool

import (
	"os"
	"strings"
	"syscall"
)

// canMap says that Create may keep a frame in a shared memory map.
const canMap = true

// allocate gives f room for size bytes, so that stores into a map of it
// cannot meet a full disk. It reports false where the file system cannot
// allocate ahead; the frame then takes the write path.
func allocate(f *os.File, size int64) (bool, error) {
	for {
		err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
		switch err {
		case nil:
			return true, nil
		case syscall.EINTR:
			continue
		case syscall.EOPNOTSUPP, syscall.ENOSYS:
			return false, nil
		}
		return false, os.NewSyscallError("fallocate", err)
	}
}

// mapping is a shared, writable map of a whole file.
type mapping struct{ b []byte }

func mapFile(f *os.File, size int) (*mapping, error) {
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return &mapping{b: b}, nil
}

// flush does nothing: on Linux, fdatasync of the file writes the pages
// stored through a shared map too, which is what msync would do.
func (m *mapping) flush() error { return nil }

func (m *mapping) unmap() error {
	if err := syscall.Munmap(m.b); err != nil {
		return os.NewSyscallError("munmap", err)
	}
	return nil
}

// datasync makes f's data, and what reading it back needs, durable.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}

// bootID names the running boot of the machine: page cache contents
// written under one boot ID are still there, whatever became of the
// process that wrote them, as long as the boot ID has not changed.
func bootID() string {
	raw, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	id := strings.TrimSpace(string(raw))
	if err != nil || len(id) > maxBoot {
		return ""
	}
	return id
}

// prepareAhead: a file can be renamed while it is open and mapped.
const prepareAhead = true

// prefault makes the kernel fault in every page of a map for writing,
// with MADV_POPULATE_WRITE where the kernel has it (5.14), else by
// writing to each page.
func prefault(b []byte) {
	const madvPopulateWrite = 23
	if syscall.Madvise(b, madvPopulateWrite) != nil {
		touchPages(b)
	}
}
