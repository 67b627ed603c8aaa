package spool

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// damaged builds a spool of three finished frames of 3000 bytes each,
// committed 500 bytes at a time with a Sync after the first 1000, lets
// harm damage frame 2's file, and opens the spool again.
func damaged(t *testing.T, o Options, harm func(path string)) (*Spool, []byte) {
	t.Helper()
	s := mustOpen(t, o)
	var data [4][]byte
	for i := 1; i <= 3; i++ {
		data[i] = pattern(10+i, 0, 3000)
		finished(t, s, "k", data[i], 500, 1000)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	harm(s.framePath(2))
	s = mustOpen(t, o)
	for _, fr := range s.Recovered().Frames {
		if fr.ID != 2 {
			equalBytes(t, "an intact frame", mustRead(t, s, fr.ID), data[fr.ID])
		}
	}
	return s, data[2]
}

// checkGone checks that frame 2 was set aside whole and is not returned.
func checkGone(t *testing.T, s *Spool, reason ...string) {
	t.Helper()
	checkDamage(t, s, reason...)
	if ids := frameIDs(s.Recovered().Frames); !slices.Equal(ids, []uint64{1, 3}) {
		t.Errorf("recovered frames %v, want 1 and 3", ids)
	}
	if _, err := s.Read(2, nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read of the damaged frame: %v", err)
	}
}

// checkKept checks that frame 2 was copied aside and its first bytes,
// a committed length below 3000, kept (exactly want bytes if want > 0);
// and that the next Open finds nothing wrong.
func checkKept(t *testing.T, s *Spool, o Options, data []byte, want int64, reason ...string) {
	t.Helper()
	d := checkDamage(t, s, reason...)
	if fi, err := os.Stat(d.Path); err != nil || fi.Size() < pageSize {
		t.Errorf("the copy set aside: %v", err)
	}
	fr := s.Recovered().Frames
	if len(fr) != 3 || fr[1].ID != 2 {
		t.Fatalf("recovered %+v, want frames 1, 2, 3", fr)
	}
	n := fr[1].Len
	if n <= 0 || n >= 3000 || n%500 != 0 || want > 0 && n != want {
		t.Fatalf("kept %d bytes of frame 2, want a committed length below 3000 (%d)", n, want)
	}
	equalBytes(t, "the kept bytes", mustRead(t, s, 2), data[:n])
	s.Close()
	s = mustOpen(t, o)
	if r := s.Recovered(); len(r.Damaged) > 0 || len(r.Frames) != 3 || r.Frames[1].Len != n {
		t.Errorf("second Open after the repair: %+v", r)
	}
}

func TestDamage(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		t.Run("torn commit record", func(t *testing.T) {
			o.Dir = t.TempDir()
			s, data := damaged(t, o, func(path string) {
				off, _ := newestSlot(t, path)
				flipByte(t, path, int64(off)+9) // the length, half written
			})
			checkKept(t, s, o, data, 0, "is torn or damaged", "kept the first")
		})
		t.Run("flipped byte in the last commit", func(t *testing.T) {
			o.Dir = t.TempDir()
			s, data := damaged(t, o, func(path string) { flipByte(t, path, pageSize+2900) })
			checkKept(t, s, o, data, 0, "does not match commit record")
		})
		t.Run("flipped byte in the first commit", func(t *testing.T) {
			o.Dir = t.TempDir()
			s, _ := damaged(t, o, func(path string) { flipByte(t, path, pageSize+10) })
			checkGone(t, s, "does not match")
		})
		t.Run("flipped header byte", func(t *testing.T) {
			o.Dir = t.TempDir()
			s, _ := damaged(t, o, func(path string) { flipByte(t, path, offBase) })
			checkGone(t, s, "header checksum mismatch")
		})
		t.Run("truncated", func(t *testing.T) {
			o.Dir = t.TempDir()
			s, data := damaged(t, o, func(path string) { os.Truncate(path, pageSize+1500) })
			// What the Sync after 1000 bytes recorded is all that checks out.
			checkKept(t, s, o, data, 1000, "cut short")
		})
		t.Run("truncated into the header", func(t *testing.T) {
			o.Dir = t.TempDir()
			s, _ := damaged(t, o, func(path string) { os.Truncate(path, 100) })
			checkGone(t, s, "shorter than its header")
		})
		t.Run("damaged after Open", func(t *testing.T) {
			o.Dir = t.TempDir()
			s, _ := damaged(t, o, func(string) {})
			flipByte(t, s.framePath(2), pageSize+2999)
			if _, err := s.Read(2, nil); !errors.Is(err, ErrDamaged) {
				t.Errorf("Read: %v, want ErrDamaged", err)
			}
		})
	})
}

