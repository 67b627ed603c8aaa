package spool

import (
	"encoding/binary"
	"fmt"
	"os"
	"slices"
)

// damagedError says why a frame file failed its checks.
type damagedError struct {
	path, reason string
}

func (e *damagedError) Error() string { return e.path + ": " + ErrDamaged.Error() + ": " + e.reason }
func (e *damagedError) Unwrap() error { return ErrDamaged }

// Read appends the data of finished frame id to dst, after checking it
// against the frame's checksums (an error wrapping ErrDamaged if it does
// not match). A frame that does not exist gives an error wrapping
// fs.ErrNotExist. A frame this spool finished and still maps (see keep)
// is copied from the map: those are the bytes committed, and Finish has
// just taken their checksum.
func (s *Spool) Read(id uint64, dst []byte) ([]byte, error) {
	s.mu.Lock()
	_, filling := s.fillings[id]
	if k, ok := s.kept[id]; ok {
		dst = append(dst, k.m.b[pageSize:pageSize+k.n]...) // under mu: letGo waits
		s.mu.Unlock()
		return dst, nil
	}
	s.mu.Unlock()
	if filling {
		return dst, fmt.Errorf("spool %s: read frame %d: it is still filling", s.dir, id)
	}
	path := s.framePath(id)
	f, err := os.Open(path)
	if err != nil {
		return dst, fmt.Errorf("spool %s: read frame %d: %w", s.dir, id, err)
	}
	defer f.Close()
	out, err := readFrame(f, id, dst)
	if err != nil {
		return dst, fmt.Errorf("spool %s: read frame %d: %w", s.dir, id, err)
	}
	return out, nil
}

// readFrame reads a finished frame: every commit record valid, no live
// length, the newest record naming no more data than the file holds, and
// that data matching its CRC.
func readFrame(f *os.File, id uint64, dst []byte) ([]byte, error) {
	newest, err := checkFinished(f, id)
	if err != nil {
		return dst, err
	}
	start, n := len(dst), int(newest.n)
	dst = slices.Grow(dst, n)[:start+n]
	if _, err := f.ReadAt(dst[start:], pageSize); err != nil {
		return dst[:start], err
	}
	if crc := crc32c(0, dst[start:]); crc != newest.crc {
		return dst[:start], dataMismatch(f, newest.crc, crc)
	}
	return dst, nil
}

// checkFinished checks what a finished frame's file says of its data
// before it is read: its header, no live length, every commit record
// valid, and the newest naming no more data than the file holds. It
// returns that record.
func checkFinished(f *os.File, id uint64) (slot, error) {
	damaged := func(format string, args ...any) error {
		return &damagedError{path: f.Name(), reason: fmt.Sprintf(format, args...)}
	}
	fi, err := f.Stat()
	if err != nil {
		return slot{}, err
	}
	if fi.Size() < pageSize {
		return slot{}, damaged("the file is shorter than its header (%d bytes)", fi.Size())
	}
	var page [pageSize]byte
	if _, err := f.ReadAt(page[:], 0); err != nil {
		return slot{}, err
	}
	h, why := decodeHeader(page[:])
	switch {
	case why != "":
		return slot{}, damaged("%s", why)
	case h.id != id:
		return slot{}, damaged("its header names frame %d", h.id)
	}
	if _, used, _ := decodeLive(binary.LittleEndian.Uint64(page[offLive:])); used {
		return slot{}, damaged("it was never finished (it has a live length)")
	}
	var newest slot
	for i, off := range slotOffsets {
		s, ok := getSlot(page[off:])
		if !ok {
			return slot{}, damaged("commit record %s is torn or damaged", slotName[i])
		}
		if i == 0 || s.gen > newest.gen {
			newest = s
		}
	}
	if size := fi.Size() - pageSize; newest.n > size {
		return slot{}, damaged("the commit record names %d bytes, the file holds %d (cut short)", newest.n, size)
	}
	return newest, nil
}

// dataMismatch is the error of a frame whose data does not match its
// checksum.
func dataMismatch(f *os.File, stored, computed uint32) error {
	return &damagedError{path: f.Name(), reason: fmt.Sprintf("the data does not match its checksum (stored %08x, computed %08x)", stored, computed)}
}
