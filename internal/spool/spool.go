package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/ossappend/ossappend/internal/dirlock"
)

// The names inside a spool directory.
const (
	framesDir     = "frames"
	quarantineDir = "quarantine"
	intentFile    = "intent"
	frameExt      = ".frame"
	tmpExt        = ".tmp"
)

// A Spool is a directory of frames held by this process. Its methods are
// safe for concurrent use, except Close, after which nothing may be used.
type Spool struct {
	dir  string
	opts Options
	lock *dirlock.Lock
	boot string // this boot's ID, where the platform tells it, else ""
	rec  Recovery

	mu       sync.Mutex
	mode     mode // for new frames
	next     uint64
	fillings map[uint64]*Filling
	lens     map[uint64]int64 // finished frames' lengths
	unsynced map[uint64]bool  // finished frames Sync has not made durable
	used     int64
	closed   bool

	buffers sync.Pool    // heap buffers of frames on the write path
	lastLen atomic.Int64 // the length of the frame finished last

	cmu      sync.Mutex         // Create, and Close of what it uses
	ahead    chan prepared      // the next frame file, being prepared; nil if none are
	spares   []spare            // removed frames' files, to prepare again (under mu)
	spareSeq uint64             // names spare files (under mu)
	kept     map[uint64]keptMap // maps of finished frames, for View, Read and recycle (under mu)

	imu     sync.Mutex // Record
	intent  *os.File
	intents intentState
}

// Recovery is what Open found in the directory.
type Recovery struct {
	// Frames are the frames on disk, by ID ascending, which is the order
	// they were created in. Each was verified against its checksums.
	Frames []Frame

	// Intent is the newest valid intent record, or nil.
	Intent *Intent

	// Damaged are the files Open moved or copied into the quarantine
	// directory, each with the reason.
	Damaged []Damage
}

// Frame is a frame on disk.
type Frame struct {
	ID   uint64
	Base string // the first key of the chain the frame is for
	Len  int64  // bytes of data
}

// Damage is a file Open set aside.
type Damage struct {
	Path   string // where it is now, in the quarantine directory
	ID     uint64 // the frame's ID; 0 for a file that is no frame's
	Reason string // one line
}

// Open takes the spool directory o.Dir for this process and recovers what
// it holds. See the package documentation.
func Open(o Options) (*Spool, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	dir := filepath.Clean(o.Dir)
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	lock, err := dirlock.Acquire(dir)
	if err != nil {
		if errors.Is(err, dirlock.ErrLocked) {
			return nil, &busyError{dir: dir, owner: ownerOf(dir), err: err}
		}
		return nil, fmt.Errorf("spool directory %s: %w", dir, err)
	}
	s := &Spool{dir: dir, opts: o, lock: lock, fillings: map[uint64]*Filling{},
		lens: map[uint64]int64{}, unsynced: map[uint64]bool{}}
	// Recovery needs the boot ID whatever path new frames take.
	s.boot = bootID()
	s.mode = modeWrite
	if !o.WritePath && canMap {
		s.mode = modeMapCRC
		if fastArch && !o.noLive && s.boot != "" {
			s.mode = modeMapLive
		}
	}
	// Temporary files of replaceFile that a crash left behind.
	if tmps, err := filepath.Glob(filepath.Join(dir, "*"+tmpExt+"-*")); err == nil {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	if err := s.open(); err != nil {
		if s.intent != nil {
			s.intent.Close()
		}
		lock.Release()
		return nil, err
	}
	return s, nil
}

// checkDir refuses a directory that is missing or that the process cannot
// create files in.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("spool directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("spool directory %s is not a directory", dir)
	}
	probe, err := os.CreateTemp(dir, ".probe-")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || isReadOnly(err) {
			return &notWritable{dir: dir, err: err}
		}
		return fmt.Errorf("spool directory %s: %w", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// open makes the directories, checks the identity and recovers the frames
// and the intent record.
func (s *Spool) open() error {
	for _, d := range []string{framesDir, quarantineDir, spareDir} {
		if err := os.Mkdir(filepath.Join(s.dir, d), 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("spool directory %s: %w", s.dir, err)
		}
	}
	if err := s.clearSpares(); err != nil {
		return fmt.Errorf("spool directory %s: %w", s.dir, err)
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, framesDir))
	if err != nil {
		return fmt.Errorf("spool directory %s: %w", s.dir, err)
	}
	hasFrames := false
	for _, e := range entries {
		if _, kind := parseName(e.Name()); kind == frameName {
			hasFrames = true
		}
	}
	stored, err := s.claim(hasFrames)
	if err != nil {
		return err
	}
	last, err := s.loadIntent()
	if err != nil {
		return err
	}
	maxID, err := s.recoverFrames(entries)
	if err != nil {
		return err
	}
	s.next = max(maxID+1, last+1, s.quarantinedMaxID()+1, stored, 1)
	if s.next != stored {
		if err := writeIdentity(s.dir, s.opts.Identity, s.next); err != nil {
			return wrapWrite("spool directory "+s.dir+": write "+identityFile, err)
		}
	}
	if prepareAhead && s.mode != modeWrite {
		s.ahead, s.kept = make(chan prepared, 1), map[uint64]keptMap{}
		s.startAhead()
	}
	for _, f := range s.rec.Frames {
		s.lens[f.ID] = f.Len
		s.unsynced[f.ID] = true
		s.used += f.Len
	}
	return nil
}

