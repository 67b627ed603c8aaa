// Package testchild starts the running test binary again as a child
// process, for tests that need a second process: a lock held by another
// process, a process killed at a random moment.
package testchild

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"testing"
)

// A Child is the test binary run again with no test selected, so that only
// the code that recognises its environment (in TestMain) runs.
type Child struct {
	Cmd    *exec.Cmd
	Stdin  io.WriteCloser // closed when the test ends
	Stdout *bufio.Reader
}

// Start starts the test binary with env added to its environment; its
// standard error is the test's. When the test ends, the child's standard
// input is closed and the child killed and waited for.
func Start(t testing.TB, env ...string) *Child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	// GORACE: a race-enabled child would otherwise wait a second at exit.
	cmd.Env = append(append(os.Environ(), env...), "GORACE=atexit_sleep_ms=0")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return &Child{Cmd: cmd, Stdin: stdin, Stdout: bufio.NewReader(stdout)}
}
