//go:build !amd64 || purego

package fastcrc

const hasFold = false

func fold(uint64, []byte, *foldConstants, *[2]uint64) { panic("unreachable") }
