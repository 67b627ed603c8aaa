// Package durable writes files so that they survive a crash of the
// machine: whole, or as they were, never a mix.
package durable

import (
	"os"
	"path/filepath"
)

// WriteFile replaces path with data: it writes a new file in the same
// directory, named from tmpPattern as os.CreateTemp names files, syncs it,
// renames it over path and syncs the directory, so that path holds the
// old bytes or the new ones, and that durably. The file is private (0600).
// A temporary file left by a crash is the caller's to recognise by its
// pattern.
func WriteFile(path string, data []byte, tmpPattern string) error {
	f, err := os.CreateTemp(filepath.Dir(path), tmpPattern)
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return SyncDir(filepath.Dir(path))
}
