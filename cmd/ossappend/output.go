package main

import (
	"errors"
	"fmt"
	"io"
	"syscall"
)

// output is standard output for what a command prints in bulk: its write
// errors say so, so that a reader that closed the pipe early (head) can be
// told from a failure elsewhere.
type output struct{ w io.Writer }

func (o output) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		err = &outputError{err}
	}
	return n, err
}

// outputError is the failure of a write to standard output.
type outputError struct{ err error }

func (o *outputError) Error() string { return fmt.Sprintf("write standard output: %v", o.err) }
func (o *outputError) Unwrap() error { return o.err }

// closedEarly reports whether err is a write to standard output that
// failed because its reader went away, which ends a command quietly, as
// it ends cat(1).
func closedEarly(err error) bool {
	var oe *outputError
	return errors.As(err, &oe) && errors.Is(oe.err, syscall.EPIPE)
}
