package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// logText returns n numbered log lines.
func logText(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%06d level=info msg=\"request served\" path=/api/v1/orders/%d status=200\n", i, i%97)
	}
	return b.String()
}

// TestPipeCatRoundTrip pipes text into an object of each codec, chosen by
// the key's extension or by --compress, and reads it back with cat.
func TestPipeCatRoundTrip(t *testing.T) {
	srv := newTestServer(t)
	text := logText(20000)
	for _, tc := range []struct {
		key, codec string
		flags      []string
	}{
		{"plain.log", "none", nil},
		{"app.log.gz", "gzip", nil},
		{"app.log.zst", "zstd", nil},
		{"app.log.s2", "s2", nil},
		{"chosen.log", "zstd", []string{"--compress", "zstd"}},
		{"small-frames.log.gz", "gzip", []string{"--flush-size", "64KiB"}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			args := append(append([]string{"pipe", "-q"}, tc.flags...), url(tc.key))
			r := mustRunBin(t, srv.env(), text, srv.args(args...)...)
			if r.stdout != "" || r.stderr != "" {
				t.Errorf("pipe printed something: %v", r)
			}
			obj, ok := srv.Object(testBucket, tc.key)
			if !ok {
				t.Fatal("object not created")
			}
			if got := compress.Detect(obj); got != tc.codec {
				t.Errorf("object is %s-encoded, want %s", got, tc.codec)
			}
			r = mustRunBin(t, srv.env(), "", srv.args("cat", url(tc.key))...)
			if r.stdout != text {
				t.Fatalf("cat printed %d bytes, want the %d piped in", len(r.stdout), len(text))
			}
			raw := mustRunBin(t, srv.env(), "", srv.args("cat", "--raw", url(tc.key))...)
			if raw.stdout != string(obj) {
				t.Fatalf("cat --raw printed %d bytes, want the object's %d", len(raw.stdout), len(obj))
			}
		})
	}
}

// TestPipeAppends checks that a second pipe appends to the object.
func TestPipeAppends(t *testing.T) {
	srv := newTestServer(t)
	mustRunBin(t, srv.env(), "one\n", srv.args("pipe", url("twice.log.zst"))...)
	mustRunBin(t, srv.env(), "two\n", srv.args("pipe", url("twice.log.zst"))...)
	if r := mustRunBin(t, srv.env(), "", srv.args("cat", url("twice.log.zst"))...); r.stdout != "one\ntwo\n" {
		t.Fatalf("cat printed %q", r.stdout)
	}
}

func TestPipeTee(t *testing.T) {
	srv := newTestServer(t)
	text := logText(1000)
	r := mustRunBin(t, srv.env(), text, srv.args("pipe", "--tee", url("tee.log"))...)
	if r.stdout != text {
		t.Errorf("--tee printed %d bytes, want %d", len(r.stdout), len(text))
	}
	if obj, _ := srv.Object(testBucket, "tee.log"); string(obj) != text {
		t.Errorf("object holds %d bytes, want %d", len(obj), len(text))
	}
}

// TestLocalRoundTrip pipes into and cats from an embedded server, with no
// server running in between and no credentials; --local wins over an
// endpoint in the environment.
func TestLocalRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "oss")
	env := cleanEnv("OSS_ENDPOINT=http://127.0.0.1:1")
	text := logText(5000)
	mustRunBin(t, env, text, "--local", dir, "pipe", "oss://local/app.log.zst")
	mustRunBin(t, env, "more\n", "--local", dir, "pipe", "oss://local/app.log.zst")
	r := mustRunBin(t, env, "", "--local", dir, "cat", "oss://local/app.log.zst")
	if r.stdout != text+"more\n" {
		t.Fatalf("cat printed %d bytes, want %d", len(r.stdout), len(text)+5)
	}
}

