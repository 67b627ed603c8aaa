package ossappend

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ossappend/ossappend/internal/fastcrc"
	"github.com/ossappend/ossappend/internal/spool"
)

// spoolFrame finishes a frame holding data in s and returns it as the
// loader hands it on to be read from its file.
func spoolFrame(t *testing.T, s *spool.Spool, data []byte) *frame {
	t.Helper()
	f, err := s.Create("k")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(append(f.Buf, data...)); err != nil {
		t.Fatal(err)
	}
	if err := f.Finish(); err != nil {
		t.Fatal(err)
	}
	return &frame{n: len(data), spoolID: f.ID, onFile: s, crc: fastcrc.Checksum(data), hasCRC: true}
}

// A body of frames in memory and in a spool's files reads as their bytes
// back to back, by Read and by WriteTo, and has their CRC-64.
func TestBodyOfSpoolFiles(t *testing.T) {
	s, err := spool.Open(spool.Options{Dir: t.TempDir(), Identity: spool.Identity{Bucket: "b", Key: "k"}, FrameSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, b, c := bytes.Repeat([]byte("a"), 5000), bytes.Repeat([]byte("b"), 300<<10), []byte("c")
	group := []*frame{{n: len(a), encoded: a}, spoolFrame(t, s, b), spoolFrame(t, s, c)}
	want := append(append(append([]byte(nil), a...), b...), c...)
	body := newBody(group)
	if body.Len() != int64(len(want)) || body.CRC64() != fastcrc.Checksum(want) {
		t.Fatalf("body of %d bytes, CRC-64 %x; want %d, %x", body.Len(), body.CRC64(), len(want), fastcrc.Checksum(want))
	}
	for _, writeTo := range []bool{false, true} {
		r := body.reader()
		var got bytes.Buffer
		var err error
		if writeTo {
			_, err = r.WriteTo(&got)
		} else {
			_, err = io.CopyBuffer(struct{ io.Writer }{&got}, struct{ io.Reader }{r}, make([]byte, 4000))
		}
		if err != nil || !bytes.Equal(got.Bytes(), want) || r.Len() != 0 || r.failure() != nil {
			t.Fatalf("read %d bytes (WriteTo %v): %v, failure %v; want the %d of the frames", got.Len(), writeTo, err, r.failure(), len(want))
		}
		r.end()
		if _, err := r.Read(make([]byte, 1)); !errors.Is(err, errBodyEnded) {
			t.Fatalf("Read after end: %v", err)
		}
	}
}

// A frame file damaged after it was finished fails the read of its last
// bytes: the request gets fewer bytes than its length, and failure says
// why; a frame gone fails its first read.
func TestBodyOfADamagedSpoolFile(t *testing.T) {
	dir := t.TempDir()
	s, err := spool.Open(spool.Options{Dir: dir, Identity: spool.Identity{Bucket: "b", Key: "k"}, FrameSize: 1 << 20, WritePath: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := bytes.Repeat([]byte("d"), 100<<10)
	f := spoolFrame(t, s, data)
	path := filepath.Join(dir, "frames", "0000000000000001.frame")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 1
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, writeTo := range []bool{false, true} {
		r := newBody([]*frame{f}).reader()
		var got bytes.Buffer
		if writeTo {
			_, err = r.WriteTo(&got)
		} else {
			_, err = io.Copy(struct{ io.Writer }{&got}, struct{ io.Reader }{r})
		}
		if !errors.Is(err, spool.ErrDamaged) || !errors.Is(r.failure(), spool.ErrDamaged) || got.Len() >= len(data) {
			t.Fatalf("read %d of %d bytes (WriteTo %v): %v, failure %v; want fewer and ErrDamaged", got.Len(), len(data), writeTo, err, r.failure())
		}
	}
	os.Remove(path)
	r := newBody([]*frame{f}).reader()
	if n, err := r.Read(make([]byte, 10)); n != 0 || err == nil || r.failure() == nil {
		t.Fatalf("Read of a frame gone: %d, %v", n, err)
	}
}