// Recovered returns what Open found.
func (s *Spool) Recovered() Recovery {
	r := s.rec
	r.Frames = append([]Frame(nil), r.Frames...)
	r.Damaged = append([]Damage(nil), r.Damaged...)
	if r.Intent != nil {
		in := *r.Intent
		r.Intent = &in
	}
	return r
}

// Dir returns the spool directory.
func (s *Spool) Dir() string { return s.dir }

// Used returns the bytes the frames take: the lengths of the finished
// ones and of those ended (Filling.End), and FrameSize for each one still
// filling.
func (s *Spool) Used() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

// Remove deletes frames. A frame already gone is no error; a frame still
// filling is. The deletions become durable with the next Sync, or, for
// frames before those of a later Record, when that record is (see Record).
func (s *Spool) Remove(ids ...uint64) error {
	var errs []error
	for _, id := range ids {
		s.mu.Lock()
		if _, ok := s.fillings[id]; ok {
			s.mu.Unlock()
			errs = append(errs, fmt.Errorf("spool %s: remove frame %d: it is still filling", s.dir, id))
			continue
		}
		s.used -= s.lens[id]
		delete(s.lens, id)
		delete(s.unsynced, id)
		s.mu.Unlock()
		kept, err := s.recycle(id)
		if err == nil && !kept {
			err = os.Remove(s.framePath(id))
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("spool %s: remove frame %d: %w", s.dir, id, err))
		}
	}
	return errors.Join(errs...)
}

// Close releases the directory. A frame still filling stays on disk with
// what was committed to it, checkpointed so that a restart of the machine
// keeps it too; its Filling can no longer be used. Calling Close again
// does nothing.
func (s *Spool) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	fills := make([]*Filling, 0, len(s.fillings))
	for _, f := range s.fillings {
		fills = append(fills, f)
	}
	s.mu.Unlock()
	var errs []error
	for _, f := range fills {
		errs = append(errs, f.abandon())
	}
	s.cmu.Lock()
	s.stopAhead()
	s.cmu.Unlock()
	s.releaseKept()
	s.imu.Lock()
	if s.intent != nil {
		errs = append(errs, s.intent.Close())
	}
	s.imu.Unlock()
	errs = append(errs, s.lock.Release())
	return errors.Join(errs...)
}

func (s *Spool) framePath(id uint64) string {
	return filepath.Join(s.dir, framesDir, frameName16(id)+frameExt)
}

func (s *Spool) intentPath() string { return filepath.Join(s.dir, intentFile) }

// frameName16 is an ID as 16 hexadecimal digits.
func frameName16(id uint64) string { return fmt.Sprintf("%016x", id) }

// The kinds of names in the frames directory.
const (
	otherName = iota
	frameName // <ID>.frame
	tmpName   // <ID>.frame.tmp: a frame Create did not finish making
)

// parseName tells what a file in the frames directory is and its ID.
func parseName(name string) (uint64, int) {
	kind := frameName
	if len(name) == 16+len(frameExt)+len(tmpExt) && name[16+len(frameExt):] == tmpExt {
		kind, name = tmpName, name[:16+len(frameExt)]
	}
	if len(name) != 16+len(frameExt) || name[16:] != frameExt {
		return 0, otherName
	}
	id, ok := parseHex16(name[:16])
	if !ok {
		return 0, otherName
	}
	return id, kind
}

// parseHex16 reads 16 lower-case hexadecimal digits.
func parseHex16(s string) (uint64, bool) {
	if len(s) != 16 {
		return 0, false
	}
	var id uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			id = id<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			id = id<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return id, true
}
