package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"unsafe"
)

// mode is how a frame keeps what is committed to it.
type mode uint8

const (
	// modeWrite: Commit writes the new bytes and a commit record with
	// pwrite; the data waits in a heap buffer.
	modeWrite mode = iota
	// modeMapCRC: the data is in a shared memory map of the file, and
	// Commit stores a checksummed commit record there.
	modeMapCRC
	// modeMapLive: the data is in a shared memory map of the file, and
	// Commit stores the live length word there, which recovery in the same
	// boot trusts; Sync, Finish and Close write checksummed checkpoints.
	modeMapLive
)

// errFinished is the error of using a Filling after Finish or Close.
var errFinished = errors.New("frame is no longer filling")

// A Filling is a frame being filled. Its methods must not be called
// concurrently with each other or with Close of its Spool; Sync of the
// Spool may run at any time.
type Filling struct {
	// ID names the frame.
	ID uint64

	// Buf has length 0 and capacity FrameSize: the caller appends to it
	// and passes the result to Commit. It is in a memory map of the file
	// where possible, else on the heap. It must not be used after Finish
	// or Close (its memory may become another frame's): read the frame
	// back with Spool.Read.
	Buf []byte

	s    *Spool
	mode mode
	live *uint64 // modeMapLive: the live length word, in the map
	base *byte   // the first byte of the data, to recognise Buf
	data []byte  // the data, capacity FrameSize
	hdr  []byte  // the header page, in the map
	n    int     // committed length
	// modeMapCRC, modeWrite: the last commit record.
	crc     uint32
	gen     uint64
	scratch [slotLen]byte

	mu   sync.Mutex // Sync, Finish and Close against each other
	file *os.File
	m    *mapping // nil in modeWrite
	ck   slot     // the last record Sync or Finish wrote
	done bool

	ended bool // End was called; under s.mu
}

// Create starts a new frame file for the chain whose first key is base.
// Its ID is one more than the highest the directory has seen. The file
// takes room for FrameSize bytes now where the platform can allocate ahead
// (Linux, Windows), so that a full disk is an error here, wrapping
// ErrFull, and not a fault later.
func (s *Spool) Create(base string) (*Filling, error) {
	if len(base) > maxBase {
		return nil, fmt.Errorf("spool %s: key %.40q... is longer than %d bytes", s.dir, base, maxBase)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, fmt.Errorf("spool %s: create a frame: the spool is closed", s.dir)
	}
	id, mode := s.next, s.mode
	s.next++
	s.used += int64(s.opts.FrameSize)
	s.mu.Unlock()

	var f *Filling
	var err error
	s.cmu.Lock()
	if s.ahead != nil && mode != modeWrite {
		f, err = s.createAhead(id, base, mode)
	} else {
		f, err = s.create(id, base, mode)
	}
	s.cmu.Unlock()

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.used -= int64(s.opts.FrameSize)
		return nil, err
	}
	s.fillings[id] = f
	return f, nil
}

func (s *Spool) create(id uint64, base string, mode mode) (_ *Filling, err error) {
	path := s.framePath(id)
	what := fmt.Sprintf("spool %s: create frame %d", s.dir, id)
	mode, err = s.prepare(path, id, base, mode)
	if err != nil {
		os.Remove(path + tmpExt)
		return nil, wrapWrite(what, err)
	}
	file, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var m *mapping
	if mode != modeWrite {
		if m, err = mapFile(file, pageSize+s.opts.FrameSize); err != nil {
			// Out of address space, say: the write path from now on.
			mode = modeWrite
			s.mu.Lock()
			s.mode = modeWrite
			s.mu.Unlock()
		}
	}
	return s.filling(id, mode, file, m), nil
}

