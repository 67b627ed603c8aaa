package osstest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/ossappend/ossappend/internal/testchild"
)

// A test binary started with childDirEnv set is a child process that
// serves that directory: it appends "hello" to bucket b, key k, prints
// "ready" and holds the directory until its standard input closes or it is
// killed. If the server does not start it prints why and exits with 3 when
// the directory was in use.
const childDirEnv = "OSSTEST_CHILD_DIR"

func childServer(dir string) int {
	s, err := Start(WithDir(dir))
	if err != nil {
		fmt.Printf("refused: %v\n", err)
		if errors.Is(err, ErrDirInUse) {
			return 3
		}
		return 1
	}
	defer s.Close()
	if err := s.CreateBucket("bkt"); err != nil {
		fmt.Println(err)
		return 1
	}
	if _, ok := s.Object("bkt", "k"); !ok {
		if _, err := appendAt(s.Client(), "bkt", "k", 0, "hello"); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// child is a running child server.
type child struct {
	*testchild.Child
	line string // the first line it printed
}

func startChild(t *testing.T, dir string) *child {
	t.Helper()
	c := testchild.Start(t, childDirEnv+"="+dir)
	line, err := c.Stdout.ReadString('\n')
	if err != nil {
		t.Fatalf("child printed nothing: %v", err)
	}
	return &child{Child: c, line: strings.TrimSpace(line)}
}

// wantInUse checks that err says dir is in use, on one line.
func wantInUse(t *testing.T, err error, dir string) {
	t.Helper()
	if !errors.Is(err, ErrDirInUse) {
		t.Fatalf("got %v, want ErrDirInUse", err)
	}
	if msg := err.Error(); !strings.Contains(msg, dir) || strings.Contains(msg, "\n") {
		t.Errorf("message %q should name %s on one line", msg, dir)
	}
}

// TestDirInUseByAnotherProcess: while a process serves a directory,
// another is refused and changes nothing; when the first ends, cleanly or
// killed, the directory can be served again with everything in it.
func TestDirInUseByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	ch := startChild(t, dir)
	if ch.line != "ready" {
		t.Fatalf("child: %s", ch.line)
	}
	s, err := Start(WithDir(dir))
	if err == nil {
		s.Close()
	}
	wantInUse(t, err, dir)
	ch.Stdin.Close()
	if err := ch.Cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}

	// The other way round: this process serves, a child is refused.
	s = newServer(t, WithDir(dir))
	if got := objectText(t, s, "bkt", "k"); got != "hello" {
		t.Fatalf("object holds %q", got)
	}
	ch = startChild(t, dir)
	if err := ch.Cmd.Wait(); ch.Cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("child on a directory in use: %v, %s", err, ch.line)
	}
	s.Close()

	// A child killed while serving leaves the directory free.
	ch = startChild(t, dir)
	if ch.line != "ready" {
		t.Fatalf("child: %s", ch.line)
	}
	if err := ch.Cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = ch.Cmd.Wait()
	s = newServer(t, WithDir(dir))
	if got := objectText(t, s, "bkt", "k"); got != "hello" {
		t.Fatalf("object holds %q after the child was killed", got)
	}
}

func TestDirInUseInProcess(t *testing.T) {
	dir := t.TempDir()
	s := NewServer(WithDir(dir))
	s2, err := Start(WithDir(dir))
	if err == nil {
		s2.Close()
	}
	wantInUse(t, err, dir)
	s.Close()
	s2, err = Start(WithDir(dir))
	if err != nil {
		t.Fatalf("Start after Close: %v", err)
	}
	s2.Close()
}
