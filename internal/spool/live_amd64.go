package spool

// fastArch: a store of an aligned 8-byte word is one instruction, so a
// killed process leaves the old word or the new one, and the memory model
// (TSO) shows stores to other processors in program order.
const fastArch = true

// storeLive stores a live length word. A plain store suffices: the bytes
// the caller stored into the frame before are visible before it.
func storeLive(p *uint64, v uint64) { *p = v }
