//go:build windows || plan9

package durable

// SyncDir does nothing where a directory cannot be synced: NTFS journals
// the changes to its names.
func SyncDir(string) error { return nil }
