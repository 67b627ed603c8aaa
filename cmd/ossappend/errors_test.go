package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
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
	for _, cmd := range []string{"demo", "pipe", "cat", "ls", "serve", "version", "--endpoint", "--region", "--local"} {
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

// TestNotOSSEndpoint: an endpoint that answers as a web server does, with
// a 404 page or with a page for everything, is named as not answering as
// OSS does, not as a missing object.
func TestNotOSSEndpoint(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusOK} {
		web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			io.WriteString(w, "<html><body>Welcome</body></html>")
		}))
		defer web.Close()
		env := cleanEnv("OSS_ACCESS_KEY_ID="+osstest.AccessKeyID, "OSS_ACCESS_KEY_SECRET="+osstest.AccessKeySecret)
		for _, args := range [][]string{{"pipe", url("k.log")}, {"cat", url("k.log")}, {"cat", "--only", url("k.log")}, {"ls", url("")}} {
			r := runBin(t, env, "data\n", append([]string{"--endpoint", web.URL, "--region", osstest.Region}, args...)...)
			checkFailure(t, r, exitFailure, "does not answer as OSS does", "--endpoint")
			if strings.Contains(r.stderr, "does not exist") || strings.Contains(r.stderr, "Failed to parse") {
				t.Errorf("HTTP %d, %v: %q", status, args, r.stderr)
			}
		}
	}
}

// TestMessagesNameTheProgramOnce: failures and warnings say "ossappend"
// once, show keys as oss:// URLs, and no words of the code's insides.
func TestMessagesNameTheProgramOnce(t *testing.T) {
	srv := newTestServer(t)
	mustRunBin(t, srv.env(), "x\n", srv.args("pipe", "-q", url("logs/app.log"))...)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cat", url("missing.log")}, "oss://cli-test/missing.log: object does not exist, nor does any rotation of it (such as oss://cli-test/missing.1.log)"},
		{[]string{"cat", "--only", url("missing.log")}, "oss://cli-test/missing.log: object does not exist"},
		{[]string{"cat", "-f", url("missing.log")}, "oss://cli-test/missing.log: object does not exist"},
		{[]string{"ls", url("missing.log")}, "oss://cli-test/missing.log"},
		{[]string{"pipe", "oss://no-such-bucket/k.log"}, "oss://no-such-bucket/k.log"},
		{[]string{"cat", "oss://no-such-bucket/k.log"}, "oss://no-such-bucket/k.log"},
	} {
		r := runBin(t, srv.env(), "x\n", srv.args(tc.args...)...)
		checkFailure(t, r, exitFailure, tc.want)
		for _, inside := range []string{"ossread", `list "`, "ossappend: ossappend", "cat: ossread"} {
			if strings.Contains(r.stderr, inside) {
				t.Errorf("%v: %q says %q", tc.args, r.stderr, inside)
			}
		}
		if n := strings.Count(r.stderr, "ossappend"); n != 1 {
			t.Errorf("%v: %q names the program %d times", tc.args, r.stderr, n)
		}
	}
}

// TestCatSuggestsThePrefix: cat of a prefix without its final '/' says
// what to type.
func TestCatSuggestsThePrefix(t *testing.T) {
	srv := newTestServer(t)
	mustRunBin(t, srv.env(), "x\n", srv.args("pipe", "-q", url("logs/app.log"))...)
	for _, args := range [][]string{{"cat", url("logs")}, {"cat", "--only", url("logs")}, {"ls", url("logs")}} {
		checkFailure(t, runBin(t, srv.env(), "", srv.args(args...)...), exitFailure, "did you mean oss://cli-test/logs/?")
	}
}

// TestPipeRefusesLayoutVerbsWithoutLayout: a key that holds a layout's
// verbs or placeholders is a mistake without --layout: refused, and
// nothing is created.
func TestPipeRefusesLayoutVerbsWithoutLayout(t *testing.T) {
	srv := newTestServer(t)
	for key, verb := range map[string]string{"logs/%Y-%m-%d.log": "%Y", "logs/{host}.log": "{host}", "logs/app-%H.log": "%H"} {
		r := runBin(t, srv.env(), "x\n", srv.args("pipe", url(key))...)
		checkFailure(t, r, exitUsage, verb, "--layout")
		if _, ok := srv.Object(testBucket, key); ok {
			t.Errorf("%s was created", key)
		}
	}
	// A literal % is written with --layout and %%; a % before other
	// letters needs nothing.
	mustRunBin(t, srv.env(), "x\n", srv.args("pipe", "-q", "--layout", url("logs/100%%Y.log"))...)
	mustRunBin(t, srv.env(), "x\n", srv.args("pipe", "-q", url("logs/100%-full.log"))...)
	for _, key := range []string{"logs/100%Y.log", "logs/100%-full.log"} {
		if _, ok := srv.Object(testBucket, key); !ok {
			t.Errorf("%s was not created", key)
		}
	}
}

// TestCatReaderLeavesEarly: cat | head ends cat quietly, with status 0,
// as cat(1) ends.
func TestCatReaderLeavesEarly(t *testing.T) {
	srv := newTestServer(t)
	mustRunBin(t, srv.env(), logText(200000), srv.args("pipe", "-q", url("big.log"))...)
	for _, args := range [][]string{{"cat", url("big.log")}, {"ls", "-r", url("")}} {
		cmd := exec.Command(binary, srv.args(args...)...)
		cmd.Env = srv.env()
		var stderr syncBuffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		io.ReadFull(out, make([]byte, 10))
		out.Close() // head -c 10
		err = cmd.Wait()
		if err != nil || stderr.String() != "" {
			t.Errorf("%v with its reader gone: %v, stderr %q", args, err, stderr.String())
		}
	}
}
