package spool

import "sync/atomic"

// fastArch: a store of an aligned 8-byte word is one instruction, so a
// killed process leaves the old word or the new one.
const fastArch = true

// storeLive stores a live length word with release order, so that a Sync
// on another processor that sees it sees the frame's bytes before it.
func storeLive(p *uint64, v uint64) { atomic.StoreUint64(p, v) }
