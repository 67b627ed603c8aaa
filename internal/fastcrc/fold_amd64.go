//go:build !purego

package fastcrc

// hasFold says that fold can run: the processor has PCLMULQDQ.
var hasFold = cpuHasPCLMULQDQ()

// fold folds p, whose length is a multiple of 16 and at least 64, with
// the raw CRC state s XORed into its first eight bytes, into the 16 bytes
// v, whose CRC from a state of zero is that of p from s.
//
//go:noescape
func fold(s uint64, p []byte, k *foldConstants, v *[2]uint64)

func cpuHasPCLMULQDQ() bool
