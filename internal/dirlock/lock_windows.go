//go:build windows

package dirlock

import (
	"errors"
	"os"
	"syscall"
	"unsafe"
)

const haveOSLock = true

// errBusy is what lockFile returns when another handle holds the lock.
var errBusy = errors.New("locked")

var procLockFileEx = syscall.NewLazyDLL("kernel32.dll").NewProc("LockFileEx")

const (
	lockfileFailImmediately = 0x1
	lockfileExclusiveLock   = 0x2

	errorLockViolation syscall.Errno = 33
	errorIOPending     syscall.Errno = 997
)

// lockFile locks one byte of f, at 4 GiB, far past the process ID written
// at its start (which others must be able to read), with LockFileEx,
// without waiting. Windows releases the lock when the handle closes, which
// the end of the process does.
func lockFile(f *os.File) error {
	if err := procLockFileEx.Find(); err != nil {
		return err
	}
	ol := syscall.Overlapped{OffsetHigh: 1}
	r, _, err := procLockFileEx.Call(f.Fd(), lockfileExclusiveLock|lockfileFailImmediately, 0, 1, 0,
		uintptr(unsafe.Pointer(&ol)))
	if r != 0 {
		return nil
	}
	if errors.Is(err, errorLockViolation) || errors.Is(err, errorIOPending) {
		return errBusy
	}
	return err
}
