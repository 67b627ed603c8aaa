package bench

import (
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

// bulkText is scenario 3's source, made once per test binary.
var bulkText = sync.OnceValue(func() []byte { return NewWorkload(DefaultSeed).Text(256 << 20) })

// BenchmarkBulkCopy is scenario 3 in memory: one op is one io.Copy of
// 256 MiB of log text, then its check; the MB/s metric times the copy
// alone. go test -bench BulkCopy ./bench
func BenchmarkBulkCopy(b *testing.B) {
	src := bulkText()
	want := crcOf(src)
	peers := []BulkPeer{
		{bulkFloor, CopyToBufioDiscard},
		{bulkFrames, CopyToBufioFrames},
		CopyToInstant(bulkOurs, compress.None(), false, want),
		CopyToInstant(bulkOursCRC, compress.None(), true, want),
		CopyToInstantSpooled(bulkOursSpool, want),
		ZstdEncodeAll(zstd.SpeedFastest, ossappend.DefaultFlushSize),
		CopyToInstant(bulkOursZstd, compress.Zstd(1), false, want),
	}
	for _, p := range peers {
		b.Run(p.Name, func(b *testing.B) {
			var in int64
			var took float64
			for range b.N {
				r, err := p.Run(src)
				if err != nil {
					b.Fatal(err)
				}
				in, took = in+r.In, took+r.Elapsed.Seconds()
			}
			// The copy's own throughput: ns/op also counts each check.
			b.ReportMetric(float64(in)/1e6/took, "MB/s")
		})
	}
}

// BenchmarkMemory is scenario 4: it streams 256 MiB per op by Write and by
// io.Copy and reports the peak heap above the baseline in MiB.
func BenchmarkMemory(b *testing.B) {
	block := NewWorkload(DefaultSeed).Text(8 << 20)
	block = block[:lastLine(block)]
	for _, useCopy := range []bool{false, true} {
		name := map[bool]string{false: "Write", true: "io.Copy"}[useCopy]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(256 << 20)
			var peak uint64
			for range b.N {
				r, err := Memory(block, 256<<20, useCopy)
				if err != nil {
					b.Fatal(err)
				}
				peak = max(peak, r.Peak)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
	}
}
