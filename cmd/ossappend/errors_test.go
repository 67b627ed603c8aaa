package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/osstest"
)

// checkFailure checks that r failed with exit status code and one line on
// standard error that contains each of want.
func checkFailure(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d: %v", r.code, code, r)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if !strings.HasPrefix(r.stderr, "ossappend: ") || len(lines) > 2 || len(lines) == 2 && !strings.HasPrefix(lines[1], "Run 'ossappend --help'") {
		t.Errorf("stderr is not one line of reason: %q", r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr %q does not say %q", r.stderr, w)
		}
	}
}

func TestBadURL(t *testing.T) {
	srv := newTestServer(t)
	for _, args := range [][]string{
		{"pipe", "s3://bucket/key"},
		{"pipe", "oss://bucket"},
		{"cat", "oss:///key"},
		{"cat", "-f", "bucket/key"},
	} {
		r := runBin(t, srv.env(), "", srv.args(args...)...)
		checkFailure(t, r, exitUsage, "bad object URL", "oss://BUCKET/KEY")
	}
	r := runBin(t, srv.env(), "", srv.args("pipe", "oss://Bad_Bucket/key")...)
	checkFailure(t, r, exitUsage, "bucket name")
	r = runBin(t, srv.env(), "", srv.args("pipe")...)
	if r.code != exitUsage {
		t.Errorf("pipe without URL: %v", r)
	}
}

// TestMissingCredentials runs commands with an incomplete key pair in the
// environment: they fail, say what to set, and never show the secret.
func TestMissingCredentials(t *testing.T) {
	srv := newTestServer(t)
	const secret = "s3cr3t-value-never-printed"
	for _, env := range [][]string{
		cleanEnv("OSS_ACCESS_KEY_SECRET=" + secret),
		cleanEnv("OSS_ACCESS_KEY_ID=" + osstest.AccessKeyID),
	} {
		for _, args := range [][]string{{"pipe", url("k.log")}, {"cat", url("k.log")}, {"cat", "-f", url("k.log")}} {
			r := runBin(t, env, "data\n", srv.args(args...)...)
			checkFailure(t, r, exitFailure, "no credentials", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET")
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the secret was printed: %v", r)
			}
		}
	}
}

// TestWrongSecret runs commands with a secret the server refuses.
func TestWrongSecret(t *testing.T) {
	srv := newTestServer(t)
	const secret = "wrong-s3cr3t-never-printed"
	env := cleanEnv("OSS_ACCESS_KEY_ID="+osstest.AccessKeyID, "OSS_ACCESS_KEY_SECRET="+secret)
	for _, args := range [][]string{{"pipe", url("k.log")}, {"cat", url("k.log")}, {"cat", "-f", url("k.log")}} {
		r := runBin(t, env, "data\n", srv.args(args...)...)
		checkFailure(t, r, exitFailure, "access denied", "SignatureDoesNotMatch")
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("the secret was printed: %v", r)
		}
	}
}

func TestMissingRegion(t *testing.T) {
	srv := newTestServer(t)
	r := runBin(t, srv.env(), "", "--endpoint", srv.Endpoint(), "cat", url("k.log"))
	checkFailure(t, r, exitUsage, "no region", "--region")
}

// TestUnreachableEndpoint points the commands at a port nobody listens on:
// they fail at once, not after the writer's minutes of retries.
func TestUnreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	env := cleanEnv("OSS_ACCESS_KEY_ID="+osstest.AccessKeyID, "OSS_ACCESS_KEY_SECRET="+osstest.AccessKeySecret)
	for _, args := range [][]string{{"pipe", url("k.log")}, {"cat", url("k.log")}, {"cat", "-f", url("k.log")}} {
		r := runBin(t, env, "data\n", append([]string{"--endpoint", endpoint, "--region", osstest.Region}, args...)...)
		checkFailure(t, r, exitFailure, "connection refused", "is the endpoint right")
	}
}

// TestNormalObject: pipe refuses an object made by PutObject, cat prints
// it, cat -f says it cannot grow.
func TestNormalObject(t *testing.T) {
	srv := newTestServer(t)
	_, err := srv.client.PutObject(context.Background(), &oss.PutObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("normal.log"), Body: strings.NewReader("put\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := runBin(t, srv.env(), "data\n", srv.args("pipe", url("normal.log"))...)
	checkFailure(t, r, exitFailure, "not appendable", "Normal")
	if obj, _ := srv.Object(testBucket, "normal.log"); string(obj) != "put\n" {
		t.Errorf("the Normal object changed: %q", obj)
	}
	if r := mustRunBin(t, srv.env(), "", srv.args("cat", url("normal.log"))...); r.stdout != "put\n" {
		t.Errorf("cat printed %q", r.stdout)
	}
	r = runBin(t, srv.env(), "", srv.args("cat", "-f", url("normal.log"))...)
	checkFailure(t, r, exitFailure, "not appendable", "cat without -f")
}

func TestMissingObjectAndBucket(t *testing.T) {
	srv := newTestServer(t)
	// cat lists the chain of missing.log, and finds no object.
	checkFailure(t, runBin(t, srv.env(), "", srv.args("cat", url("missing.log"))...), exitFailure, "does not exist", "missing.1.log")
	checkFailure(t, runBin(t, srv.env(), "", srv.args("cat", "-f", url("missing.log"))...), exitFailure, "does not exist")
	checkFailure(t, runBin(t, srv.env(), "", srv.args("cat", "--only", url("missing.log"))...), exitFailure, "does not exist")
	checkFailure(t, runBin(t, srv.env(), "", srv.args("cat", url("missing/"))...), exitFailure, "does not exist", "no object under the prefix")
	checkFailure(t, runBin(t, srv.env(), "", srv.args("cat", "oss://no-such-bucket/k.log")...), exitFailure, "bucket does not exist")
	checkFailure(t, runBin(t, srv.env(), "x\n", srv.args("pipe", "oss://no-such-bucket/k.log")...), exitFailure, "bucket does not exist")
}

func TestHelp(t *testing.T) {
	r := mustRunBin(t, cleanEnv(), "", "--help")
	for _, cmd := range []string{"demo", "pipe", "cat", "serve", "--endpoint", "--region", "--local"} {
		if !strings.Contains(r.stdout, cmd) {
			t.Errorf("--help does not mention %s:\n%s", cmd, r.stdout)
		}
	}
}

// TestAppendsKeepFailing makes every append fail: pipe gives up after
// --retry-for and says so in one line.
func TestAppendsKeepFailing(t *testing.T) {
	srv := newTestServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	r := runBin(t, srv.env(), "lost\n", srv.args("pipe", "--retry-for", "300ms", url("failing.log"))...)
	checkFailure(t, r, exitFailure, "retries exhausted", "ServiceUnavailable")
}
