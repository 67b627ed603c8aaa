package spool

import (
	"slices"
	"sync"
	"testing"
)

// Sync runs while a frame is committed to and finished (run with -race):
// everything committed reads back, and recovery after a kill keeps it.
func TestSyncWhileCommitting(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		data := pattern(9, 0, 3*o.FrameSize)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		stopped := false
		halt := func() {
			if !stopped {
				stopped = true
				close(stop)
				wg.Wait()
			}
		}
		defer halt()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := s.Sync(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		var ids []uint64
		for i := range 3 {
			f := fill(t, s, "k", data[i*o.FrameSize:(i+1)*o.FrameSize], 100, 0)
			ids = append(ids, f.ID)
			if i < 2 {
				if err := f.Finish(); err != nil {
					t.Fatal(err)
				}
			}
		}
		halt()
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids[:2] {
			equalBytes(t, "frame", mustRead(t, s, id), data[i*o.FrameSize:(i+1)*o.FrameSize])
		}
		kill(t, s)
		s = mustOpen(t, o)
		r := s.Recovered()
		if !slices.Equal(frameIDs(r.Frames), ids) || len(r.Damaged) > 0 {
			t.Fatalf("recovered %+v", r)
		}
		equalBytes(t, "the frame filling at the kill", mustRead(t, s, ids[2]), data[2*o.FrameSize:])
	})
}

// What Sync made durable is kept when what was committed after it is
// lost, as a power loss can lose it: here the later bytes are damaged in
// the file.
func TestSyncedBytesOutliveLaterLoss(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		data := pattern(8, 0, 5000)
		fill(t, s, "k", data, 500, 2000)
		kill(t, s)
		// Bytes after the sync that never reached the disk.
		for _, off := range []int64{2100, 2600, 3100, 3600, 4100, 4600} {
			flipByte(t, s.framePath(1), pageSize+off)
		}
		// In the live path, what a restart leaves: no live length to trust.
		rewriteBoot(t, s.framePath(1), "another boot")
		s = mustOpen(t, o)
		if fr := s.Recovered().Frames; !slices.Equal(fr, []Frame{{ID: 1, Base: "k", Len: 2000}}) {
			t.Fatalf("recovered %+v, want the 2000 bytes synced", fr)
		}
		checkDamage(t, s)
		equalBytes(t, "frame", mustRead(t, s, 1), data[:2000])
	})
}
