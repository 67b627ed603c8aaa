//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || windows)

package dirlock

import (
	"errors"
	"os"
)

// No lock the operating system releases at exit is used here: Acquire
// takes the portable fallback.
const haveOSLock = false

var errBusy = errors.New("locked")

func lockFile(*os.File) error { return errors.ErrUnsupported }
