package spool

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"testing"
)

// View gives a finished frame's bytes in its map where the spool keeps
// one, and keeps that map, however many frames are finished after it,
// until the frame is removed; a frame whose map the spool does not keep
// has no view, and a Reader streams it from its file instead.
func TestViewKeepsTheMap(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		o.FrameSize = 16 << 20 // the spool keeps max(2, 64 MiB / 16 MiB) = 3 maps
		s := mustOpen(t, o)
		first := pattern(1, 0, 5000)
		id := finished(t, s, "k", first, 1000, 0)
		view := s.View(id)
		if !prepareAhead || o.WritePath {
			if view != nil {
				t.Fatalf("a view of %d bytes where the spool keeps no maps", len(view))
			}
			return
		}
		equalBytes(t, "the view", view, first)
		if cap(view) != len(view) {
			t.Fatalf("the view has room for %d bytes beyond the frame's", cap(view)-len(view))
		}
		// Frames beyond the maps the spool keeps keep none: the first ones
		// keep theirs. The viewed one stays mapped, its bytes unchanged.
		limit := max(2, keptBytes/(pageSize+o.FrameSize)) - 1 // the first is kept
		var later []uint64
		var data [][]byte
		for i := range limit + 3 {
			data = append(data, pattern(2+i, 0, 1000+i))
			later = append(later, finished(t, s, "k", data[i], 300, 0))
		}
		equalBytes(t, "the view after later frames", view, first)
		for i, l := range later {
			v := s.View(l)
			switch {
			case i < limit && v == nil:
				t.Fatalf("later frame %d has no view, want the first %d to have one", i, limit)
			case i < limit:
				equalBytes(t, "a later view", v, data[i])
			case v != nil:
				t.Fatalf("later frame %d has a view, want only the first %d to have one", i, limit)
			default:
				checkReader(t, s, l, data[i], i%2 == 0)
			}
		}
		if err := s.Remove(append(later, id)...); err != nil {
			t.Fatal(err)
		}
		// The removed frames' maps became spare files: later frames in
		// them hold their own bytes.
		for i := range 3 {
			d := pattern(99+i, 0, 3000)
			id = finished(t, s, "k", d, 700, 0)
			equalBytes(t, "a frame in a recycled file", s.View(id), d)
			equalBytes(t, "a frame in a recycled file", mustRead(t, s, id), d)
		}
	})
}

// checkReader reads frame id with a Reader, by Read or by WriteTo, and
// compares what it gave with want.
func checkReader(t *testing.T, s *Spool, id uint64, want []byte, writeTo bool) {
	t.Helper()
	r, err := s.Reader(id, int64(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got bytes.Buffer
	if writeTo {
		_, err = r.WriteTo(&got)
	} else {
		_, err = io.CopyBuffer(struct{ io.Writer }{&got}, struct{ io.Reader }{r}, make([]byte, 777))
	}
	if err != nil {
		t.Fatal(err)
	}
	equalBytes(t, "the frame as the Reader read it", got.Bytes(), want)
}

// A Reader streams a finished frame from its file, by Read or WriteTo,
// whether the frame's map is kept (its file not cut yet) or not.
func TestReader(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		for i, n := range []int{0, 1, 4095, 4096, o.FrameSize} {
			d := pattern(10+i, 0, n)
			id := finished(t, s, "k", d, 999, 0)
			checkReader(t, s, id, d, i%2 == 0)
			checkReader(t, s, id, d, i%2 == 1)
		}
		// Of an earlier process: no maps.
		id := finished(t, s, "k", pattern(20, 0, 3333), 1000, 0)
		s.Close()
		s = mustOpen(t, o)
		if s.View(id) != nil {
			t.Fatal("a view of a frame of an earlier process")
		}
		checkReader(t, s, id, pattern(20, 0, 3333), true)
	})
}

// A Reader refuses a frame still filling, a missing one and one that
// holds another length than the caller's; it fails the Read that would
// return the last bytes of data that does not match their checksum,
// returning none of them.
func TestReaderRefusesDamage(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		f := fill(t, s, "k", pattern(1, 0, 100), 100, 0)
		if _, err := s.Reader(f.ID, 100); err == nil {
			t.Fatal("a Reader of a frame still filling")
		}
		f.Finish()
		if _, err := s.Reader(f.ID+100, 100); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("a Reader of a missing frame: %v", err)
		}
		if _, err := s.Reader(f.ID, 99); !errors.Is(err, ErrDamaged) {
			t.Fatalf("a Reader of 99 bytes of a frame of 100: %v", err)
		}
		d := pattern(2, 0, 10000)
		id := finished(t, s, "k", d, 10000, 0)
		s.Close() // lets the map go: the file is cut to its data
		flipByte(t, s.framePath(id), pageSize+9990)
		s = mustOpen(t, o)
		if r := s.Recovered(); len(r.Damaged) != 1 {
			t.Fatalf("recovered %+v, want the frame set aside", r)
		}

		// Damage after Open: the Reader finds it at the end.
		id = finished(t, s, "k", d, 10000, 0)
		r, err := s.Reader(id, 10000)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		buf := make([]byte, 4000)
		if n, err := r.Read(buf); n != 4000 || err != nil {
			t.Fatalf("first Read = %d, %v", n, err)
		}
		flipByte(t, s.framePath(id), pageSize+9990)
		if n, err := r.Read(buf); n != 4000 || err != nil {
			t.Fatalf("second Read = %d, %v", n, err)
		}
		if n, err := r.Read(buf); n != 0 || !errors.Is(err, ErrDamaged) {
			t.Fatalf("the Read of the last bytes = %d, %v; want none and ErrDamaged", n, err)
		}
		if n, err := r.Read(buf); n != 0 || !errors.Is(err, ErrDamaged) {
			t.Fatalf("a Read after = %d, %v; want the error again", n, err)
		}
	})
}

// When the spool can no longer map the files it prepares (mmap out of
// address space, say) it takes the write path from then on, but the maps
// it keeps stay until their frames are removed: a view given out earlier
// may be the body of a request under way.
func TestViewOutlivesTheWritePath(t *testing.T) {
	if !prepareAhead {
		t.Skip("no files prepared ahead here")
	}
	o := Options{Dir: t.TempDir(), Identity: testID, FrameSize: 1 << 20}
	s := mustOpen(t, o)
	first := pattern(1, 0, 5000)
	id := finished(t, s, "k", first, 1000, 0)
	view := s.View(id)
	if view == nil {
		t.Fatal("no view of a frame in a prepared file")
	}
	mapFails.Store(true)
	t.Cleanup(func() { mapFails.Store(false) })
	// The file prepared while mapping failed ends the maps: a few frames
	// later the spool writes its frames with write(2).
	var later []uint64
	for i := range 4 {
		later = append(later, finished(t, s, "k", pattern(2+i, 0, 700), 300, 0))
	}
	if s.View(later[len(later)-1]) != nil {
		t.Fatal("a view of a frame written after mapping failed")
	}
	equalBytes(t, "the view taken before the write path", view, first)
	equalBytes(t, "the frame kept", s.View(id), first)
	if err := s.Remove(append(later, id)...); err != nil {
		t.Fatal(err)
	}
	if s.View(id) != nil {
		t.Fatal("a removed frame still has a view")
	}
	// Frames go on, from the write path.
	d := pattern(9, 0, 2000)
	equalBytes(t, "a frame after", mustRead(t, s, finished(t, s, "k", d, 500, 0)), d)
}
