//go:build plan9

package spool

import "os"

func isFull(error) bool     { return false }
func isReadOnly(error) bool { return false }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return d.Close()
}
