package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/ossappend/ossappend/internal/durable"
)

// Sync makes every byte committed before it was called durable, so that
// it survives a power loss too: the frames still filling, the finished
// frames not synced yet, and the frames directory.
func (s *Spool) Sync() error {
	s.mu.Lock()
	fills := make([]*Filling, 0, len(s.fillings))
	for _, f := range s.fillings {
		fills = append(fills, f)
	}
	var pend []uint64
	for id := range s.unsynced {
		pend = append(pend, id)
	}
	clear(s.unsynced)
	s.mu.Unlock()

	var errs []error
	for _, f := range fills {
		finished, err := f.sync()
		if finished {
			pend = append(pend, f.ID) // Finish ran meanwhile: sync the file
		}
		errs = append(errs, err)
	}
	var failed []uint64
	for _, id := range pend {
		if err := syncFile(s.framePath(id)); err != nil {
			errs = append(errs, err)
			failed = append(failed, id)
		}
	}
	if err := durable.SyncDir(filepath.Join(s.dir, framesDir)); err != nil {
		errs = append(errs, err)
	}
	if len(failed) > 0 {
		s.mu.Lock()
		for _, id := range failed {
			if _, ok := s.lens[id]; ok {
				s.unsynced[id] = true
			}
		}
		s.mu.Unlock()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("spool %s: sync: %w", s.dir, err)
	}
	return nil
}

// syncFile makes a finished frame's file durable; one removed meanwhile
// needs nothing.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	err = datasync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// sync makes what is committed to a filling frame durable, with a
// checksummed record of it that a restart of the machine trusts. It
// reports whether the frame was finished (or abandoned) instead.
func (f *Filling) sync() (finished bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return true, nil
	}
	if f.mode == modeMapLive {
		// The checkpoint goes into the slot not written last, so a power
		// loss during the flush leaves the last one, whose data is
		// durable: one flush makes both durable.
		n, _, _ := decodeLive(atomic.LoadUint64(f.live))
		if int64(n) <= f.ck.n {
			return false, nil
		}
		f.checkpointLive(int(n))
		return false, datasync(f.file)
	}
	last, ok := f.lastCommit()
	if !ok || last.n <= f.ck.n {
		return false, nil
	}
	// Slot C is the only copy of what the last Sync made durable: the
	// data must be durable before it is overwritten.
	if err := f.flush(); err != nil {
		return false, err
	}
	if f.m != nil {
		putSlot(f.hdr[slotOffsets[2]:], last)
	} else {
		var b [slotLen]byte
		putSlot(b[:], last)
		if _, err := f.file.WriteAt(b[:], int64(slotOffsets[2])); err != nil {
			return false, err
		}
	}
	if err := f.flush(); err != nil {
		return false, err
	}
	f.ck = last
	return false, nil
}

// flush writes the map's pages and makes the file durable. f.mu is held.
func (f *Filling) flush() error {
	if f.m != nil {
		if err := f.m.flush(); err != nil {
			return err
		}
	}
	return datasync(f.file)
}

// lastCommit returns the newest commit record of A and B that Commit
// wrote, as Sync finds it while Commit may be writing the other. f.mu is
// held.
func (f *Filling) lastCommit() (slot, bool) {
	var page [2][slotLen]byte
	for i := range page {
		if f.m != nil {
			copy(page[i][:], f.hdr[slotOffsets[i]:])
		} else if _, err := f.file.ReadAt(page[i][:], int64(slotOffsets[i])); err != nil {
			return slot{}, false
		}
	}
	var best slot
	found := false
	for i := range page {
		s, ok := getSlot(page[i][:])
		if !ok || s.n < f.ck.n || s.n > int64(f.s.opts.FrameSize) || found && s.gen <= best.gen {
			continue
		}
		// In a map, the record may be seen before the bytes it counts on
		// a processor that orders stores loosely: check them.
		if f.m != nil && crc32c(f.ck.crc, f.data[f.ck.n:s.n]) != s.crc {
			continue
		}
		best, found = s, true
	}
	return best, found
}
