package spool

import (
	"errors"
	"fmt"
	"io/fs"
)

var (
	// ErrBusy is wrapped by the error of Open when another Spool, in this
	// process or another, holds the directory.
	ErrBusy = errors.New("spool is in use by another writer")

	// ErrOtherOwner is wrapped by the error of Open when the directory
	// holds frames of another bucket, key or codec.
	ErrOtherOwner = errors.New("spool holds frames of another writer")

	// ErrFull is wrapped by the errors of Create and Commit when the disk,
	// a quota or a file size limit leaves no room for a frame.
	ErrFull = errors.New("no space left for the spool")

	// ErrDamaged is wrapped by the error of Read when a frame file no
	// longer matches its checksums.
	ErrDamaged = errors.New("spool file is damaged")
)

// busyError says which directory is held and for whom.
type busyError struct {
	dir   string
	owner string // "bucket b, key k", or why it is unknown
	err   error  // the lock's error
}

func (e *busyError) Error() string {
	return fmt.Sprintf("spool directory %s is in use by another writer (%s): %v", e.dir, e.owner, e.err)
}

func (e *busyError) Unwrap() []error { return []error{ErrBusy, e.err} }

// fullError is an error of the file system that means no room.
type fullError struct {
	what string // what could not be done
	err  error
}

func (e *fullError) Error() string {
	return e.what + ": " + ErrFull.Error() + ": " + e.err.Error()
}

func (e *fullError) Unwrap() []error { return []error{ErrFull, e.err} }

// wrapWrite wraps err, from writing or allocating what, in a fullError if
// it means no room.
func wrapWrite(what string, err error) error {
	if isFull(err) {
		return &fullError{what: what, err: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// notWritable refuses a directory the process cannot write in.
type notWritable struct {
	dir string
	err error
}

func (e *notWritable) Error() string {
	return "spool directory " + e.dir + " is not writable: " + e.err.Error()
}

// Unwrap gives fs.ErrPermission as well, for a read-only file system,
// whose error does not say permission.
func (e *notWritable) Unwrap() []error { return []error{fs.ErrPermission, e.err} }
