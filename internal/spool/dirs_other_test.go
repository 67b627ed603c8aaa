//go:build !unix

package spool

import "testing"

func openAsNobody(t *testing.T, dir string) {
	t.Skip("running as an administrator, whom permissions do not stop")
}
