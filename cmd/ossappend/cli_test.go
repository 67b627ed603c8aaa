package main

import (
	"strings"
	"testing"
)

// TestHelpCommandAndVersion: "ossappend help [COMMAND]" is --help, and
// --version prints the version; both exit 0.
func TestHelpCommandAndVersion(t *testing.T) {
	r := mustRunBin(t, cleanEnv(), "", "help")
	if !strings.Contains(r.stdout, "Usage: ossappend <command>") || !strings.Contains(r.stdout, "pipe") {
		t.Errorf("help printed %q", r.stdout)
	}
	r = mustRunBin(t, cleanEnv(), "", "help", "pipe")
	if !strings.Contains(r.stdout, "Usage: ossappend pipe") || !strings.Contains(r.stdout, "--flush-size") {
		t.Errorf("help pipe printed %q", r.stdout)
	}
	checkFailure(t, runBin(t, cleanEnv(), "", "help", "nosuch"), exitUsage, "no such command")
	r = mustRunBin(t, cleanEnv(), "", "--version")
	if !strings.HasPrefix(r.stdout, "ossappend ") || !strings.Contains(r.stdout, "go1.") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("--version printed %q", r.stdout)
	}
}

// TestCommandHelpShowsOnlyUsedGlobals: serve and demo do not list the
// global flags they have no use for; pipe lists them all.
func TestCommandHelpShowsOnlyUsedGlobals(t *testing.T) {
	for cmd, want := range map[string]map[string]bool{
		"serve": {"--endpoint": false, "--local": false, "--region": true},
		"demo":  {"--endpoint": false, "--local": false, "--region": false},
		"pipe":  {"--endpoint": true, "--local": true, "--region": true},
	} {
		r := mustRunBin(t, cleanEnv(), "", cmd, "--help")
		for flag, listed := range want {
			if strings.Contains(r.stdout, flag+"=") != listed {
				t.Errorf("%s --help lists %s: %v, want %v", cmd, flag, !listed, listed)
			}
		}
	}
}

// TestLocalRefusedWhereUnused: --local means nothing to serve and demo,
// which say what to use instead.
func TestLocalRefusedWhereUnused(t *testing.T) {
	dir := t.TempDir()
	checkFailure(t, runBin(t, cleanEnv(), "", "--local", dir, "serve", "--addr", "127.0.0.1:0"), exitUsage, "serve does not use --local", "--dir")
	checkFailure(t, runBin(t, cleanEnv(), "", "demo", "--local", dir, "--lines", "1"), exitUsage, "demo does not use --local", "--dir")
}

// TestServeBadBucket: a bad bucket name is a usage error, said once.
func TestServeBadBucket(t *testing.T) {
	r := runBin(t, cleanEnv(), "", "serve", "--addr", "127.0.0.1:0", "--bucket", "ok-bucket,Bad_Bucket")
	checkFailure(t, r, exitUsage, "Bad_Bucket", "bucket name")
	if n := strings.Count(r.stderr, "ossappend"); n != 1 {
		t.Errorf("stderr says ossappend %d times: %q", n, r.stderr)
	}
	if strings.Count(r.stderr, "Bad_Bucket") != 1 {
		t.Errorf("stderr names the bucket more than once: %q", r.stderr)
	}
}
