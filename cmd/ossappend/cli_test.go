package main

import (
	"runtime/debug"
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

// TestVersionCommand: "ossappend version" prints what --version prints.
func TestVersionCommand(t *testing.T) {
	flag := mustRunBin(t, cleanEnv(), "", "--version")
	cmd := mustRunBin(t, cleanEnv(), "", "version")
	if cmd.stdout != flag.stdout || strings.Contains(cmd.stdout, "(devel)") {
		t.Errorf("version printed %q, --version %q", cmd.stdout, flag.stdout)
	}
}

// TestVersionOf: the version says something of a build from source: the
// revision and time of its commit, or that neither is known; never
// "(devel)".
func TestVersionOf(t *testing.T) {
	devel := debug.Module{Path: "github.com/ossappend/ossappend/cmd/ossappend", Version: "(devel)"}
	for _, tc := range []struct {
		info *debug.BuildInfo
		want string
	}{
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "ossappend v1.2.0"},
		{&debug.BuildInfo{Main: devel, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-30T09:12:03Z"}, {Key: "vcs.modified", Value: "true"}}},
			"ossappend built from source at revision 0123456789ab of 2026-11-30 09:12 UTC, with changes not committed"},
		{&debug.BuildInfo{Main: devel}, "ossappend built from source, of no known version or revision"},
	} {
		if got := versionOf(tc.info); got != tc.want {
			t.Errorf("versionOf(%v) = %q, want %q", tc.info.Main.Version, got, tc.want)
		}
	}
}
