package bench

import (
	"fmt"
	"testing"
	"time"

	"github.com/ossappend/ossappend/osstest"
)

// TestNetworkPeersStoreEveryLine runs every peer of scenario 2 briefly and
// checks (inside Network) that the object holds every line logged.
func TestNetworkPeersStoreEveryLine(t *testing.T) {
	srv := osstest.NewServer()
	defer srv.Close()
	if err := srv.CreateBucket(NetBucket); err != nil {
		t.Fatal(err)
	}
	wl := NewWorkload(DefaultSeed)
	for _, lat := range []time.Duration{0, 5 * time.Millisecond} {
		for i, p := range NetPeers() {
			r, err := Network(srv, wl, p, lat, 150*time.Millisecond, fmt.Sprintf("test/%v/%d.log", lat, i))
			if err != nil {
				t.Fatal(err)
			}
			if r.Lines == 0 || r.Appends == 0 {
				t.Errorf("%s at %v: %d lines in %d appends", p.Name, lat, r.Lines, r.Appends)
			}
			t.Logf("%-55s %5v %9.0f lines/s %6d appends %9d B logged %9d B stored", p.Name, lat, r.LinesPerSec(), r.Appends, r.Bytes, r.Stored)
		}
	}
}
