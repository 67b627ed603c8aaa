package main

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

// writeLines appends lines to key through an ossappend.Writer and flushes.
func writeLines(t *testing.T, w *ossappend.Writer, lines ...string) {
	t.Helper()
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func newWriter(t *testing.T, srv *testServer, key string, codec compress.Codec) *ossappend.Writer {
	t.Helper()
	w, err := ossappend.NewWriter(context.Background(), srv.client, testBucket, key, ossappend.WithCodec(codec))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// TestCatFollow starts cat -f on an object of each codec, appends lines
// after it has printed the first ones, waits for them, and interrupts it.
func TestCatFollow(t *testing.T) {
	for _, codec := range []compress.Codec{compress.None(), compress.Gzip(-1), compress.Zstd(3), compress.S2()} {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newTestServer(t)
			key := "follow.log" + codec.Extension()
			w := newWriter(t, srv, key, codec)
			writeLines(t, w, "before 1", "before 2")

			p := start(t, srv.env(), srv.args("cat", "-f", "--poll", "20ms", url(key))...)
			p.stdout.expect(t, "before 1", "before 2")
			for i := range 3 {
				// Each batch must show before the next is written: a
				// decoder holding a frame back would stall here.
				batch := []string{fmt.Sprintf("after %d.1", i), fmt.Sprintf("after %d.2", i)}
				writeLines(t, w, batch...)
				p.stdout.expect(t, batch...)
			}
			p.signal(t, syscall.SIGINT)
			if code := p.wait(t); code != 0 {
				t.Fatalf("cat -f exited %d after SIGINT; stderr: %q", code, p.stderr.String())
			}
			if s := p.stderr.String(); s != "" {
				t.Errorf("cat -f printed on stderr: %q", s)
			}
		})
	}
}

func TestCatFollowFromEnd(t *testing.T) {
	srv := newTestServer(t)
	w := newWriter(t, srv, "end.log.zst", compress.Zstd(3))
	writeLines(t, w, "old")
	srv.ResetCounts()
	p := start(t, srv.env(), srv.args("cat", "-f", "--from-end", "--poll", "20ms", url("end.log.zst"))...)
	// cat has taken the object's end as its start once its second
	// HeadObject, the first poll, has come.
	waitFor(t, "cat -f to poll", func() bool { return srv.Counts().Requests["HeadObject"] >= 2 })
	writeLines(t, w, "new")
	p.stdout.expect(t, "new")
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("cat -f exited %d after SIGTERM; stderr: %q", code, p.stderr.String())
	}
}

// waitFor waits until cond holds, failing t after cmdDeadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(cmdDeadline); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", cmdDeadline, what)
		}
	}
}

// TestCatFollowWait follows an object that pipe creates later.
func TestCatFollowWait(t *testing.T) {
	srv := newTestServer(t)
	srv.ResetCounts()
	p := start(t, srv.env(), srv.args("cat", "-f", "--wait", "--poll", "20ms", url("later.log.gz"))...)
	// Create the object only once cat has found it missing, in its first
	// listing of the chain, so that --wait is what keeps cat going.
	waitFor(t, "cat to find the object missing", func() bool { return srv.Counts().Requests["ListObjectsV2"] >= 1 })
	mustRunBin(t, srv.env(), "created\n", srv.args("pipe", url("later.log.gz"))...)
	p.stdout.expect(t, "created")
	p.signal(t, syscall.SIGINT)
	if code := p.wait(t); code != 0 {
		t.Fatalf("cat -f exited %d; stderr: %q", code, p.stderr.String())
	}
}
