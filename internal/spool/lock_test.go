package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

func init() { children["hold"] = holdChild }

// holdChild opens the spool, says so, and holds it until killed (or its
// standard input closes).
func holdChild() int {
	s, err := Open(childOptions())
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	defer s.Close()
	fmt.Println("open")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Identity: testID, FrameSize: 1000}
	cmd, out := startChild(t, "hold", "SPOOL_TEST_DIR="+dir, "SPOOL_TEST_PATH=write")
	if line, err := out.ReadString('\n'); line != "open\n" {
		t.Fatalf("child: %q, %v", line, err)
	}
	_, err := Open(o)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Open while another process holds the spool: %v, want ErrBusy", err)
	}
	msg := err.Error()
	for _, want := range []string{dir, testID.Bucket, testID.Key, fmt.Sprint(cmd.Process.Pid)} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not name %q", msg, want)
		}
	}
	// The child dies without closing: the lock goes with it.
	cmd.Process.Kill()
	cmd.Wait()
	s, err := Open(o)
	if err != nil {
		t.Fatalf("Open after the holder was killed: %v", err)
	}
	s.Close()
}

func TestLockInProcess(t *testing.T) {
	o := Options{Dir: t.TempDir(), Identity: testID, FrameSize: 1000}
	s := mustOpen(t, o)
	if _, err := Open(o); !errors.Is(err, ErrBusy) {
		t.Fatalf("second Open: %v, want ErrBusy", err)
	}
	s.Close()
	s = mustOpen(t, o)
	s.Close()
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Create("k"); err == nil {
		t.Error("Create after Close succeeded")
	}
	if err := s.Record(Intent{Key: "k"}); err == nil {
		t.Error("Record after Close succeeded")
	}
}

func TestIdentity(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Identity: testID, FrameSize: 1000}
	s := mustOpen(t, o)
	id := finished(t, s, "k", []byte("data"), 4, 0)
	s.Record(Intent{First: 1, Last: 1, Key: "k", Len: 4})
	s.Close()

	for _, other := range []Identity{
		{Bucket: "other", Key: testID.Key, Codec: testID.Codec},
		{Bucket: testID.Bucket, Key: "other.log", Codec: testID.Codec},
		{Bucket: testID.Bucket, Key: testID.Key, Codec: "gzip"},
	} {
		_, err := Open(Options{Dir: dir, Identity: other, FrameSize: 1000})
		if !errors.Is(err, ErrOtherOwner) {
			t.Fatalf("Open for %v: %v, want ErrOtherOwner", other, err)
		}
		for _, want := range []string{dir, testID.Bucket, testID.Key, testID.Codec} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not name %q", err, want)
			}
		}
	}
	// Refusing changed nothing.
	s = mustOpen(t, o)
	if fr := s.Recovered().Frames; len(fr) != 1 || s.Recovered().Intent == nil {
		t.Fatalf("after the refusals: %+v", s.Recovered())
	}
	s.Remove(id)
	s.Close()

	// Empty, the spool takes a new identity, without the old intent.
	other := Options{Dir: dir, Identity: Identity{Bucket: "b2", Key: "k2"}, FrameSize: 1000}
	s = mustOpen(t, other)
	if r := s.Recovered(); r.Intent != nil {
		t.Errorf("the new owner recovered the old one's intent %+v", r.Intent)
	}
	finished(t, s, "k2", []byte("x"), 1, 0)
	s.Close()
	if _, err := Open(o); !errors.Is(err, ErrOtherOwner) {
		t.Errorf("the old identity after the change: %v", err)
	}
}

func TestIdentityFileLost(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Identity: testID, FrameSize: 1000}
	s := mustOpen(t, o)
	finished(t, s, "k", []byte("data"), 4, 0)
	s.Close()
	os.Remove(dir + "/" + identityFile)
	if _, err := Open(o); !errors.Is(err, ErrOtherOwner) {
		t.Errorf("frames without %s: %v, want ErrOtherOwner", identityFile, err)
	}
	os.WriteFile(dir+"/"+identityFile, []byte("{not json"), 0o600)
	if _, err := Open(o); !errors.Is(err, ErrOtherOwner) {
		t.Errorf("frames with a damaged %s: %v, want ErrOtherOwner", identityFile, err)
	}
	os.WriteFile(dir+"/"+identityFile, []byte(`{"format":2,"bucket":"bkt","key":"logs/app.log","codec":"zstd"}`), 0o600)
	if _, err := Open(o); err == nil || !strings.Contains(err.Error(), "newer version") {
		t.Errorf("a spool of a newer format: %v", err)
	}

	// Without frames, a damaged identity file is replaced.
	empty := t.TempDir()
	os.WriteFile(empty+"/"+identityFile, []byte("{not json"), 0o600)
	mustOpen(t, Options{Dir: empty, Identity: testID, FrameSize: 1000}).Close()
	if j, err := readIdentity(empty); err != nil || j.identity() != testID {
		t.Errorf("identity after Open: %+v, %v", j, err)
	}
}
