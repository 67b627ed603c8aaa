package spool

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ossappend/ossappend/internal/durable"
)

// recoverFrames examines every file of the frames directory: it keeps the
// frames that check out, removes what never held a committed byte and the
// frames before those of the newest intent record (stored: see Record),
// and sets aside the rest. It returns the highest ID it saw.
func (s *Spool) recoverFrames(entries []os.DirEntry) (uint64, error) {
	var maxID uint64
	for _, e := range entries {
		path := filepath.Join(s.dir, framesDir, e.Name())
		id, kind := parseName(e.Name())
		maxID = max(maxID, id)
		var err error
		switch {
		case kind == tmpName:
			// Create had not made it a frame: no byte was committed to it.
			err = os.Remove(path)
		case kind == frameName && s.rec.Intent != nil && id < s.rec.Intent.First:
			// Stored and removed, its removal undone by a power loss.
			err = os.Remove(path)
		case kind == otherName:
			err = s.setAside(path, 0, nil, "not a frame file: its name is not <16 hex digits>.frame")
		case !e.Type().IsRegular():
			err = s.setAside(path, 0, nil, "not a frame file: not a regular file")
		default:
			err = s.recoverFrame(id, path)
		}
		if err != nil {
			return 0, fmt.Errorf("spool %s: recover %s: %w", s.dir, e.Name(), err)
		}
	}
	slices.SortFunc(s.rec.Frames, func(a, b Frame) int { return cmpU64(a.ID, b.ID) })
	return maxID, nil
}

// recoverFrame keeps what checks out of frame id's file.
func (s *Spool) recoverFrame(id uint64, path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	ex, err := examine(f, id, s.boot)
	if err != nil {
		return err
	}
	if ex.fatal != "" {
		f.Close()
		return s.setAside(path, id, nil, ex.fatal)
	}
	switch {
	case len(ex.problems) > 0 && ex.n == 0:
		f.Close()
		return s.setAside(path, id, nil, strings.Join(ex.problems, "; ")+"; no committed byte checks out")
	case len(ex.problems) > 0:
		reason := fmt.Sprintf("%s; kept the first %d bytes", strings.Join(ex.problems, "; "), ex.n)
		if err := s.setAside(path, id, f, reason); err != nil {
			return err
		}
	case ex.n == 0:
		// No byte was ever committed to it.
		f.Close()
		return os.Remove(path)
	}
	if !ex.tidy || len(ex.problems) > 0 {
		if err := seal(f, ex); err != nil {
			return err
		}
	}
	s.rec.Frames = append(s.rec.Frames, Frame{ID: id, Base: ex.h.base, Len: ex.n})
	return nil
}

// seal rewrites a recovered frame as Finish leaves one: every commit
// record names the kept length, no live length, no bytes past it.
func seal(f *os.File, ex examined) error {
	var tail [pageSize - offLive]byte
	s := slot{gen: ex.gen + 1, n: ex.n, crc: ex.crc}
	for _, off := range slotOffsets {
		putSlot(tail[off-offLive:], s)
	}
	if _, err := f.WriteAt(tail[:], offLive); err != nil {
		return err
	}
	if ex.size != ex.n {
		if err := f.Truncate(pageSize + ex.n); err != nil {
			return err
		}
	}
	return datasync(f)
}

// setAside puts a damaged file into the quarantine directory with a
// reason file beside it, and reports it in Recovered: it moves the file,
// or, given from (the file open), copies it and leaves it in place. id is
// the frame's, or 0 for a file that is no frame's.
func (s *Spool) setAside(path string, id uint64, from *os.File, reason string) error {
	reason = strings.ReplaceAll(reason, "\n", " ")
	dst, err := quarantineName(filepath.Join(s.dir, quarantineDir), filepath.Base(path))
	if err != nil {
		return err
	}
	if from == nil {
		err = os.Rename(path, dst)
	} else {
		err = copyFile(dst, from)
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst+".reason", []byte(reason+"\n"), 0o600); err != nil {
		return err
	}
	if err := durable.SyncDir(filepath.Dir(dst)); err != nil {
		return err
	}
	s.rec.Damaged = append(s.rec.Damaged, Damage{Path: dst, ID: id, Reason: reason})
	return nil
}

// quarantineName returns a name in dir, free, for a file named base set
// aside now.
func quarantineName(dir, base string) (string, error) {
	stem := filepath.Join(dir, base+"."+time.Now().UTC().Format("20060102T150405.000000000"))
	for i := 0; ; i++ {
		name := stem
		if i > 0 {
			name = fmt.Sprintf("%s-%d", stem, i)
		}
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		} else if err != nil {
			return "", err
		}
	}
}

// copyFile copies from into a new file dst, durably.
func copyFile(dst string, from *os.File) error {
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, io.NewSectionReader(from, 0, 1<<62))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dst)
	}
	return err
}

// quarantinedMaxID is the highest frame ID among the files set aside, so
// that no new frame takes the ID of one an earlier report named.
func (s *Spool) quarantinedMaxID() uint64 {
	entries, _ := os.ReadDir(filepath.Join(s.dir, quarantineDir))
	var maxID uint64
	for _, e := range entries {
		name := e.Name()
		if len(name) > 16 && strings.HasPrefix(name[16:], frameExt) {
			if id, ok := parseHex16(name[:16]); ok {
				maxID = max(maxID, id)
			}
		}
	}
	return maxID
}
