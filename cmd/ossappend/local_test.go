package main

import (
	"strings"
	"syscall"
	"testing"
)

// TestLocalOneProcessAtATime: while pipe --local DIR runs, cat and pipe
// --local DIR and serve --dir DIR are refused, on one line that names DIR,
// and change nothing: pipe goes on and stores everything it read.
func TestLocalOneProcessAtATime(t *testing.T) {
	dir := t.TempDir()
	env := cleanEnv()
	url := "oss://logs/app.log"
	p := start(t, env, "--local", dir, "pipe", "--tee", url)
	if _, err := p.stdin.Write([]byte("first\n")); err != nil {
		t.Fatal(err)
	}
	p.stdout.expect(t, "first") // pipe has its server: DIR is taken

	for _, args := range [][]string{
		{"--local", dir, "cat", url},
		{"--local", dir, "pipe", url},
		{"serve", "--dir", dir, "--addr", "127.0.0.1:0"},
	} {
		r := runBin(t, env, "intruder\n", args...)
		msg := strings.TrimSpace(r.stderr)
		if r.code == 0 || !strings.Contains(msg, dir) || !strings.Contains(msg, "in use") || strings.Contains(msg, "\n") {
			t.Errorf("%s while pipe runs: %v", strings.Join(args, " "), r)
		}
	}

	if _, err := p.stdin.Write([]byte("second\n")); err != nil {
		t.Fatal(err)
	}
	p.stdout.expect(t, "second")
	p.stdin.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d: %s", code, p.stderr.String())
	}
	if r := mustRunBin(t, env, "", "--local", dir, "cat", url); r.stdout != "first\nsecond\n" {
		t.Errorf("the object holds %q", r.stdout)
	}
}

// TestLocalAfterKill: a pipe --local killed with SIGKILL leaves the
// directory to the next process, with what it had stored.
func TestLocalAfterKill(t *testing.T) {
	dir := t.TempDir()
	env := cleanEnv()
	url := "oss://logs/app.log"
	mustRunBin(t, env, "kept\n", "--local", dir, "pipe", url)
	p := start(t, env, "--local", dir, "pipe", "--tee", "--flush-interval", "1ms", url)
	if _, err := p.stdin.Write([]byte("maybe\n")); err != nil {
		t.Fatal(err)
	}
	p.stdout.expect(t, "maybe")
	p.signal(t, syscall.SIGKILL)
	p.wait(t)

	mustRunBin(t, env, "after\n", "--local", dir, "pipe", url)
	r := mustRunBin(t, env, "", "--local", dir, "cat", url)
	if r.stdout != "kept\nafter\n" && r.stdout != "kept\nmaybe\nafter\n" {
		t.Errorf("after a kill the object holds %q", r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("cat said %q", r.stderr)
	}
}
