package spool

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Frames made from the files of removed ones (where the spool recycles
// them) hold their own bytes only, before and after a kill.
func TestRecycledFiles(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		old := pattern(20, 0, o.FrameSize)
		var ids []uint64
		for range s.spareLimit() + 2 {
			ids = append(ids, finished(t, s, "k", old, o.FrameSize, 0))
		}
		waitAhead(s) // made from a new file, before there are spares to take
		if err := s.Remove(ids...); err != nil {
			t.Fatal(err)
		}
		spares, _ := os.ReadDir(filepath.Join(o.Dir, spareDir))
		if prepareAhead && !o.WritePath && len(spares) != 1+s.spareLimit() {
			t.Fatalf("%d files in the spare directory, want the one prepared and %d recycled", len(spares), s.spareLimit())
		}
		var want []Frame
		var data [][]byte
		for i := range 4 {
			d := pattern(30+i, 0, 100*(i+1))
			f := fill(t, s, "k2", d, 50, 0)
			if i < 3 {
				if err := f.Finish(); err != nil {
					t.Fatal(err)
				}
				equalBytes(t, "a frame in a recycled file", mustRead(t, s, f.ID), d)
			}
			want = append(want, Frame{ID: f.ID, Base: "k2", Len: int64(len(d))})
			data = append(data, d)
		}
		kill(t, s)
		s = mustOpen(t, o)
		if r := s.Recovered(); !slices.Equal(r.Frames, want) || len(r.Damaged) > 0 {
			t.Fatalf("recovered %+v, want %+v", r, want)
		}
		for i, fr := range want {
			equalBytes(t, "a frame in a recycled file", mustRead(t, s, fr.ID), data[i])
		}
		s.Close()
		if spares, _ := os.ReadDir(filepath.Join(o.Dir, spareDir)); len(spares) != 0 {
			t.Errorf("%d files left in the spare directory after Close", len(spares))
		}
	})
}

// The file of a short frame (1001 bytes) is recycled and prepared again
// for the frames after it, faulted in from the page where those bytes end:
// on arm64 faulting in from the byte itself stopped the process (SIGBUS).
func TestRecycledShortFrame(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		o.FrameSize = 1 << 20
		s := mustOpen(t, o)
		id := finished(t, s, "k", pattern(1, 0, 1001), 1001, 0)
		if err := s.Remove(id); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			d := pattern(2+i, 0, 999)
			f := fill(t, s, "k", d, 999, 0)
			if err := f.Finish(); err != nil {
				t.Fatal(err)
			}
			equalBytes(t, "frame", mustRead(t, s, f.ID), d)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// waitAhead waits until the file being prepared ahead, if any, is ready.
func waitAhead(s *Spool) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if s.ahead != nil {
		p := <-s.ahead
		s.ahead <- p
	}
}