// TestPipeSignalFlushes sends SIGTERM, or SIGINT, to a pipe whose standard
// input is still open, and checks that everything it read is stored. The
// flush interval is an hour, so only the signal makes it append.
func TestPipeSignalFlushes(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			srv := newTestServer(t)
			key := "signal.log.zst"
			p := start(t, srv.env(), srv.args("pipe", "--tee", "--flush-interval", "1h", url(key))...)
			lines := strings.Split(strings.TrimSuffix(logText(300), "\n"), "\n")
			for _, l := range lines {
				fmt.Fprintln(p.stdin, l)
			}
			p.stdout.expect(t, lines...) // --tee: pipe has read them all
			if _, ok := srv.Object(testBucket, key); ok {
				t.Fatal("object created before the signal")
			}
			p.signal(t, sig)
			if code := p.wait(t); code != 0 {
				t.Fatalf("pipe exited %d after %v; stderr: %q", code, sig, p.stderr.String())
			}
			r := mustRunBin(t, srv.env(), "", srv.args("cat", url(key))...)
			if want := strings.Join(lines, "\n") + "\n"; r.stdout != want {
				t.Fatalf("object holds %d bytes after %v, want %d", len(r.stdout), sig, len(want))
			}
		})
	}
}

// TestPipeSignalThenEOF interrupts a pipe whose input ends at the same
// time, as Ctrl-C does to a whole pipeline: everything read is stored.
func TestPipeSignalThenEOF(t *testing.T) {
	srv := newTestServer(t)
	p := start(t, srv.env(), srv.args("pipe", "--tee", "--flush-interval", "1h", url("eof.log"))...)
	text := logText(2000)
	fmt.Fprint(p.stdin, text)
	p.stdout.expect(t, strings.Split(strings.TrimSuffix(text, "\n"), "\n")...)
	p.signal(t, syscall.SIGINT)
	p.stdin.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	if obj, _ := srv.Object(testBucket, "eof.log"); string(obj) != text {
		t.Fatalf("object holds %d bytes, want %d", len(obj), len(text))
	}
}

// TestPipeSecondSignalAbandons interrupts a pipe twice while its last
// append keeps failing (and the writer retrying): it gives up, and says how
// much was not stored.
func TestPipeSecondSignalAbandons(t *testing.T) {
	srv := newTestServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	p := start(t, srv.env(), srv.args("pipe", "--tee", "--flush-interval", "1h", url("hang.log"))...)
	fmt.Fprintln(p.stdin, "stuck")
	p.stdout.expect(t, "stuck")
	p.signal(t, syscall.SIGINT)
	waitFor(t, "the append", func() bool { return srv.Counts().Requests["AppendObject"] > 0 })
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != exitFailure {
		t.Fatalf("pipe exited %d, want %d; stderr: %q", code, exitFailure, p.stderr.String())
	}
	if s := p.stderr.String(); !strings.Contains(s, "6 bytes not stored") {
		t.Errorf("stderr %q does not say what was lost", s)
	}
}

