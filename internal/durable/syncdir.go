//go:build !windows && !plan9

package durable

import (
	"errors"
	"os"
	"syscall"
)

// SyncDir makes the names a directory holds durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	// Some file systems cannot sync a directory; their names are as
	// durable as they can be made.
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}