// filling makes the Filling of a new frame's file, mapped by m unless
// the mode is modeWrite.
func (s *Spool) filling(id uint64, mode mode, file *os.File, m *mapping) *Filling {
	f := &Filling{ID: id, s: s, mode: mode, file: file}
	if mode == modeWrite {
		f.data = s.heapBuffer()
	} else {
		f.m, f.hdr, f.data = m, m.b[:pageSize:pageSize], m.b[pageSize:pageSize+s.opts.FrameSize]
		if mode == modeMapLive {
			f.live = (*uint64)(unsafe.Pointer(&m.b[offLive]))
		}
	}
	f.Buf = f.data[:0]
	f.base = unsafe.SliceData(f.data)
	return f
}

// prepare makes frame id's file: under a temporary name, which recovery
// removes, it allocates the room and writes the header; then it gives it
// its name. It returns the mode the frame can have.
func (s *Spool) prepare(path string, id uint64, base string, mode mode) (mode, error) {
	tmp, err := os.OpenFile(path+tmpExt, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return mode, err
	}
	allocated, err := allocate(tmp, int64(pageSize+s.opts.FrameSize))
	if err == nil && !allocated && mode != modeWrite {
		// A map over blocks not allocated could fault on a full disk.
		mode = modeWrite
		s.mu.Lock()
		s.mode = modeWrite
		s.mu.Unlock()
	}
	if err == nil {
		h := header{id: id, capacity: int64(s.opts.FrameSize), base: base}
		if mode == modeMapLive {
			h.boot = s.boot
		}
		page := make([]byte, pageSize)
		h.encode(page)
		_, err = tmp.WriteAt(page, 0)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Closed first: Windows renames no open file.
		err = os.Rename(path+tmpExt, path)
	}
	return mode, err
}

// Commit makes buf the frame's bytes: buf is Buf, or what it was when last
// committed, after the caller appended to it. Bytes committed before must
// not change. A process killed after Commit returns keeps every byte
// committed; one killed during Commit keeps every byte committed before.
//
// With a memory map, Commit stores a few words and makes no system call.
// On the write path it writes the new bytes and a commit record, and may
// fail, wrapping ErrFull when there is no room; the frame then keeps what
// was committed before.
func (f *Filling) Commit(buf []byte) error {
	if f.live != nil && len(buf) >= f.n && unsafe.SliceData(buf) == f.base {
		storeLive(f.live, liveWord(len(buf)))
		f.n = len(buf)
		return nil
	}
	return f.commit(buf)
}

// Data returns the bytes committed to the frame, in its map or its heap
// buffer, for the caller to read until it calls Finish or Close.
func (f *Filling) Data() []byte { return f.data[:f.n:f.n] }

// commit is Commit's other paths.
func (f *Filling) commit(buf []byte) error {
	n := len(buf)
	if f.data == nil {
		return fmt.Errorf("spool %s: commit to frame %d: %w", f.s.dir, f.ID, errFinished)
	}
	if n < f.n || n > 0 && unsafe.SliceData(buf) != f.base {
		return fmt.Errorf("spool %s: commit to frame %d: the buffer is not the frame's, extended (%d bytes, %d committed)",
			f.s.dir, f.ID, n, f.n)
	}
	if f.mode == modeMapLive {
		storeLive(f.live, liveWord(n))
		f.n = n
		return nil
	}
	crc, gen := crc32c(f.crc, f.data[f.n:n]), f.gen+1
	if f.mode == modeMapCRC {
		putSlot(f.hdr[slotOffsets[gen&1]:], slot{gen: gen, n: int64(n), crc: crc})
	} else {
		if n > f.n {
			if _, err := f.file.WriteAt(f.data[f.n:n], int64(pageSize+f.n)); err != nil {
				return f.writeError(err)
			}
		}
		putSlot(f.scratch[:], slot{gen: gen, n: int64(n), crc: crc})
		if _, err := f.file.WriteAt(f.scratch[:], int64(slotOffsets[gen&1])); err != nil {
			return f.writeError(err)
		}
	}
	f.n, f.crc, f.gen = n, crc, gen
	return nil
}

func (f *Filling) writeError(err error) error {
	return wrapWrite(fmt.Sprintf("spool %s: commit to frame %d", f.s.dir, f.ID), f.s.atFrame(f.ID, err))
}

