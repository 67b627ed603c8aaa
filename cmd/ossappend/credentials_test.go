package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ossappend/ossappend/osstest"
)

const wrongSecret = "wrong-s3cr3t-never-printed"

// homeWith makes a home directory holding the given files, by path
// relative to it.
func homeWith(t *testing.T, files map[string]string) string {
	t.Helper()
	home := t.TempDir()
	for name, text := range files {
		p := filepath.Join(home, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

// checkNotPrinted fails t if r shows any of the secrets.
func checkNotPrinted(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("a secret was printed: %v", r)
		}
	}
}

// TestCredentialsAlibabaCloudVariables: the default credential chain's
// variables work; OSS_* ones, when set, come first.
func TestCredentialsAlibabaCloudVariables(t *testing.T) {
	srv := newTestServer(t)
	env := cleanEnv("ALIBABA_CLOUD_ACCESS_KEY_ID="+osstest.AccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+osstest.AccessKeySecret)
	mustRunBin(t, env, "via the chain\n", srv.args("pipe", url("chain.log"))...)
	if r := mustRunBin(t, env, "", srv.args("cat", url("chain.log"))...); r.stdout != "via the chain\n" {
		t.Fatalf("cat printed %q", r.stdout)
	}
	env = cleanEnv("ALIBABA_CLOUD_ACCESS_KEY_ID="+osstest.AccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+wrongSecret,
		"OSS_ACCESS_KEY_ID="+osstest.AccessKeyID, "OSS_ACCESS_KEY_SECRET="+osstest.AccessKeySecret)
	mustRunBin(t, env, "", srv.args("cat", url("chain.log"))...)
}

// TestCredentialsProfiles reads credentials from the aliyun CLI's
// configuration and from ~/.alibabacloud/credentials: the current profile
// by default, the one --profile names otherwise, even over OSS_*
// variables.
func TestCredentialsProfiles(t *testing.T) {
	srv := newTestServer(t)
	home := homeWith(t, map[string]string{
		".aliyun/config.json": `{"current": "default", "profiles": [
			{"name": "default", "mode": "AK", "access_key_id": "` + osstest.AccessKeyID + `", "access_key_secret": "` + wrongSecret + `"},
			{"name": "ci", "mode": "AK", "access_key_id": "` + osstest.AccessKeyID + `", "access_key_secret": "` + osstest.AccessKeySecret + `"}]}`,
		".alibabacloud/credentials": "[shared]\ntype = access_key\naccess_key_id = " + osstest.AccessKeyID +
			"\naccess_key_secret = " + osstest.AccessKeySecret + "\n",
	})
	env := cleanEnv("HOME="+home, "USERPROFILE="+home)
	mustRunBin(t, env, "x\n", srv.args("--profile", "ci", "pipe", url("profile.log"))...)
	mustRunBin(t, env, "", srv.args("--profile", "shared", "cat", url("profile.log"))...)
	r := runBin(t, env, "", srv.args("cat", url("profile.log"))...) // the current profile: the wrong secret
	checkFailure(t, r, exitFailure, "access denied")
	checkNotPrinted(t, r, wrongSecret)
	withOSS := append(env, "OSS_ACCESS_KEY_ID="+osstest.AccessKeyID, "OSS_ACCESS_KEY_SECRET="+wrongSecret)
	mustRunBin(t, withOSS, "", srv.args("cat", "--profile", "ci", url("profile.log"))...)

	r = runBin(t, env, "", srv.args("--profile", "nosuch", "cat", url("profile.log"))...)
	checkFailure(t, r, exitFailure, "no usable credentials for profile \"nosuch\"", ".aliyun", ".alibabacloud")
	checkNotPrinted(t, r, wrongSecret, osstest.AccessKeySecret)
}

// TestCredentialsFileNeverQuoted: a credentials file that cannot be read
// as such is not quoted in the error, secrets and all.
func TestCredentialsFileNeverQuoted(t *testing.T) {
	srv := newTestServer(t)
	home := homeWith(t, map[string]string{
		".aliyun/config.json": `{"current": "default", "profiles": [{"name": "default", "mode": "AK", "access_key_secret": "` + wrongSecret + `"`,
	})
	env := cleanEnv("HOME="+home, "USERPROFILE="+home)
	for _, args := range [][]string{{"cat", url("k.log")}, {"--profile", "default", "cat", url("k.log")}} {
		r := runBin(t, env, "", srv.args(args...)...)
		checkFailure(t, r, exitFailure, "no ")
		checkNotPrinted(t, r, wrongSecret)
	}
}

// TestProfileRefusedWhereUnused: --profile with --local, serve or demo is
// a mistake, said as such.
func TestProfileRefusedWhereUnused(t *testing.T) {
	dir := t.TempDir()
	checkFailure(t, runBin(t, cleanEnv(), "x\n", "--local", dir, "--profile", "ci", "pipe", "oss://local/k.log"), exitUsage, "--profile")
	checkFailure(t, runBin(t, cleanEnv(), "", "serve", "--profile", "ci", "--addr", "127.0.0.1:0"), exitUsage, "serve does not use --profile")
}
