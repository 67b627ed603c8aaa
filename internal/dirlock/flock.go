//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package dirlock

import (
	"errors"
	"os"
	"syscall"
)

const haveOSLock = true

// errBusy is what lockFile returns when another open file holds the lock.
var errBusy = errors.New("locked")

// lockFile takes an exclusive flock(2) on f without waiting. The kernel
// releases it when the last descriptor of f's open file closes, which the
// end of the process does.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errBusy
		}
		return err
	}
}