func TestForeignFiles(t *testing.T) {
	eachPath(t, func(t *testing.T, o Options) {
		s := mustOpen(t, o)
		data := pattern(1, 0, 100)
		finished(t, s, "k", data, 100, 0)
		s.Close()
		frames := filepath.Join(o.Dir, framesDir)
		garbage := make([]byte, 5000)
		rand.NewChaCha8([32]byte{1}).Read(garbage)
		os.WriteFile(filepath.Join(frames, "notes.txt"), garbage, 0o600)
		os.WriteFile(filepath.Join(frames, "0000000000000009.frame"), garbage, 0o600)
		os.Mkdir(filepath.Join(frames, "000000000000000a.frame"), 0o700)
		// What Create leaves when killed before the frame exists, and a
		// frame that never had a byte committed: dropped without a report.
		os.WriteFile(filepath.Join(frames, "000000000000000b.frame.tmp"), garbage, 0o600)
		s = mustOpen(t, o)
		f, err := s.Create("k")
		if err != nil {
			t.Fatal(err)
		}
		f.Finish()
		s.Close()

		s = mustOpen(t, o)
		r := s.Recovered()
		if !slices.Equal(r.Frames, []Frame{{ID: 1, Base: "k", Len: 100}}) {
			t.Errorf("recovered %+v", r.Frames)
		}
		if len(r.Damaged) != 0 {
			t.Errorf("second Open reported %+v", r.Damaged)
		}
		equalBytes(t, "frame 1", mustRead(t, s, 1), data)
		entries, _ := os.ReadDir(frames)
		if len(entries) != 1 {
			t.Errorf("frames directory holds %d files, want 1", len(entries))
		}
		f, err = s.Create("k")
		if err != nil {
			t.Fatal(err)
		}
		if f.ID != 0xd {
			t.Errorf("new frame ID %d, want 13: above every ID the directory held", f.ID)
		}
	})
	t.Run("reports", func(t *testing.T) {
		o := Options{Dir: t.TempDir(), Identity: testID, FrameSize: 1000}
		mustOpen(t, o).Close()
		frames := filepath.Join(o.Dir, framesDir)
		os.WriteFile(filepath.Join(frames, "notes.txt"), []byte("hello"), 0o600)
		os.WriteFile(filepath.Join(frames, "0000000000000009.frame"), make([]byte, 5000), 0o600)
		os.Mkdir(filepath.Join(frames, "000000000000000a.frame"), 0o700)
		s := mustOpen(t, o)
		d := s.Recovered().Damaged
		if len(d) != 3 {
			t.Fatalf("damaged %+v, want 3", d)
		}
		for _, x := range d {
			if _, err := os.Stat(x.Path); err != nil || x.Reason == "" {
				t.Errorf("%+v: %v", x, err)
			}
		}
	})
}

// A frame with bytes committed after the last Sync, found after the
// machine restarted: the synced bytes are kept; the rest, which nothing
// can vouch for, is set aside and reported.
func TestRestartKeepsSynced(t *testing.T) {
	if _, ok := findPath("live"); !ok {
		t.Skip("no live lengths on this platform")
	}
	o := pathOptions("live", Options{Dir: t.TempDir(), Identity: testID, FrameSize: 64 << 10})
	s := mustOpen(t, o)
	data := pattern(7, 0, 3000)
	fill(t, s, "k", data, 500, 1000)
	fill(t, s, "k", data, 500, 0) // never synced
	kill(t, s)
	rewriteBoot(t, s.framePath(1), "another boot")
	rewriteBoot(t, s.framePath(2), "another boot")
	s = mustOpen(t, o)
	r := s.Recovered()
	if !slices.Equal(r.Frames, []Frame{{ID: 1, Base: "k", Len: 1000}}) {
		t.Fatalf("recovered %+v", r.Frames)
	}
	if len(r.Damaged) != 2 {
		t.Fatalf("damaged %+v, want both frames reported", r.Damaged)
	}
	for _, d := range r.Damaged {
		if !contains(d.Reason, "the machine restarted") {
			t.Errorf("reason %q", d.Reason)
		}
	}
	equalBytes(t, "frame 1", mustRead(t, s, 1), data[:1000])
}

func findPath(name string) (path, bool) {
	for _, p := range paths() {
		if p.name == name {
			return p, true
		}
	}
	return path{}, false
}
