//go:build !amd64 && !arm64

package spool

import "sync/atomic"

// fastArch is false: every Commit writes a checksummed record here.
const fastArch = false

func storeLive(p *uint64, v uint64) { atomic.StoreUint64(p, v) }
