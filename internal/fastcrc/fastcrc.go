// Package fastcrc computes the CRC-64/ECMA that OSS reports for objects
// (hash/crc64 with the ECMA table, reflected, complemented), several
// times faster than hash/crc64 where the processor multiplies without
// carries (PCLMULQDQ on amd64), and with hash/crc64 elsewhere.
//
// The fast path folds the data 64 bytes at a time in four 128-bit lanes:
// a lane's 128 bits A, split into the polynomial's higher half H and
// lower half L, stand for H·x⁶⁴ + L, and moving them 64 bytes further
// multiplies them by x⁵¹²; H·(x⁵⁷⁶ mod P) + L·(x⁵¹² mod P) is congruent to
// that and fits in 128 bits again. Both products are carry-less
// multiplications of 64-bit halves. The lanes are then folded into one,
// 16 bytes at a time, and the last 16 bytes and the tail go through the
// table, which reduces them to the 64-bit CRC.
package fastcrc

import "hash/crc64"

var table = crc64.MakeTable(crc64.ECMA)

// Checksum returns the CRC-64/ECMA of p.
func Checksum(p []byte) uint64 { return Update(0, p) }

// Update returns the CRC-64/ECMA of the bytes whose CRC-64/ECMA is crc,
// followed by p.
func Update(crc uint64, p []byte) uint64 {
	if hasFold && len(p) >= minFold {
		n := len(p) &^ 15
		var v [2]uint64
		fold(^crc, p[:n], &constants, &v)
		crc = crc64.Update(^uint64(0), table, le128(v))
		p = p[n:]
	}
	return crc64.Update(crc, table, p)
}

// Combine returns the CRC-64/ECMA of the bytes whose CRC-64/ECMA is crc1
// followed by n bytes whose CRC-64/ECMA is crc2: crc1·x^(8n) + crc2, mod P
// (the complements at each end cancel out). It takes a multiplication mod
// P for each bit set in n, far fewer operations than the matrices of
// zlib's crc32_combine.
func Combine(crc1, crc2 uint64, n uint64) uint64 {
	for k := 0; n != 0; k, n = k+1, n>>1 {
		if n&1 != 0 {
			crc1 = mulMod(crc1, shifts[k])
		}
	}
	return crc1 ^ crc2
}

// shifts[k] is x^(8·2^k) mod P, reflected.
var shifts = func() (t [64]uint64) {
	t[0] = xPowMod(8)
	for k := 1; k < len(t); k++ {
		t[k] = mulMod(t[k-1], t[k-1])
	}
	return t
}()

// mulMod returns a·b mod P, reflected.
func mulMod(a, b uint64) uint64 {
	var r uint64
	for ; b != 0; b <<= 1 {
		if b&(1<<63) != 0 { // the coefficient of x^0.. in order: a times x^i
			r ^= a
		}
		if a&1 != 0 {
			a = a>>1 ^ crc64.ECMA
		} else {
			a >>= 1
		}
	}
	return r
}

// minFold is the shortest input that the fast path takes: shorter ones
// are cheaper through the table.
const minFold = 256

// foldConstants are the multipliers of the fast path, reflected (bit k
// is the coefficient of x^(63-k)): x^(8·d+63) mod P and x^(8·d-1) mod P
// fold a lane forward by d bytes (the -1 makes up for the product of two
// reflected 64-bit numbers landing one bit short of a reflected 128-bit
// one).
type foldConstants struct {
	by64hi, by64lo uint64 // d = 64: the four lanes forward
	by16hi, by16lo uint64 // d = 16: one lane into the next
}

var constants = foldConstants{
	by64hi: xPowMod(8*64 + 63), by64lo: xPowMod(8*64 - 1),
	by16hi: xPowMod(8*16 + 63), by16lo: xPowMod(8*16 - 1),
}

// xPowMod returns x^n mod P, reflected.
func xPowMod(n int) uint64 {
	r := uint64(1) << 63 // x^0
	for range n {
		if r&1 != 0 {
			r = r>>1 ^ crc64.ECMA
		} else {
			r >>= 1
		}
	}
	return r
}

// le128 is v as the 16 bytes it was loaded from.
func le128(v [2]uint64) []byte {
	b := make([]byte, 16)
	for i := range 8 {
		b[i] = byte(v[0] >> (8 * i))
		b[8+i] = byte(v[1] >> (8 * i))
	}
	return b
}
