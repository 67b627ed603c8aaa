package spool

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		if r := s.Recovered(); len(r.Frames) != 0 || r.Intent != nil || len(r.Damaged) != 0 {
			t.Fatalf("new spool recovered %+v", r)
		}
		data := pattern(1, 0, 50_000)
		f := fill(t, s, "logs/app.log", data, 777, 0)
		if f.ID != 1 || cap(f.Buf) != o.FrameSize {
			t.Errorf("first frame: ID %d, capacity %d", f.ID, cap(f.Buf))
		}
		if got := s.Used(); got != int64(o.FrameSize) {
			t.Errorf("Used while filling = %d, want the frame size %d", got, o.FrameSize)
		}
		if _, err := s.Read(f.ID, nil); err == nil || !strings.Contains(err.Error(), "still filling") {
			t.Errorf("Read of a filling frame: %v", err)
		}
		if err := s.Remove(f.ID); err == nil {
			t.Error("Remove of a filling frame succeeded")
		}
		if err := f.Finish(); err != nil {
			t.Fatal(err)
		}
		if got := s.Used(); got != int64(len(data)) {
			t.Errorf("Used = %d, want %d", got, len(data))
		}
		equalBytes(t, "frame 1", mustRead(t, s, 1), data)
		// Read appends.
		got, err := s.Read(1, []byte("head"))
		if err != nil || string(got[:4]) != "head" || len(got) != 4+len(data) {
			t.Errorf("Read appending: %d bytes, %v", len(got), err)
		}

		empty, err := s.Create("logs/app.log")
		if err != nil {
			t.Fatal(err)
		}
		if err := empty.Finish(); err != nil {
			t.Fatal(err)
		}
		full := pattern(3, 0, o.FrameSize)
		third := finished(t, s, "other/key", full, o.FrameSize, 0)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		s = mustOpen(t, o)
		r := s.Recovered()
		want := []Frame{{ID: 1, Base: "logs/app.log", Len: int64(len(data))}, {ID: third, Base: "other/key", Len: int64(len(full))}}
		if !slices.Equal(r.Frames, want) || len(r.Damaged) != 0 {
			t.Fatalf("recovered %+v, want frames %+v and no damage (the empty frame is dropped)", r, want)
		}
		equalBytes(t, "frame 1 after reopening", mustRead(t, s, 1), data)
		equalBytes(t, "frame 3 after reopening", mustRead(t, s, third), full)
		if got := s.Used(); got != int64(len(data)+len(full)) {
			t.Errorf("Used after reopening = %d", got)
		}
		f, err = s.Create("x")
		if err != nil {
			t.Fatal(err)
		}
		if f.ID != third+1 {
			t.Errorf("ID after reopening = %d, want %d", f.ID, third+1)
		}
		if err := s.Remove(1, 99); err != nil {
			t.Fatalf("Remove of a frame and a missing one: %v", err)
		}
		if _, err := s.Read(1, nil); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Read of a removed frame: %v", err)
		}
		if got := s.Used(); got != int64(len(full)+o.FrameSize) {
			t.Errorf("Used after Remove = %d", got)
		}
	})
}

func TestCommitMisuse(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		f, err := s.Create("k")
		if err != nil {
			t.Fatal(err)
		}
		buf := append(f.Buf, "hello"...)
		if err := f.Commit(buf); err != nil {
			t.Fatal(err)
		}
		if err := f.Commit(append([]byte(nil), buf...)); err == nil {
			t.Error("Commit of another buffer succeeded")
		}
		if err := f.Commit(buf[:2]); err == nil {
			t.Error("Commit of fewer bytes than committed succeeded")
		}
		if err := f.Commit(buf); err != nil {
			t.Errorf("Commit of the same length again: %v", err)
		}
		if err := f.Finish(); err != nil {
			t.Fatal(err)
		}
		if err := f.Commit(nil); !errors.Is(err, errFinished) {
			t.Errorf("Commit after Finish: %v", err)
		}
		if err := f.Finish(); !errors.Is(err, errFinished) {
			t.Errorf("second Finish: %v", err)
		}
		equalBytes(t, "frame", mustRead(t, s, f.ID), []byte("hello"))
		if _, err := s.Create(strings.Repeat("k", maxBase+1)); err == nil {
			t.Error("Create with a key of 1024 bytes succeeded")
		}
	})
}

// A frame Close leaves unfinished is recovered, whole, at the next Open.
func TestCloseKeepsFilling(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		data := pattern(4, 0, 9000)
		f := fill(t, s, "k", data, 1000, 0)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Commit(f.Buf); err == nil {
			t.Error("Commit after Close succeeded")
		}
		s = mustOpen(t, o)
		if r := s.Recovered(); !slices.Equal(r.Frames, []Frame{{ID: 1, Base: "k", Len: 9000}}) || len(r.Damaged) > 0 {
			t.Fatalf("recovered %+v", r)
		}
		equalBytes(t, "frame", mustRead(t, s, 1), data)
	})
}

// A frame left filling by a killed process is recovered with every byte
// committed, and without a report: nothing is damaged.
func TestKilledWhileFilling(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		data := pattern(5, 0, 20_000)
		// A frame finished but never synced, and one filling.
		finished(t, s, "k", data[:4000], 1000, 0)
		fill(t, s, "k", data[4000:14_000], 1000, 3000)
		kill(t, s)
		s = mustOpen(t, o)
		want := []Frame{{ID: 1, Base: "k", Len: 4000}, {ID: 2, Base: "k", Len: 10_000}}
		if r := s.Recovered(); !slices.Equal(r.Frames, want) || len(r.Damaged) > 0 {
			t.Fatalf("recovered %+v", r)
		}
		equalBytes(t, "frame 1", mustRead(t, s, 1), data[:4000])
		equalBytes(t, "frame 2", mustRead(t, s, 2), data[4000:14_000])
		if got := s.Used(); got != 14_000 {
			t.Errorf("Used = %d", got)
		}
	})
}

func TestUsedCountsFillingFrames(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		a := fill(t, s, "k", pattern(1, 0, 10), 10, 0)
		b := fill(t, s, "k", pattern(1, 0, 20), 20, 0)
		if got := s.Used(); got != 2*int64(o.FrameSize) {
			t.Errorf("Used with two frames filling = %d", got)
		}
		a.Finish()
		b.Finish()
		if got := s.Used(); got != 30 {
			t.Errorf("Used = %d, want 30", got)
		}
		s.Remove(a.ID, b.ID)
		if got := s.Used(); got != 0 {
			t.Errorf("Used after removing all = %d", got)
		}
	})
}

// A frame a killed process left with a live length is recovered whole by
// a spool that does not use live lengths itself.
func TestKilledThenOtherPath(t *testing.T) {
	if _, ok := findPath("live"); !ok {
		t.Skip("no live lengths on this platform")
	}
	for _, other := range []string{"mapcrc", "write"} {
		t.Run(other, func(t *testing.T) {
			o := pathOptions("live", Options{Dir: t.TempDir(), Identity: testID, FrameSize: 64 << 10})
			s := mustOpen(t, o)
			data := pattern(6, 0, 7000)
			fill(t, s, "k", data, 700, 0)
			kill(t, s)
			s = mustOpen(t, pathOptions(other, Options{Dir: o.Dir, Identity: testID, FrameSize: 64 << 10}))
			if r := s.Recovered(); !slices.Equal(r.Frames, []Frame{{ID: 1, Base: "k", Len: 7000}}) || len(r.Damaged) > 0 {
				t.Fatalf("recovered %+v", r)
			}
			equalBytes(t, "frame", mustRead(t, s, 1), data)
		})
	}
}