// Finish ends the filling: the last commit checkpointed, the file cut to
// its header and data (on Linux, once the spool lets go of the frame's
// map, which it keeps a while for a later frame), the map released, the
// file closed. The frame is
// then on disk for Read. Buf must not be used after.
func (f *Filling) Finish() error {
	f.mu.Lock()
	if f.done {
		f.mu.Unlock()
		return fmt.Errorf("spool %s: finish frame %d: %w", f.s.dir, f.ID, errFinished)
	}
	var errs []error
	if f.mode == modeMapLive {
		f.checkpointLive(f.n)
		storeLive(f.live, 0)
	}
	kept, err := f.release()
	errs = append(errs, err)
	if !kept {
		errs = append(errs, f.file.Truncate(int64(pageSize+f.n)))
	}
	errs = append(errs, f.file.Close())
	f.mu.Unlock()

	s := f.s
	s.lastLen.Store(int64(f.n))
	s.mu.Lock()
	delete(s.fillings, f.ID)
	s.lens[f.ID] = int64(f.n)
	s.unsynced[f.ID] = true
	f.endLocked()
	s.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("spool %s: finish frame %d: %w", s.dir, f.ID, s.atFrame(f.ID, err))
	}
	return nil
}

// End says that the frame takes no more bytes: from now on Used counts
// it at its committed length, not at FrameSize, though it is not finished
// yet. Commit must not be called after it; Finish must still be.
func (f *Filling) End() {
	f.s.mu.Lock()
	f.endLocked()
	f.s.mu.Unlock()
}

// endLocked counts the frame at its committed length, once. s.mu is held.
func (f *Filling) endLocked() {
	if !f.ended {
		f.ended = true
		f.s.used += int64(f.n) - int64(f.s.opts.FrameSize)
	}
}

// atFrame makes the file errors in err name frame id's file, which a
// frame made from a spare file was opened under another name.
func (s *Spool) atFrame(id uint64, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		pe.Path = s.framePath(id)
	}
	return err
}

// heapBuffer returns a buffer of FrameSize bytes for a frame on the write
// path, one a finished frame left if there is one.
func (s *Spool) heapBuffer() []byte {
	if p, ok := s.buffers.Get().(*[]byte); ok {
		return *p
	}
	return make([]byte, s.opts.FrameSize)
}

// checkpointLive stores a checksummed commit record of the first n bytes
// in the map, in the slot Sync or Finish did not write last. f.mu is held.
func (f *Filling) checkpointLive(n int) {
	ck := slot{gen: f.ck.gen + 1, n: int64(n), crc: crc32c(f.ck.crc, f.data[f.ck.n:n])}
	putSlot(f.hdr[slotOffsets[ck.gen&1]:], ck)
	f.ck = ck
}

// release ends the frame's use of its memory, after which Commit fails:
// it unmaps it, or hands the map to the spool to keep (kept is true; the
// spool then cuts the file when it lets the map go). f.mu is held.
func (f *Filling) release() (kept bool, err error) {
	f.done = true
	if f.mode == modeWrite {
		buf := f.data
		f.s.buffers.Put(&buf)
	}
	f.live, f.data, f.hdr, f.Buf = nil, nil, nil, nil
	m := f.m
	f.m = nil
	if m == nil {
		return false, nil
	}
	if err := m.flush(); err != nil {
		m.unmap()
		return false, err
	}
	if f.s.keep(f.ID, m, int64(f.n)) {
		return true, nil
	}
	return false, m.unmap()
}

// abandon leaves an unfinished frame on disk for Close: checkpointed, so
// that its bytes survive a restart of the machine once the kernel has
// written them, and released.
func (f *Filling) abandon() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return nil
	}
	if f.mode == modeMapLive {
		f.checkpointLive(f.n)
	}
	_, err := f.release()
	if cerr := f.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spool %s: close frame %d: %w", f.s.dir, f.ID, err)
	}
	return nil
}
