//go:build plan9

package spool

func isFull(error) bool     { return false }
func isReadOnly(error) bool { return false }
