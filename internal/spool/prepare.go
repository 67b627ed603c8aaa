package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"unsafe"
)

// A memory-mapped frame costs most where its pages are first written:
// the kernel faults each page in, allocating and zeroing it; and mapping
// and unmapping 4 MiB cost more than filling it. Where a file can be
// renamed while open (prepareAhead), the spool therefore keeps the next
// frame's file prepared in the background: allocated, mapped and every
// page faulted in, in the spare directory, so that Create only writes the
// header and renames it. Finish keeps the maps of the last few frames,
// and Remove makes their files spare files, up to spareLimit, so that
// their pages, still mapped, are filled again without a fault. Open
// deletes whatever the spare directory holds.

const (
	spareDir   = "spare"
	maxSpares  = 8        // spare files at least
	spareBytes = 64 << 20 // or as many as take this much room
	keptBytes  = 64 << 20 // the maps of finished frames kept, at least 2
)

// spare is a file to prepare again, with its map if kept.
type spare struct {
	path string
	m    *mapping
	n    int // the data its last frame filled, faulted in with m
}

// prepared is a frame file made ready ahead, or why it could not be.
type prepared struct {
	path      string
	file      *os.File
	m         *mapping
	n         int // the data of m faulted in already, if m was recycled
	err       error
	noMapping bool // no map: the file system cannot allocate ahead, or mmap failed
}

// release gives up a prepared file.
func (p prepared) release() {
	if p.m != nil {
		p.m.unmap()
	}
	if p.file != nil {
		p.file.Close()
		os.Remove(p.path)
	}
}

// startAhead starts preparing the next frame file.
func (s *Spool) startAhead() {
	go func() { s.ahead <- s.prepareFile() }()
}

// prepareFile makes a spare file ready to become a frame: a recycled one
// if there is one, else a new one.
func (s *Spool) prepareFile() prepared {
	size := pageSize + s.opts.FrameSize
	s.mu.Lock()
	var p prepared
	if n := len(s.spares); n > 0 {
		i := n - 1
		for j := n - 1; j >= 0; j-- {
			if s.spares[j].m != nil { // one still mapped first
				i = j
				break
			}
		}
		p.path, p.m, p.n = s.spares[i].path, s.spares[i].m, s.spares[i].n
		s.spares = slices.Delete(s.spares, i, i+1)
	} else {
		s.spareSeq++
		p.path = filepath.Join(s.dir, spareDir, fmt.Sprintf("%016x", s.spareSeq))
	}
	s.mu.Unlock()
	p.file, p.err = os.OpenFile(p.path, os.O_RDWR|os.O_CREATE, 0o600)
	if p.err != nil {
		return p
	}
	allocated, err := allocate(p.file, int64(size))
	if err != nil || !allocated {
		p.err, p.noMapping = err, err == nil
		return p
	}
	if p.m == nil {
		if mapFails.Load() {
			p.m, err = nil, errMapFails
		} else {
			p.m, err = mapFile(p.file, size)
		}
		if err != nil {
			// Out of address space, say: the write path from now on.
			p.noMapping = true
			return p
		}
		prefault(p.m.b[:s.prefaultLen()])
	} else if lo, hi := refaultRange(p.n, s.prefaultLen()); lo < hi {
		prefault(p.m.b[lo:hi])
	}
	return p
}

// mapFails makes the maps of the files prepared ahead fail, as mmap does
// out of address space; for a test.
var mapFails atomic.Bool

var errMapFails = errors.New("cannot allocate memory")

// refaultRange is the part of a recycled map to fault in again when a
// frame may fill its first upTo bytes (header included) and the last frame
// filled n bytes of data: the pages from the one where those bytes end,
// whose start madvise needs aligned to a page (and touchPages, to make
// aligned stores). Nothing (lo >= hi) if they reach upTo.
func refaultRange(n, upTo int) (lo, hi int) {
	return (pageSize + n) &^ (pageSize - 1), upTo
}

// minPrefault is the least of a frame's data prepare faults in.
const minPrefault = 256 << 10

// prefaultLen is how much of a frame file's map to fault in ahead: the
// header and as much data as the last frame finished held, at least
// minPrefault, so that frames cut short by flushes do not cost a whole
// frame's faults each.
func (s *Spool) prefaultLen() int {
	n := max(int(s.lastLen.Load()), minPrefault)
	return pageSize + min(n, s.opts.FrameSize)
}

