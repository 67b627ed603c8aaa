package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/osstest"
)

// TestPipeKeepsLinesWholeOnConflict appends to the object behind pipe's
// back while a line is half read: the line goes whole into the object pipe
// moves to, not half into each. Frames are 8 bytes, and only full ones
// are appended before the input ends.
func TestPipeKeepsLinesWholeOnConflict(t *testing.T) {
	srv := newTestServer(t)
	p := start(t, srv.env(), srv.args("pipe", "--tee", "--flush-size", "8", "--flush-interval", "1h", url("lines.log"))...)
	io.WriteString(p.stdin, "aaa\nbbbbbb") // a line and a half
	p.stdout.expect(t, "aaa")
	io.WriteString(p.stdin, "b\ncc\n")
	p.stdout.expect(t, "bbbbbbb", "cc")
	var obj []byte
	waitFor(t, "8 bytes stored", func() bool { obj, _ = srv.Object(testBucket, "lines.log"); return len(obj) >= 8 })
	_, err := srv.client.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("lines.log"), Position: oss.Ptr(int64(len(obj))), Body: strings.NewReader("XXX\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(p.stdin, "dd\n")
	p.stdin.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	first, _ := srv.Object(testBucket, "lines.log")
	moved, _ := srv.Object(testBucket, "lines.1.log")
	if string(first) != "aaa\nbbbbbbb\nXXX\n" || string(moved) != "cc\ndd\n" {
		t.Fatalf("lines.log holds %q and lines.1.log %q: a line is split", first, moved)
	}
}

// TestPipeRefusesOtherCodec: pipe does not append frames of one codec to
// an object of another, which would then decode with nothing.
func TestPipeRefusesOtherCodec(t *testing.T) {
	srv := newTestServer(t)
	mustRunBin(t, srv.env(), "zstd\n", srv.args("pipe", url("app.log.zst"))...)
	mustRunBin(t, srv.env(), "plain\n", srv.args("pipe", url("app.log"))...)
	for _, tc := range []struct {
		key   string
		flags []string
		want  []string
	}{
		{"app.log.zst", []string{"--compress", "gzip"}, []string{"holds zstd frames", "appending gzip frames", "--compress zstd", "oss://cli-test/app.log.zst"}},
		{"app.log.zst", []string{"--compress", "none"}, []string{"holds zstd frames", "appending uncompressed bytes", "--compress zstd"}},
		{"app.log", []string{"--compress", "s2"}, []string{"holds uncompressed bytes", "appending s2 frames", "--compress none"}},
	} {
		before, _ := srv.Object(testBucket, tc.key)
		args := append(append([]string{"pipe"}, tc.flags...), url(tc.key))
		checkFailure(t, runBin(t, srv.env(), "more\n", srv.args(args...)...), exitFailure, tc.want...)
		if after, _ := srv.Object(testBucket, tc.key); string(after) != string(before) {
			t.Errorf("pipe %v changed the object", tc.flags)
		}
	}
	// The same codec, given or implied, appends.
	mustRunBin(t, srv.env(), "more\n", srv.args("pipe", "--compress", "zstd", url("app.log.zst"))...)
	if r := mustRunBin(t, srv.env(), "", srv.args("cat", url("app.log.zst"))...); r.stdout != "zstd\nmore\n" {
		t.Errorf("cat printed %q", r.stdout)
	}
}

// TestPipeWarnsOfOutage: when appends keep failing, pipe says so once on
// standard error, naming the cause, and once more when they work again.
func TestPipeWarnsOfOutage(t *testing.T) {
	srv := newTestServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	p := start(t, srv.env(), srv.args("pipe", "-q", "--warn-after", "0s", "--flush-interval", "10ms", url("outage.log"))...)
	io.WriteString(p.stdin, "through\n")
	waitFor(t, "a warning", func() bool { return strings.Contains(p.stderr.String(), "warning:") })
	srv.SetFaults(1)
	waitFor(t, "the all-clear", func() bool { return strings.Contains(p.stderr.String(), "work again") })
	p.stdin.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(p.stderr.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "outage.log have failed for") || !strings.Contains(lines[0], "ServiceUnavailable") ||
		!strings.Contains(lines[0], "retrying") || !strings.Contains(lines[1], "outage.log work again") {
		t.Errorf("stderr %q, want a warning naming the cause and a line when appends work again", lines)
	}
	if obj, _ := srv.Object(testBucket, "outage.log"); string(obj) != "through\n" {
		t.Errorf("object holds %q", obj)
	}
}

// TestPipeSaysWhenAppendsWorkAgainAtTheEnd: appends that work again only
// for the last frame, as the input ends, are said to work again before
// pipe exits.
func TestPipeSaysWhenAppendsWorkAgainAtTheEnd(t *testing.T) {
	srv := newTestServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	p := start(t, srv.env(), srv.args("pipe", "-q", "--warn-after", "0s", "--flush-interval", "10ms", url("late.log"))...)
	io.WriteString(p.stdin, "through\n")
	waitFor(t, "a warning", func() bool { return strings.Contains(p.stderr.String(), "warning:") })
	srv.SetFaults(1)
	p.stdin.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	if s := p.stderr.String(); !strings.Contains(s, "late.log work again, after failing for") {
		t.Errorf("stderr %q does not say that appends work again", s)
	}
}

// TestPipeEmptyInput: empty input stores nothing and creates no object,
// as pipe --help says.
func TestPipeEmptyInput(t *testing.T) {
	srv := newTestServer(t)
	r := mustRunBin(t, srv.env(), "", srv.args("pipe", url("empty.log"))...)
	if r.stdout != "" || r.stderr != "ossappend: nothing read, nothing stored\n" {
		t.Errorf("pipe printed %v", r)
	}
	if _, ok := srv.Object(testBucket, "empty.log"); ok {
		t.Error("empty input created the object")
	}
	if h := mustRunBin(t, cleanEnv(), "", "pipe", "--help"); !strings.Contains(h.stdout, "empty input creates nothing") {
		t.Errorf("pipe --help does not say what empty input does:\n%s", h.stdout)
	}
}

// TestPipePartialLineWaitsNoLonger: input without a newline is stored
// after --flush-interval even while standard input stays open, and at the
// end of the input.
func TestPipePartialLineWaitsNoLonger(t *testing.T) {
	srv := newTestServer(t)
	p := start(t, srv.env(), srv.args("pipe", "--flush-interval", "20ms", url("prompt.log"))...)
	io.WriteString(p.stdin, "done\nprompt> ")
	waitFor(t, "the partial line stored", func() bool { obj, _ := srv.Object(testBucket, "prompt.log"); return string(obj) == "done\nprompt> " })
	io.WriteString(p.stdin, "yes\n")
	p.stdin.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	if obj, _ := srv.Object(testBucket, "prompt.log"); string(obj) != "done\nprompt> yes\n" {
		t.Errorf("object holds %q", obj)
	}
	mustRunBin(t, srv.env(), "no newline at all", srv.args("pipe", "--flush-interval", "0", url("bare.log"))...)
	if obj, _ := srv.Object(testBucket, "bare.log"); string(obj) != "no newline at all" {
		t.Errorf("object holds %q", obj)
	}
}

// TestPipeLayout: pipe --layout names the object by the day and the host,
// and cat reads it back through the layout's prefix.
func TestPipeLayout(t *testing.T) {
	srv := newTestServer(t)
	before := time.Now().UTC()
	mustRunBin(t, srv.env(), "one\ntwo\n", srv.args("pipe", "--layout", url("logs/dt=%Y-%m-%d/{host}.log.zst"))...)
	after := time.Now().UTC()
	host, _ := os.Hostname()
	var key string
	for _, day := range []time.Time{before, after} { // the day may have turned meanwhile
		k := "logs/dt=" + day.Format("2006-01-02") + "/" + host + ".log.zst"
		if _, ok := srv.Object(testBucket, k); ok {
			key = k
		}
	}
	if key == "" {
		t.Fatalf("no object named by the layout for %s on %s", host, before.Format("2006-01-02"))
	}
	if r := mustRunBin(t, srv.env(), "", srv.args("cat", url("logs/"))...); r.stdout != "one\ntwo\n" {
		t.Fatalf("cat of the prefix printed %q", r.stdout)
	}
	r := runBin(t, srv.env(), "x\n", srv.args("pipe", "--layout", url("logs/%Y/%q.log"))...)
	checkFailure(t, r, exitUsage, "unknown verb %q")
}

// TestPipeSpool: with --spool, what pipe read but could not store (OSS
// down past --retry-for) stays in the spool, the failure says so, and the
// next pipe --spool sends it first.
func TestPipeSpool(t *testing.T) {
	srv := newTestServer(t)
	dir := t.TempDir()
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	r := runBin(t, srv.env(), "one\ntwo\n", srv.args("pipe", "--spool", dir, "--retry-for", "300ms", url("spooled.log"))...)
	checkFailure(t, r, exitFailure, "retries exhausted", "bytes are kept in the spool "+dir, "next pipe --spool")
	if _, ok := srv.Object(testBucket, "spooled.log"); ok {
		t.Fatal("an object was stored while OSS refused every append")
	}
	srv.SetFaults(1)
	r = mustRunBin(t, srv.env(), "three\n", srv.args("pipe", "--spool", dir, "--spool-sync", "10ms", url("spooled.log"))...)
	if obj, _ := srv.Object(testBucket, "spooled.log"); string(obj) != "one\ntwo\nthree\n" {
		t.Fatalf("object = %q, want the spooled lines, then the new one", obj)
	}
	if !strings.HasPrefix(r.stderr, "ossappend: sending first the 1 frame (8 B) left in the spool "+dir+"\n") {
		t.Errorf("stderr %q does not say what the spool held first", r.stderr)
	}
}
