package ossappend_test

// Tests of coalesced appends: frames that queue up behind a slow append go
// out together, in one AppendObject reconciled as one, through osstest and
// the real SDK.

import (
	"fmt"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/osstest"
)

// slowAppends makes every append take long enough for frames to queue up
// behind it.
var slowAppends = osstest.Fault{Op: "AppendObject", Kind: osstest.FaultLatency, Latency: 20 * time.Millisecond}

// TestCoalescedAppendsUnderFaults: multi-frame appends that fail after
// being applied (lost response), halfway through their body (reset) or
// before (5xx) land exactly once, and each object decodes with the
// standard tools.
func TestCoalescedAppendsUnderFaults(t *testing.T) {
	faults := []osstest.FaultKind{osstest.FaultDropResponse, osstest.FaultResetMidBody, osstest.FaultError503}
	const gs, n = 4, 3000
	for _, codec := range allCodecs {
		for _, kind := range faults {
			t.Run(fmt.Sprintf("%s/%v", codec.Name(), kind), func(t *testing.T) {
				srv := newServer(t)
				key := "coalesced/" + kind.String() + ".json" + codec.Extension()
				w := newWriter(t, srv.Client(), key, ossappend.WithCodec(codec),
					ossappend.WithFlushSize(8<<10), ossappend.WithMaxInflight(16), ossappend.WithFlushInterval(0))
				srv.SetFaults(7, slowAppends, osstest.Fault{Op: "AppendObject", Kind: kind, Probability: 0.3})
				logSlogLines(w, gs, n)
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				obj, _ := srv.Object(bucket, key)
				checkSlogLines(t, decode(t, codec, obj), gs, n)

				st, counts := w.Stats(), srv.Counts()
				failed := counts.Faults[kind]
				switch {
				case failed == 0:
					t.Fatalf("no %v fired in %d appends", kind, st.Appends)
				case st.Frames <= st.Appends:
					t.Fatalf("%d frames in %d appends: frames did not go out together", st.Frames, st.Appends)
				case st.Pending != 0 || st.FramesStored != st.Frames:
					t.Fatalf("stats %+v: frames left", st)
				case st.Retries != failed || st.Reconciled != failed:
					t.Fatalf("%d failures, stats %+v: want as many retries and reconciliations", failed, st)
				case kind == osstest.FaultDropResponse && st.Recovered != failed:
					t.Fatalf("%d responses lost after applying, %d appends recovered", failed, st.Recovered)
				case st.Appends != counts.Requests["AppendObject"]:
					t.Fatalf("writer counted %d appends, server %d", st.Appends, counts.Requests["AppendObject"])
				}
			})
		}
	}
}

// TestCoalescedAppendsRotateBetweenFrames: frames that would together
// pass the object size limit are split between objects at a frame
// boundary, so every object holds whole frames and decodes alone.
func TestCoalescedAppendsRotateBetweenFrames(t *testing.T) {
	const gs, n = 2, 4000
	for _, codec := range allCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			key := "rotated.json" + codec.Extension()
			w := newWriter(t, srv.Client(), key, ossappend.WithCodec(codec),
				ossappend.WithFlushSize(8<<10), ossappend.WithMaxInflight(16), ossappend.WithFlushInterval(0),
				ossappend.WithMaxObjectSize(40<<10))
			srv.SetFaults(1, slowAppends)
			logSlogLines(w, gs, n)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			st := w.Stats()
			if st.Rotations == 0 || st.Frames <= st.Appends {
				t.Fatalf("stats %+v: want rotations and frames that went out together", st)
			}
			var all []byte
			for seq := 0; seq <= int(st.Rotations); seq++ {
				k := key
				if seq > 0 {
					k = rotated(key, seq)
				}
				obj, ok := srv.Object(bucket, k)
				if !ok || len(obj) > 40<<10 {
					t.Fatalf("%s: %d bytes (exists %v), want at most the limit", k, len(obj), ok)
				}
				all = append(all, decode(t, codec, obj)...) // each decodes alone
			}
			checkSlogLines(t, all, gs, n)
		})
	}
}
