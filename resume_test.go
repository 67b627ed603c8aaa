package ossappend_test

// Tests of where a writer starts: the newest object of its key's chain.

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
)

// TestRestartResumesAtTheNewestObject: a process restarted on its key
// after rotating appends to the newest object of the chain, not to the
// first, so that the chain, read in order, holds the first run and then
// the second, never interleaved.
func TestRestartResumesAtTheNewestObject(t *testing.T) {
	for _, codec := range allCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			key := "chain/app.log" + codec.Extension()
			opts := []ossappend.Option{ossappend.WithCodec(codec), ossappend.WithFlushSize(1 << 10),
				ossappend.WithMaxObjectSize(2 << 10), ossappend.WithFlushInterval(0)}
			var want bytes.Buffer
			run := func(g, n int) *ossappend.Writer {
				w := newWriter(t, srv.Client(), key, opts...)
				for i := range n {
					line := numberedLine(g, i)
					want.WriteString(line)
					w.WriteString(line)
					if i%50 == 0 {
						w.Flush() // frames small enough to rotate often
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				return w
			}
			first := run(0, 800)
			if first.Stats().Rotations == 0 {
				t.Fatal("the first run did not rotate")
			}
			second := newWriter(t, srv.Client(), key, opts...)
			if second.Key() != first.Key() {
				t.Fatalf("the second run starts at %s, want the newest object %s", second.Key(), first.Key())
			}
			second.Close()
			run(1, 800)

			r, err := ossread.NewReader(context.Background(), srv.Client(), bucket, key, ossread.WithDecode())
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("the chain reads back as %d bytes, want the two runs one after the other (%d)", len(got), want.Len())
			}
		})
	}
}

// TestMemRestartFindsTheNewestWithoutListing: a client that cannot list
// finds the newest object by asking for each key of the chain in turn.
func TestMemRestartFindsTheNewestWithoutListing(t *testing.T) {
	c := newMemClient(memBucket)
	c.put("app.log", []byte("0\n"), true)
	c.put("app.1.log", []byte("1\n"), true)
	c.put("app.2.log", []byte("2\n"), true)
	w := newMemWriter(t, c, "app.log")
	if w.Key() != "app.2.log" {
		t.Fatalf("Key = %s, want app.2.log", w.Key())
	}
	w.WriteString("3\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.object("app.2.log"); string(got) != "2\n3\n" {
		t.Fatalf("app.2.log = %q", got)
	}
}

// TestLayoutRestartWithinAPeriod: a writer restarted within a period goes
// on in the newest object of that period's chain.
func TestLayoutRestartWithinAPeriod(t *testing.T) {
	srv := newServer(t)
	clock := newFakeClock(time.Date(2026, 11, 30, 10, 15, 0, 0, time.UTC))
	opts := []ossappend.Option{ossappend.WithKeyLayout(), ossappend.WithClock(clock), ossappend.WithCodec(compress.Zstd(1)),
		ossappend.WithFlushSize(512), ossappend.WithMaxObjectSize(1 << 10), ossappend.WithFlushInterval(0)}
	w := newWriter(t, srv.Client(), "h/%Y%m%d%H.log.zst", opts...)
	for i := range 400 {
		w.WriteString(numberedLine(0, i))
		if i%20 == 0 {
			w.Flush()
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Stats().Rotations == 0 || !strings.HasPrefix(w.Key(), "h/2026113010.") {
		t.Fatalf("stats %+v, key %s: want rotations within the period", w.Stats(), w.Key())
	}
	clock.Advance(10 * time.Minute)
	again := newWriter(t, srv.Client(), "h/%Y%m%d%H.log.zst", opts...)
	defer again.Close()
	if again.Key() != w.Key() {
		t.Fatalf("restarted at %s, want %s", again.Key(), w.Key())
	}
}
