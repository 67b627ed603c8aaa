package spool

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A test binary started with childEnv set runs the child named by its
// value instead of the tests (see children in *_test.go files).
const childEnv = "SPOOL_TEST_CHILD"

// children are the child processes tests start, by name.
var children = map[string]func() int{}

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		run, ok := children[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "no child %q\n", name)
			os.Exit(2)
		}
		os.Exit(run())
	}
	os.Exit(m.Run())
}

var testID = Identity{Bucket: "bkt", Key: "logs/app.log", Codec: "zstd"}

// A path is one way frames keep their bytes; tests run on each this
// platform has.
type path struct {
	name string
	opts func(*Options)
}

func paths() []path {
	ps := []path{}
	if canMap && fastArch && bootID() != "" {
		ps = append(ps, path{"live", func(*Options) {}})
	}
	if canMap {
		ps = append(ps, path{"mapcrc", func(o *Options) { o.noLive = true }})
	}
	return append(ps, path{"write", func(o *Options) { o.WritePath = true }})
}

// eachPath runs f in a subtest for each path, with options for a new
// spool directory.
func eachPath(t *testing.T, f func(t *testing.T, o Options)) {
	for _, p := range paths() {
		t.Run(p.name, func(t *testing.T) {
			o := Options{Dir: t.TempDir(), Identity: testID, FrameSize: 64 << 10}
			p.opts(&o)
			f(t, o)
		})
	}
}

// pathOptions returns the options of the named path.
func pathOptions(name string, o Options) Options {
	for _, p := range paths() {
		if p.name == name {
			p.opts(&o)
			return o
		}
	}
	panic("no path " + name)
}

func mustOpen(t testing.TB, o Options) *Spool {
	t.Helper()
	s, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pattern returns n bytes of a stream that differs at every offset for a
// given seed.
func pattern(seed, off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		x := uint32(seed)*2654435761 ^ uint32(off+i)*2246822519
		b[i] = byte(x>>24 ^ x>>13 ^ x)
	}
	return b
}

// fill creates a frame and commits data to it in pieces of step bytes,
// syncing the spool after syncAt bytes if syncAt > 0.
func fill(t testing.TB, s *Spool, base string, data []byte, step, syncAt int) *Filling {
	t.Helper()
	f, err := s.Create(base)
	if err != nil {
		t.Fatal(err)
	}
	buf := f.Buf
	for off := 0; off < len(data); off += step {
		buf = append(buf, data[off:min(off+step, len(data))]...)
		if err := f.Commit(buf); err != nil {
			t.Fatal(err)
		}
		if syncAt > 0 && len(buf) == syncAt {
			if err := s.Sync(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

// finished creates a frame with data and finishes it.
func finished(t testing.TB, s *Spool, base string, data []byte, step, syncAt int) uint64 {
	t.Helper()
	f := fill(t, s, base, data, step, syncAt)
	if err := f.Finish(); err != nil {
		t.Fatal(err)
	}
	return f.ID
}

func mustRead(t testing.TB, s *Spool, id uint64) []byte {
	t.Helper()
	b, err := s.Read(id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kill leaves s as the death of its process would: the lock released, the
// files and maps of frames still filling as they are, nothing finished or
// checkpointed.
func kill(t testing.TB, s *Spool) {
	t.Helper()
	s.mu.Lock()
	s.closed = true
	fills := s.fillings
	s.mu.Unlock()
	s.intent.Close()
	// The file being prepared ahead stays, in the spare directory, as a
	// killed process would leave it.
	var p prepared
	if s.ahead != nil {
		p = <-s.ahead
	}
	if err := s.lock.Release(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, f := range fills {
			if f.m != nil {
				f.m.unmap()
			}
			f.file.Close()
		}
		if p.m != nil {
			p.m.unmap()
		}
		if p.file != nil {
			p.file.Close()
		}
	})
}

// checkDamage checks that Recovered reports exactly one damaged file,
// moved or copied into the quarantine directory with a one-line reason
// file, the reason containing each of want.
func checkDamage(t *testing.T, s *Spool, want ...string) Damage {
	t.Helper()
	d := s.Recovered().Damaged
	if len(d) != 1 {
		t.Fatalf("damaged = %+v, want one", d)
	}
	for _, w := range want {
		if !strings.Contains(d[0].Reason, w) {
			t.Errorf("reason %q does not say %q", d[0].Reason, w)
		}
	}
	if filepath.Dir(d[0].Path) != filepath.Join(s.dir, quarantineDir) {
		t.Errorf("damaged file %s is not in the quarantine directory", d[0].Path)
	}
	if _, err := os.Stat(d[0].Path); err != nil {
		t.Error(err)
	}
	raw, err := os.ReadFile(d[0].Path + ".reason")
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != d[0].Reason+"\n" {
		t.Errorf("reason file holds %q, want the reason on one line", raw)
	}
	return d[0]
}

// frameIDs lists the IDs of recovered frames.
func frameIDs(fr []Frame) []uint64 {
	var ids []uint64
	for _, f := range fr {
		ids = append(ids, f.ID)
	}
	return ids
}

// flipByte inverts one byte of a file.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
}

// newestSlot returns the offset of the commit record with the highest
// generation in a frame file, and the generation.
func newestSlot(t *testing.T, path string) (int, uint64) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	best, gen := -1, uint64(0)
	for _, off := range slotOffsets {
		if s, ok := getSlot(raw[off:]); ok && (best < 0 || s.gen > gen) {
			best, gen = off, s.gen
		}
	}
	return best, gen
}

// rewriteBoot changes the boot ID in a frame's header, with a valid
// header checksum: the frame then looks written before a restart.
func rewriteBoot(t *testing.T, path, boot string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, pageSize)
	if _, err := f.ReadAt(page, 0); err != nil {
		t.Fatal(err)
	}
	page[offBootLen] = byte(len(boot))
	copy(page[offBoot:offBoot+maxBoot], append([]byte(boot), make([]byte, maxBoot)...))
	binary.LittleEndian.PutUint32(page[offHeaderCRC:], crc32c(0, page[:offHeaderCRC]))
	if _, err := f.WriteAt(page[:offLive], 0); err != nil {
		t.Fatal(err)
	}
}

func equalBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: %d bytes, want %d; first difference at %d", what, len(got), len(want), i)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
