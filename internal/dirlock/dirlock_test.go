package dirlock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ossappend/ossappend/internal/testchild"
)

// A test binary started with childEnv set to a directory is a child
// process: it locks the directory, says so on standard output, and holds
// the lock until its standard input closes or it is killed. With
// portableEnv set it uses the fallback.
const (
	childEnv    = "DIRLOCK_TEST_CHILD_DIR"
	portableEnv = "DIRLOCK_TEST_PORTABLE"
)

func TestMain(m *testing.M) {
	if os.Getenv(portableEnv) == "1" {
		portable = true
	}
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(child(dir))
	}
	os.Exit(m.Run())
}

func child(dir string) int {
	l, err := Acquire(dir)
	if err != nil {
		fmt.Printf("refused: %v\n", err)
		if errors.Is(err, ErrLocked) {
			return 3
		}
		return 1
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := l.Release(); err != nil {
		fmt.Println(err)
		return 1
	}
	return 0
}

// methods runs f with the operating system's lock, where there is one, and
// with the portable fallback.
func methods(t *testing.T, f func(t *testing.T, portable bool)) {
	saved := portable
	t.Cleanup(func() { portable = saved })
	if haveOSLock {
		t.Run("os", func(t *testing.T) { portable = false; f(t, false) })
	}
	t.Run("portable", func(t *testing.T) { portable = true; f(t, true) })
}

// startChild starts a child on dir and returns it with the first line it
// printed.
func startChild(t *testing.T, dir string, portable bool) (*testchild.Child, string) {
	t.Helper()
	c := testchild.Start(t, childEnv+"="+dir, portableEnv+"="+map[bool]string{true: "1"}[portable])
	line, err := c.Stdout.ReadString('\n')
	if err != nil {
		t.Fatalf("child printed nothing: %v", err)
	}
	return c, strings.TrimSpace(line)
}

func TestAcquireRelease(t *testing.T) {
	methods(t, func(t *testing.T, _ bool) {
		dir := t.TempDir()
		l, err := Acquire(dir)
		if err != nil {
			t.Fatal(err)
		}
		if l.Dir() != dir {
			t.Errorf("Dir() = %q", l.Dir())
		}
		// A second lock, even in the same process, is refused.
		_, err = Acquire(dir)
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("second Acquire: %v, want ErrLocked", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, dir) || !strings.Contains(msg, "pid "+strconv.Itoa(os.Getpid())) || strings.Contains(msg, "\n") {
			t.Errorf("message %q should name the directory and this process on one line", msg)
		}
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
		if err := l.Release(); err != nil {
			t.Errorf("second Release: %v", err)
		}
		l2, err := Acquire(dir)
		if err != nil {
			t.Fatalf("Acquire after Release: %v", err)
		}
		if err := l2.Release(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPrivateLockFile(t *testing.T) {
	methods(t, func(t *testing.T, portable bool) {
		dir := t.TempDir()
		l, err := Acquire(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release()
		name := OSLockFile
		if portable {
			name = PortableLockFile
		}
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 && os.PathSeparator == '/' {
			t.Errorf("lock file mode %v, want no access for group and others", perm)
		}
	})
}

// TestOtherProcess: a process holding the lock keeps another out; once it
// is killed (SIGKILL, no chance to clean up) the lock is free again, except
// with the fallback, which needs its file removed.
func TestOtherProcess(t *testing.T) {
	methods(t, func(t *testing.T, portable bool) {
		dir := t.TempDir()
		h, line := startChild(t, dir, portable)
		if line != "locked" {
			t.Fatalf("child: %s", line)
		}
		_, err := Acquire(dir)
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("Acquire while a child holds the lock: %v, want ErrLocked", err)
		}
		if want := "pid " + strconv.Itoa(h.Cmd.Process.Pid); !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name the owner (%s)", err, want)
		}
		if err := h.Cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = h.Cmd.Wait()

		l, err := Acquire(dir)
		if portable {
			if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), filepath.Join(dir, PortableLockFile)) {
				t.Fatalf("fallback after the owner was killed: %v, want ErrLocked naming the lock file", err)
			}
			if err := os.Remove(filepath.Join(dir, PortableLockFile)); err != nil {
				t.Fatal(err)
			}
			l, err = Acquire(dir)
		}
		if err != nil {
			t.Fatalf("Acquire after the owner was killed: %v", err)
		}
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestChildRefused: while this process holds the lock, a child is refused,
// and after Release a child gets it.
func TestChildRefused(t *testing.T) {
	methods(t, func(t *testing.T, portable bool) {
		dir := t.TempDir()
		l, err := Acquire(dir)
		if err != nil {
			t.Fatal(err)
		}
		h, line := startChild(t, dir, portable)
		if err := h.Cmd.Wait(); err == nil || h.Cmd.ProcessState.ExitCode() != 3 {
			t.Fatalf("child exit: %v (%s), want status 3", err, line)
		}
		if !strings.Contains(line, "pid "+strconv.Itoa(os.Getpid())) {
			t.Errorf("child's refusal %q does not name this process", line)
		}
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
		h, line = startChild(t, dir, portable)
		if line != "locked" {
			t.Fatalf("child after Release: %s", line)
		}
		h.Stdin.Close()
		if err := h.Cmd.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	})
}

func TestAcquireErrors(t *testing.T) {
	methods(t, func(t *testing.T, _ bool) {
		missing := filepath.Join(t.TempDir(), "missing")
		_, err := Acquire(missing)
		if err == nil || errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), missing) {
			t.Errorf("Acquire of a missing directory: %v", err)
		}
	})
}
