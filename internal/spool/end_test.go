package spool

import "testing"

// Used counts a frame still filling at FrameSize, at its committed length
// once End says it takes no more, and the same once it is finished.
func TestEndCountsCommittedLength(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		f := fill(t, s, "k", pattern(1, 0, 1001), 1001, 0)
		if got := s.Used(); got != int64(o.FrameSize) {
			t.Fatalf("filling: Used = %d, want FrameSize %d", got, o.FrameSize)
		}
		f.End()
		f.End() // once is enough
		if got := s.Used(); got != 1001 {
			t.Fatalf("ended: Used = %d, want 1001", got)
		}
		if err := f.Finish(); err != nil {
			t.Fatal(err)
		}
		if got := s.Used(); got != 1001 {
			t.Fatalf("finished: Used = %d, want 1001", got)
		}
		equalBytes(t, "frame", mustRead(t, s, f.ID), pattern(1, 0, 1001))
	})
}