// TestPipeConflictWarns appends to the object behind pipe's back: pipe
// moves to a new key, says so, and goes on.
func TestPipeConflictWarns(t *testing.T) {
	srv := newTestServer(t)
	p := start(t, srv.env(), srv.args("pipe", "-q", "--flush-size", "4", url("conflict.log"))...)
	fmt.Fprint(p.stdin, "aaa\n")
	waitFor(t, "the first append", func() bool { obj, _ := srv.Object(testBucket, "conflict.log"); return len(obj) == 4 })
	_, err := srv.client.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("conflict.log"), Position: oss.Ptr(int64(4)), Body: strings.NewReader("XXX\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(p.stdin, "bbb\n")
	p.stdin.Close()
	if code := p.wait(t); code != 0 {
		t.Fatalf("pipe exited %d; stderr: %q", code, p.stderr.String())
	}
	if s := p.stderr.String(); !strings.Contains(s, "warning:") || !strings.Contains(s, "another writer") || strings.Count(s, "\n") != 1 {
		t.Errorf("stderr %q, want one warning about another writer", s)
	}
	if obj, _ := srv.Object(testBucket, "conflict.1.log"); string(obj) != "bbb\n" {
		t.Errorf("conflict.1.log holds %q, want %q", obj, "bbb\n")
	}
}

// TestPipeCatBinaryRoundTrip: bytes piped without a codec come back as
// they went in, whatever they begin with: an archive is not gunzipped,
// bytes that open as a zstd frame are not decoded, and pipe appends to the
// object it created.
func TestPipeCatBinaryRoundTrip(t *testing.T) {
	srv := newTestServer(t)
	var archive bytes.Buffer
	zw := gzip.NewWriter(&archive)
	io.WriteString(zw, logText(2000))
	zw.Close()
	mustRunBin(t, srv.env(), archive.String(), srv.args("pipe", "-q", url("backup.tgz"))...)
	for _, args := range [][]string{{"cat", url("backup.tgz")}, {"cat", "--only", url("backup.tgz")}} {
		if r := mustRunBin(t, srv.env(), "", srv.args(args...)...); r.stdout != archive.String() {
			t.Errorf("%v printed %d bytes, want the %d of the archive", args, len(r.stdout), archive.Len())
		}
	}

	const fz = "\x28\xb5\x2f\xfdhello\n"
	mustRunBin(t, srv.env(), fz, srv.args("pipe", "-q", url("fz.bin"))...)
	mustRunBin(t, srv.env(), "more\n", srv.args("pipe", "-q", url("fz.bin"))...)
	if r := mustRunBin(t, srv.env(), "", srv.args("cat", url("fz.bin"))...); r.stdout != fz+"more\n" {
		t.Errorf("cat printed %q, want %q", r.stdout, fz+"more\n")
	}
}

// TestPipeSummary: away from a terminal, pipe sums up in one line at the
// end, unless -q; -q and --progress do not go together.
func TestPipeSummary(t *testing.T) {
	srv := newTestServer(t)
	r := mustRunBin(t, srv.env(), logText(100), srv.args("pipe", url("sum.log.zst"))...)
	if !regexp.MustCompile(`^ossappend: [\d.]+ KiB in, [\d.]+ [KM]?i?B stored in oss://cli-test/sum\.log\.zst \([\d.]+x\), 1 append, .*/s in .*\n$`).MatchString(r.stderr) {
		t.Errorf("summary %q", r.stderr)
	}
	if r := mustRunBin(t, srv.env(), "x\n", srv.args("pipe", "--quiet", url("sum.log.zst"))...); r.stderr != "" {
		t.Errorf("pipe --quiet printed %q", r.stderr)
	}
	checkFailure(t, runBin(t, srv.env(), "x\n", srv.args("pipe", "-q", "--progress", url("sum.log.zst"))...), exitUsage, "-q", "--progress")
	// --progress away from a terminal: a line every 10s, and the summary.
	if r := mustRunBin(t, srv.env(), "x\n", srv.args("pipe", "--progress", url("sum.log.zst"))...); !strings.Contains(r.stderr, " stored in ") {
		t.Errorf("pipe --progress printed %q", r.stderr)
	}
}

// TestPipeFiles: pipe copies the files given, one after the other, - for
// standard input; a missing file is reported before anything is stored.
func TestPipeFiles(t *testing.T) {
	srv := newTestServer(t)
	dir := t.TempDir()
	one, two := filepath.Join(dir, "one.log"), filepath.Join(dir, "two.log")
	os.WriteFile(one, []byte("one\n"), 0o600)
	os.WriteFile(two, []byte("two\n"), 0o600)
	mustRunBin(t, srv.env(), "stdin\n", srv.args("pipe", "-q", url("files.log"), one, "-", two)...)
	if obj, _ := srv.Object(testBucket, "files.log"); string(obj) != "one\nstdin\ntwo\n" {
		t.Errorf("object holds %q", obj)
	}
	mustRunBin(t, srv.env(), "dash\n", srv.args("pipe", "-q", url("dash.log"), "-")...)
	if obj, _ := srv.Object(testBucket, "dash.log"); string(obj) != "dash\n" {
		t.Errorf("object holds %q", obj)
	}
	r := runBin(t, srv.env(), "", srv.args("pipe", "-q", url("missing.log"), one, filepath.Join(dir, "nope.log"))...)
	checkFailure(t, r, exitFailure, "nope.log", "no such file")
	if _, ok := srv.Object(testBucket, "missing.log"); ok {
		t.Error("an object was created")
	}
}
