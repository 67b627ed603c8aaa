package main

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
)

// timedClient is an ossappend.Client that times every AppendObject it
// passes on: the latency of the appends, as the writer sees them.
type timedClient struct {
	ossappend.Client

	mu        sync.Mutex
	latencies []time.Duration
}

// AppendObject calls the wrapped client's AppendObject and records how
// long it took.
func (c *timedClient) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, optFns ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	start := time.Now()
	res, err := c.Client.AppendObject(ctx, req, optFns...)
	d := time.Since(start)
	c.mu.Lock()
	c.latencies = append(c.latencies, d)
	c.mu.Unlock()
	return res, err
}

// percentiles returns the latencies at the given percentiles (0 to 100),
// by the nearest-rank method, or zeros if nothing was timed.
func (c *timedClient) percentiles(ps ...float64) []time.Duration {
	c.mu.Lock()
	sorted := slices.Clone(c.latencies)
	c.mu.Unlock()
	slices.Sort(sorted)
	out := make([]time.Duration, len(ps))
	for i, p := range ps {
		out[i] = nearestRank(sorted, p)
	}
	return out
}

// nearestRank returns the smallest value of sorted that at least p percent
// of the values are at most.
func nearestRank(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	return sorted[min(max(rank, 1), len(sorted))-1]
}
