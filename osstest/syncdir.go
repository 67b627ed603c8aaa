//go:build !windows

package osstest

import (
	"fmt"
	"os"
)

// syncDir fsyncs a directory so that the names it holds are durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("osstest: sync directory: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("osstest: sync directory: %w", err)
	}
	return nil
}
