package bench

import "math"

// The physical bound of appends to one object. Appends to an object go
// one at a time, each at the object's length, so a run that appends
// `bytes` in `appends` requests takes at least
//
//	appends × latency + bytes / bandwidth
//
// With k frames of FlushSize bytes per append on average (k = frames ÷
// appends, whatever the mix of group sizes), that is a throughput of at
// most
//
//	k·FlushSize / (latency + k·FlushSize / bandwidth)
//
// k = 1 is one frame per append, the writer without coalesced appends.
// How large k can get: the frames of the append in flight and the frames
// queued behind it share the writer's MaxInflight + 1 frames, so two
// appends in a row carry at most MaxInflight + 1 frames between them, and
// a source faster than the network gets at best (MaxInflight + 1) / 2
// frames per append on average (groups of 1 and 4 in turn, with the
// default MaxInflight of 4).

// appendBound is the most MB/s (10⁶ bytes) that appends of k frames of
// frame bytes can carry with the given latency in seconds and bandwidth in
// MB/s.
func appendBound(k float64, frame int, latency, bandwidth float64) float64 {
	size := k * float64(frame) / 1e6
	return size / (latency + size/bandwidth)
}

// maxFramesPerAppend is the most frames an append carries on average for
// a source faster than the network: (MaxInflight + 1) / 2.
func maxFramesPerAppend(maxInflight int) float64 { return float64(maxInflight+1) / 2 }

// framesNeeded is the frames per append that the bound needs to reach mbps
// MB/s, or +Inf if no number of frames can: mbps is the bandwidth or more.
func framesNeeded(mbps float64, frame int, latency, bandwidth float64) float64 {
	if mbps >= bandwidth {
		return math.Inf(1)
	}
	return mbps * latency / (1 - mbps/bandwidth) / (float64(frame) / 1e6)
}
