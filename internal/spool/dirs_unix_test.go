//go:build unix

package spool

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// openAsNobody runs openChild on dir as the user nobody (65534), from a
// copy of the test binary that user can run.
func openAsNobody(t *testing.T, dir string) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(filepath.Dir(dir), "spool.test")
	copyExe(t, exe, bin)
	// Nobody must get through the test's own temporary directories, and
	// nothing above them is touched.
	top := filepath.Clean(os.TempDir())
	for d := filepath.Dir(dir); d != top && d != "/" && d != "."; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
			os.Chmod(d, fi.Mode().Perm()|0o005)
			t.Cleanup(func() { os.Chmod(d, fi.Mode().Perm()) })
		}
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=open", "SPOOL_TEST_DIR="+dir, "SPOOL_TEST_PATH=write", "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("running as root, and a child as nobody cannot run here (%v: %s): permissions do not stop root's writes, so a read-only directory cannot be tested", err, out)
	}
	got := strings.TrimSpace(string(out))
	if !strings.HasPrefix(got, "true|") || !strings.Contains(got, dir) {
		t.Fatalf("Open of a read-only directory, as nobody: %q, want an error wrapping fs.ErrPermission naming it", got)
	}
}

func copyExe(t *testing.T, from, to string) {
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