// createAhead makes frame id from the prepared file.
func (s *Spool) createAhead(id uint64, base string, mode mode) (*Filling, error) {
	p := <-s.ahead
	if p.err != nil && !p.noMapping {
		// Try again now, so that the error is this moment's.
		p.release()
		p = s.prepareFile()
	}
	if p.noMapping {
		// No map without room allocated ahead: the write path from now on.
		p.release()
		s.mu.Lock()
		s.mode = modeWrite
		s.ahead = nil // nothing is being prepared
		s.mu.Unlock()
		s.stopAhead()
		return s.create(id, base, modeWrite)
	}
	s.startAhead()
	what := fmt.Sprintf("spool %s: create frame %d", s.dir, id)
	if p.err != nil {
		p.release()
		return nil, wrapWrite(what, p.err)
	}
	page := p.m.b[:pageSize]
	clear(page)
	h := header{id: id, capacity: int64(s.opts.FrameSize), base: base}
	if mode == modeMapLive {
		h.boot = s.boot
	}
	h.encode(page)
	if err := os.Rename(p.path, s.framePath(id)); err != nil {
		p.release()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return s.filling(id, mode, p.file, p.m), nil
}

// keptMap is the map of a finished frame of n bytes whose file is not
// cut yet.
type keptMap struct {
	m *mapping
	n int64
}

// keep holds on to the map of finished frame id, of n bytes, for View,
// Read and recycle, unless the spool keeps enough maps already (keptBytes
// of them, at least two): the frames that wait longest, the next to be
// sent, keep theirs. It reports false if it does not keep it (or no frame
// is prepared ahead).
func (s *Spool) keep(id uint64, m *mapping, n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ahead == nil || s.closed || len(s.kept) >= max(2, keptBytes/len(m.b)) {
		return false
	}
	s.kept[id] = keptMap{m: m, n: n}
	return true
}

// unkeepLocked takes frame id's map out of those kept, if it is there.
// s.mu is held.
func (s *Spool) unkeepLocked(id uint64) (keptMap, bool) {
	k, ok := s.kept[id]
	if ok {
		delete(s.kept, id)
	}
	return k, ok
}

// letGo unmaps a kept map and cuts its frame's file, as Finish would
// have.
func (s *Spool) letGo(id uint64, k keptMap) {
	k.m.unmap()
	// Gone already, or cut by Open later: nothing is lost if this fails.
	_ = os.Truncate(s.framePath(id), pageSize+k.n)
}

// recycle makes a removed frame's file a spare, if fewer than spareLimit
// are kept; it reports false if the file is not kept. The frame's map,
// if kept, goes with it, or is released.
func (s *Spool) recycle(id uint64) (bool, error) {
	s.mu.Lock()
	k, _ := s.unkeepLocked(id)
	m, filled := k.m, int(k.n)
	if s.ahead == nil || len(s.spares) >= s.spareLimit() {
		s.mu.Unlock()
		if m != nil {
			m.unmap()
		}
		return false, nil
	}
	s.spareSeq++
	path := filepath.Join(s.dir, spareDir, fmt.Sprintf("%016x", s.spareSeq))
	mapped := 0
	for _, sp := range s.spares {
		if sp.m != nil {
			mapped++
		}
	}
	s.mu.Unlock()
	if m != nil && mapped >= maxSpares {
		// Beyond maxSpares the file is kept, not its map: its pages
		// would count in the process's resident memory.
		m.unmap()
		m, filled = nil, 0
	}
	err := os.Rename(s.framePath(id), path)
	if err != nil {
		if m != nil {
			m.unmap()
		}
		if errors.Is(err, fs.ErrNotExist) {
			return true, nil
		}
		return false, err
	}
	s.mu.Lock()
	if s.ahead == nil { // stopped meanwhile: spares are no longer kept
		s.mu.Unlock()
		if m != nil {
			m.unmap()
		}
		return false, os.Remove(path)
	}
	s.spares = append(s.spares, spare{path: path, m: m, n: filled})
	s.mu.Unlock()
	return true, nil
}

// spareLimit is how many spare files the spool keeps: maxSpares, or as
// many as spareBytes holds, so that the frames of a big append, removed
// together, make the files of the next ones.
func (s *Spool) spareLimit() int { return max(maxSpares, spareBytes/(pageSize+s.opts.FrameSize)) }

// stopAhead waits for the file being prepared, if one is, and removes it
// and the spare files. The maps kept stay: View's slices of them may be
// in use until their frames are removed (recycle lets them go then) or
// the spool is closed (releaseKept). s.cmu is held.
func (s *Spool) stopAhead() {
	if s.ahead != nil {
		(<-s.ahead).release()
	}
	s.mu.Lock()
	s.ahead = nil
	spares := s.spares
	s.spares = nil
	s.mu.Unlock()
	for _, sp := range spares {
		if sp.m != nil {
			sp.m.unmap()
		}
		os.Remove(sp.path)
	}
}

// releaseKept releases the maps kept, at Close.
func (s *Spool) releaseKept() {
	s.mu.Lock()
	kept := s.kept
	s.kept = nil
	s.mu.Unlock()
	for id, k := range kept {
		s.letGo(id, k)
	}
}

// clearSpares empties the spare directory at Open.
func (s *Spool) clearSpares() error {
	dir := filepath.Join(s.dir, spareDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// touchPages writes to every page of b but the first, so that the kernel
// faults them in now; a byte is added zero to.
func touchPages(b []byte) {
	for i := pageSize; i+4 <= len(b); i += pageSize {
		atomic.AddUint32((*uint32)(unsafe.Pointer(&b[i])), 0)
	}
}
