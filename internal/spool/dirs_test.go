package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	_, err := Open(Options{Dir: dir, Identity: testID, FrameSize: 1000})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), dir) {
		t.Errorf("Open of a missing directory: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Open created the directory")
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(Options{Dir: file, Identity: testID, FrameSize: 1000}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open of a file: %v", err)
	}
}

func TestBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{Identity: testID, FrameSize: 1},
		{Dir: dir, Identity: Identity{Key: "k"}, FrameSize: 1},
		{Dir: dir, Identity: Identity{Bucket: "b"}, FrameSize: 1},
		{Dir: dir, Identity: testID, FrameSize: 0},
		{Dir: dir, Identity: testID, FrameSize: 1<<30 + 1},
	} {
		if _, err := Open(o); err == nil {
			t.Errorf("Open(%+v) succeeded", o)
		}
	}
}

func init() { children["open"] = openChild }

// openChild tries to open the spool and prints the result.
func openChild() int {
	_, err := Open(childOptions())
	if err != nil {
		fmt.Printf("%v|%v\n", errors.Is(err, fs.ErrPermission), err)
		return 0
	}
	fmt.Println("opened")
	return 0
}

// TestReadOnlyDir opens a directory the process may not write in. Run as
// root, which permissions do not stop, the test opens it from a child
// process that runs as nobody, where the system allows that.
func TestReadOnlyDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(dir, 0o755)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if os.Geteuid() != 0 {
		_, err := Open(Options{Dir: dir, Identity: testID, FrameSize: 1000})
		if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), dir) {
			t.Fatalf("Open of a read-only directory: %v, want fs.ErrPermission naming it", err)
		}
		return
	}
	openAsNobody(t, dir)
}
