//go:build !linux && !windows

package spool

import (
	"errors"
	"os"
)

// canMap is false: without a way to allocate a file's blocks ahead, a
// store into a map of it could fault on a full disk, so frames take the
// write path here.
const canMap = false

func allocate(*os.File, int64) (bool, error) { return false, nil }

type mapping struct{ b []byte }

func mapFile(*os.File, int) (*mapping, error) { return nil, errors.ErrUnsupported }
func (m *mapping) flush() error               { return nil }
func (m *mapping) unmap() error               { return nil }

func datasync(f *os.File) error { return f.Sync() }

func bootID() string { return "" }

const prepareAhead = false

func prefault([]byte) {}
