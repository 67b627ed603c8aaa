package main

// Tests of cat on series: a chain of rotations, the objects under a
// prefix, one object alone, and cat -f across rotations and period rolls.

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
	"github.com/ossappend/ossappend/retry"
)

// newRotatingWriter returns a Writer on key whose objects hold a few small
// frames, so that a few hundred lines make a chain.
func newRotatingWriter(t *testing.T, srv *testServer, key string, codec compress.Codec) *ossappend.Writer {
	t.Helper()
	w, err := ossappend.NewWriter(context.Background(), srv.client, testBucket, key,
		ossappend.WithCodec(codec), ossappend.WithFlushSize(256), ossappend.WithMaxObjectSize(1024),
		ossappend.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxElapsed: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// tagged returns lines from to to-1 of tag.
func tagged(tag string, from, to int) []string {
	var lines []string
	for i := from; i < to; i++ {
		lines = append(lines, fmt.Sprintf("%s %05d %x", tag, i, uint64(i)*2654435761))
	}
	return lines
}

// writeChainOf writes n lines of tag through a rotating writer on key,
// closes it, and returns the lines and the chain's keys.
func writeChainOf(t *testing.T, srv *testServer, key string, codec compress.Codec, tag string, n int) ([]string, []string) {
	t.Helper()
	w := newRotatingWriter(t, srv, key, codec)
	lines := tagged(tag, 0, n)
	writeLines(t, w, lines...)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rot := int(w.Stats().Rotations)
	if rot < 2 {
		t.Fatalf("%s: %d rotations", key, rot)
	}
	keys := []string{key}
	for i := 1; i <= rot; i++ {
		keys = append(keys, ossappend.RotateKey(key, i))
	}
	return lines, keys
}

func text(lines []string) string { return strings.Join(lines, "\n") + "\n" }

// TestCatChain prints a chain of more than ten objects, decoded and raw,
// and its first object alone with --only.
func TestCatChain(t *testing.T) {
	srv := newTestServer(t)
	lines, keys := writeChainOf(t, srv, "logs/app.log.zst", compress.Zstd(1), "chain", 1500)
	if len(keys) < 12 {
		t.Fatalf("a chain of %d objects: app.10 is not in it", len(keys))
	}
	if r := mustRunBin(t, srv.env(), "", srv.args("cat", url("logs/app.log.zst"))...); r.stdout != text(lines) {
		t.Errorf("cat printed %d bytes, want the %d of the %d lines written", len(r.stdout), len(text(lines)), len(lines))
	}
	var raw, first []byte
	for i, k := range keys {
		obj, _ := srv.Object(testBucket, k)
		raw = append(raw, obj...)
		if i == 0 {
			first = obj
		}
	}
	if r := mustRunBin(t, srv.env(), "", srv.args("cat", "--raw", url("logs/app.log.zst"))...); r.stdout != string(raw) {
		t.Errorf("cat --raw printed %d bytes, want the %d stored in the chain's objects", len(r.stdout), len(raw))
	}
	var want bytes.Buffer
	dec := compress.NewReader(bytes.NewReader(first))
	want.ReadFrom(dec)
	dec.Close()
	r := mustRunBin(t, srv.env(), "", srv.args("cat", "--only", url("logs/app.log.zst"))...)
	if r.stdout != want.String() || len(r.stdout) == 0 || len(r.stdout) >= len(text(lines)) {
		t.Errorf("cat --only printed %d bytes, want the %d of the first object", len(r.stdout), want.Len())
	}
}

// TestCatPrefix prints every object under a prefix, hour by hour, each
// hour's chain in rotation order, each object decoded with its own codec.
func TestCatPrefix(t *testing.T) {
	srv := newTestServer(t)
	const day = "logs/dt=2026-11-30/"
	var want []string
	for h, codec := range []compress.Codec{compress.Gzip(-1), compress.Zstd(1), compress.None()} {
		tag := fmt.Sprintf("hour=%02d", h)
		lines, _ := writeChainOf(t, srv, day+tag+"/host.log"+codec.Extension(), codec, tag, 200)
		want = append(want, lines...)
	}
	writeChainOf(t, srv, "logs/dt=2026-12-01/hour=00/host.log", compress.None(), "next day", 200)
	if r := mustRunBin(t, srv.env(), "", srv.args("cat", url(day))...); r.stdout != text(want) {
		t.Errorf("cat of the prefix printed %d bytes, want the %d of its %d lines", len(r.stdout), len(text(want)), len(want))
	}
}

// TestCatFollowChain follows a chain with cat -f while a writer appends
// and rotates: each batch shows before the next is written.
func TestCatFollowChain(t *testing.T) {
	srv := newTestServer(t)
	w := newRotatingWriter(t, srv, "live.log.gz", compress.Gzip(-1))
	writeLines(t, w, tagged("live", 0, 5)...)
	p := start(t, srv.env(), srv.args("cat", "-f", "--poll", "20ms", url("live.log.gz"))...)
	p.stdout.expect(t, tagged("live", 0, 5)...)
	for i := 5; i < 600; i += 25 {
		batch := tagged("live", i, i+25)
		writeLines(t, w, batch...)
		p.stdout.expect(t, batch...)
	}
	if n := w.Stats().Rotations; n < 3 {
		t.Fatalf("%d rotations", n)
	}
	p.signal(t, syscall.SIGINT)
	if code := p.wait(t); code != 0 {
		t.Fatalf("cat -f exited %d; stderr: %q", code, p.stderr.String())
	}
	if s := p.stderr.String(); s != "" {
		t.Errorf("cat -f printed on stderr: %q", s)
	}
}

// TestCatFollowAcrossRolls follows a prefix with cat -f while one writer
// an hour writes that hour's objects, each rotating.
func TestCatFollowAcrossRolls(t *testing.T) {
	srv := newTestServer(t)
	const day = "logs/dt=2026-11-30/"
	var p *process
	for h := range 3 {
		tag := fmt.Sprintf("hour=%02d", h)
		w := newRotatingWriter(t, srv, day+tag+"/host.log.zst", compress.Zstd(1))
		from := 0
		if p == nil {
			writeLines(t, w, tagged(tag, 0, 5)...)
			p = start(t, srv.env(), srv.args("cat", "-f", "--poll", "20ms", url(day))...)
			p.stdout.expect(t, tagged(tag, 0, 5)...)
			from = 5
		}
		for i := from; i < 300; i += 20 {
			batch := tagged(tag, i, i+20)
			writeLines(t, w, batch...)
			p.stdout.expect(t, batch...)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if n := w.Stats().Rotations; n < 2 {
			t.Fatalf("%s: %d rotations", tag, n)
		}
	}
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("cat -f exited %d; stderr: %q", code, p.stderr.String())
	}
}

// TestCatWithoutSeal prints and follows a chain written by a writer made
// WithSealOnClose on a server that does not seal, as most accounts do not:
// cat -f moves on to each object the writer rotates to without a seal,
// and cat prints the chain whole.
func TestCatWithoutSeal(t *testing.T) {
	s := osstest.NewServer(osstest.WithoutSeal())
	t.Cleanup(s.Close)
	if err := s.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	srv := &testServer{Server: s, client: s.Client()}
	w, err := ossappend.NewWriter(context.Background(), srv.client, testBucket, "unsealed.log.zst",
		ossappend.WithCodec(compress.Zstd(1)), ossappend.WithFlushSize(256), ossappend.WithMaxObjectSize(1024),
		ossappend.WithSealOnClose(), ossappend.WithErrorHandler(func(error) {}),
		ossappend.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxElapsed: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	lines := tagged("unsealed", 0, 305) // 5, then batches of 25
	writeLines(t, w, lines[:5]...)
	p := start(t, srv.env(), srv.args("cat", "-f", "--poll", "20ms", url("unsealed.log.zst"))...)
	p.stdout.expect(t, lines[:5]...)
	for i := 5; i < len(lines); i += 25 {
		writeLines(t, w, lines[i:i+25]...)
		p.stdout.expect(t, lines[i:i+25]...) // stalls if cat -f waits for a seal
	}
	if n := w.Stats().Rotations; n < 3 {
		t.Fatalf("%d rotations", n)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	p.signal(t, syscall.SIGINT)
	if code := p.wait(t); code != 0 {
		t.Fatalf("cat -f exited %d; stderr: %q", code, p.stderr.String())
	}
	if s := p.stderr.String(); s != "" {
		t.Errorf("cat -f printed on stderr: %q", s)
	}
	if r := mustRunBin(t, srv.env(), "", srv.args("cat", url("unsealed.log.zst"))...); r.stdout != text(lines) {
		t.Errorf("cat printed %d bytes, want the %d of the %d lines written", len(r.stdout), len(text(lines)), len(lines))
	}
}
