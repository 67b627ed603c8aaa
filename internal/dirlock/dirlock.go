// Package dirlock gives one process at a time the use of a directory.
//
//	l, err := dirlock.Acquire(dir)
//	if errors.Is(err, dirlock.ErrLocked) {
//		// another process (or another Lock of this one) holds dir
//	}
//	defer l.Release()
//
// Where the operating system has a file lock that it releases when the
// process ends, Acquire uses it: flock(2) on Linux, macOS, the BSDs and
// illumos, LockFileEx on Windows. The lock is on the file OSLockFile
// inside the directory, which holds the owner's process ID and is never
// removed; it vanishes with the process however that ends, kill -9
// included, so a crash never leaves the directory locked.
//
// Elsewhere Acquire falls back to creating the file PortableLockFile
// exclusively and Release removes it. A process that dies without calling
// Release leaves that file behind, and the directory stays locked, with an
// error that names the file, until someone who knows the process is gone
// removes it.
//
// A lock excludes other processes on the same machine. Processes on
// different machines that share the directory over a network file system
// may not be excluded.
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// The names of the lock files inside a locked directory.
const (
	OSLockFile       = ".lock"      // locked by the operating system, where it can
	PortableLockFile = ".lock.excl" // created exclusively, elsewhere
)

// ErrLocked is the error, wrapped in one that names the directory and the
// owner's process ID when known, that Acquire returns when the directory
// is already locked.
var ErrLocked = errors.New("directory is locked by another process")

// portable makes Acquire use the fallback even where the operating system
// has a lock; tests set it.
var portable = !haveOSLock

// A Lock is a directory held by this process. Its methods are safe for
// concurrent use.
type Lock struct {
	dir  string
	path string
	f    *os.File // the locked file; nil for the fallback

	once sync.Once
	err  error
}

// Acquire locks dir, which must exist, for this process, or returns an
// error wrapping ErrLocked if another process, or another Lock of this
// process, holds it.
func Acquire(dir string) (*Lock, error) {
	if portable {
		return acquirePortable(dir)
	}
	return acquireOS(dir)
}

func acquireOS(dir string) (*Lock, error) {
	path := filepath.Join(dir, OSLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errBusy) {
			return nil, &lockedError{dir: dir, pid: readOwner(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	// The owner's process ID is there for the message of those refused;
	// failing to write it loses nothing else.
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{dir: dir, path: path, f: f}, nil
}

func acquirePortable(dir string) (*Lock, error) {
	path := filepath.Join(dir, PortableLockFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, &lockedError{dir: dir, pid: readOwner(path), file: path}
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return &Lock{dir: dir, path: path}, nil
}

// Release unlocks the directory. Calling it again does nothing and returns
// the first call's result.
func (l *Lock) Release() error {
	l.once.Do(func() {
		if l.f == nil {
			l.err = os.Remove(l.path)
		} else {
			_ = l.f.Truncate(0)
			l.err = l.f.Close() // closing the file releases the lock
		}
		if l.err != nil {
			l.err = fmt.Errorf("unlock %s: %w", l.dir, l.err)
		}
	})
	return l.err
}

// Dir returns the locked directory.
func (l *Lock) Dir() string { return l.dir }

// readOwner returns the process ID written in a lock file, or 0.
func readOwner(path string) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// lockedError says who holds a directory.
type lockedError struct {
	dir  string
	pid  int    // 0 if not known
	file string // the fallback's lock file, to remove if its owner is gone
}

func (e *lockedError) Error() string {
	msg := "directory " + e.dir + " is in use by another process"
	if e.pid > 0 {
		msg += " (pid " + strconv.Itoa(e.pid) + ")"
	}
	if e.file != "" {
		msg += "; if that process is no longer running, remove " + e.file
	}
	return msg
}

func (e *lockedError) Unwrap() error { return ErrLocked }
