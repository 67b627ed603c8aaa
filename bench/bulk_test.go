package bench

import (
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// TestBulkPeersStoreEverything runs every peer of scenario 3 on 5 MiB
// and checks (inside each peer) that the copy arrived whole.
func TestBulkPeersStoreEverything(t *testing.T) {
	src := NewWorkload(DefaultSeed).Text(5 << 20)
	srv := osstest.NewServer()
	defer srv.Close()
	if err := srv.CreateBucket(NetBucket); err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(1, osstest.Fault{Kind: osstest.FaultLatency, Latency: 5 * time.Millisecond})
	want := crcOf(src)
	peers := []BulkPeer{
		{"floor", CopyToBufioDiscard},
		{"frames floor", CopyToBufioFrames},
		CopyToInstant("ours", compress.None(), false, want),
		CopyToInstant("ours crc", compress.None(), true, want),
		CopyToInstantSpooled("ours spool", want),
		CopyToInstant("ours zstd", compress.Zstd(1), false, want),
		CopyToInstant("ours gzip", compress.Gzip(compress.DefaultGzipLevel), false, want),
		CopyToInstant("ours s2", compress.S2(), false, want),
		ZstdEncodeAll(zstd.SpeedFastest, 4<<20),
		CodecFrames(compress.Gzip(compress.DefaultGzipLevel), 4<<20),
		CodecFrames(compress.S2(), 4<<20),
		CopyToOSS(srv, "ours → osstest", "bulk-test-ours"),
		WriteFromToOSS(srv, "bulk-test-aof"),
	}
	for _, p := range peers {
		r, err := p.Run(src)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-45s %8.0f MB/s ratio %.2f appends %d", r.Peer, r.MBps(), r.Ratio(), r.Appends)
	}
}
