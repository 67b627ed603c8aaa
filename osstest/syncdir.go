package osstest

import (
	"fmt"

	"github.com/ossappend/ossappend/internal/durable"
)

// syncDir fsyncs a directory so that the names it holds are durable.
func syncDir(dir string) error {
	if err := durable.SyncDir(dir); err != nil {
		return fmt.Errorf("osstest: sync directory: %w", err)
	}
	return nil
}
