package ossappend_test

// Tests of the writer's spool, through osstest and the real SDK.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/osstest"
)

// TestSpoolKeepsWhatWasNotStored: bytes accepted but not stored when a
// writer is abandoned (an expired Shutdown, an outage) stay in the spool,
// and the next writer on it stores them, once and in order, before its own.
func TestSpoolKeepsWhatWasNotStored(t *testing.T) {
	for _, codec := range allCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			dir := t.TempDir()
			key := "spooled.log" + codec.Extension()
			opts := []ossappend.Option{ossappend.WithSpool(dir), ossappend.WithCodec(codec), ossappend.WithFlushSize(4 << 10)}
			w := newWriter(t, srv.Client(), key, opts...)
			var want bytes.Buffer
			for i := range 500 {
				want.WriteString(numberedLine(0, i))
				w.WriteString(numberedLine(0, i))
				if i == 200 {
					if err := w.Flush(); err != nil {
						t.Fatal(err)
					}
					srv.SetFaults(1, outage)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := w.Shutdown(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Shutdown = %v, want the bytes not stored counted", err)
			}
			pending := w.Stats().Pending
			if pending == 0 {
				t.Fatal("nothing was left pending")
			}
			srv.SetFaults(1)

			again := newWriter(t, srv.Client(), key, opts...)
			for i := 500; i < 600; i++ {
				want.WriteString(numberedLine(0, i))
				again.WriteString(numberedLine(0, i))
			}
			if err := again.Close(); err != nil {
				t.Fatal(err)
			}
			obj, _ := srv.Object(bucket, key)
			if got := decode(t, codec, obj); !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("object decodes to %d bytes, want %d in order", len(got), want.Len())
			}
			st := again.Stats()
			if st.SpoolRecovered == 0 || st.BytesWritten != pending+int64(len(want.Bytes()))-w.Stats().BytesWritten || st.Pending != 0 || st.SpooledBytes != 0 {
				t.Fatalf("stats of the second writer %+v (the first left %d pending)", st, pending)
			}
			checkNoLeaks(t)
		})
	}
}

// TestSpoolRidesOutAnOutageLongerThanMemory: while OSS is down, Write
// keeps accepting bytes into the spool far beyond the writer's frames in
// memory, and everything lands once OSS is back.
func TestSpoolRidesOutAnOutageLongerThanMemory(t *testing.T) {
	srv := newServer(t)
	const size = 4 << 10
	w := newWriter(t, srv.Client(), "outage.log", ossappend.WithSpool(t.TempDir()), ossappend.WithFlushSize(size),
		ossappend.WithMaxInflight(1), ossappend.WithSpoolLimit(200*size), ossappend.WithFlushInterval(0))
	srv.SetFaults(1, outage)
	var want bytes.Buffer
	done := make(chan error, 1)
	go func() {
		for i := 0; want.Len() < 100*size; i++ { // 50 times the frames in memory
			want.WriteString(numberedLine(0, i))
			if _, err := w.WriteString(numberedLine(0, i)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Write blocked during the outage, with room in the spool")
	}
	if st := w.Stats(); st.BytesStored != 0 || st.SpooledBytes < 90*size || st.Retries == 0 {
		t.Fatalf("stats %+v: want everything spooled, nothing stored, appends failing", st)
	}
	srv.SetFaults(1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, srv.Client(), "outage.log"); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("object holds %d bytes, want %d in order", len(got), want.Len())
	}
}

// abandonSpool writes lines 0..n-1 into a spooled writer on key while OSS
// refuses every append, then abandons the writer, leaving the lines in the
// spool; it returns them.
func abandonSpool(t *testing.T, srv *osstest.Server, key, dir string, n int, opts ...ossappend.Option) []byte {
	t.Helper()
	w := newWriter(t, srv.Client(), key, append([]ossappend.Option{ossappend.WithSpool(dir), ossappend.WithFlushSize(1 << 10), ossappend.WithFlushInterval(0)}, opts...)...)
	srv.SetFaults(1, outage)
	var lines bytes.Buffer
	for i := range n {
		lines.WriteString(numberedLine(0, i))
		w.WriteString(numberedLine(0, i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Shutdown(ctx)
	srv.SetFaults(1)
	return lines.Bytes()
}

// TestSpoolDamagedFrame: a frame file that fails its checksums is set
// aside in the quarantine folder, reported, and none of it sent; the other
// frames are stored once, in order.
func TestSpoolDamagedFrame(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	all := abandonSpool(t, srv, "damaged.log", dir, 200)
	files, _ := filepath.Glob(filepath.Join(dir, "frames", "*.frame"))
	if len(files) < 3 {
		t.Fatalf("%d frame files in the spool, want several", len(files))
	}
	slices.Sort(files)
	victim := files[1]
	data, _ := os.ReadFile(victim)
	data[len(data)-10] ^= 0xff // a flipped byte in the frame's data
	if err := os.WriteFile(victim, data, 0o600); err != nil {
		t.Fatal(err)
	}

	var heard []error
	var mu sync.Mutex
	w := newWriter(t, srv.Client(), "damaged.log", ossappend.WithSpool(dir), ossappend.WithFlushSize(1<<10),
		ossappend.WithErrorHandler(func(err error) { mu.Lock(); heard = append(heard, err); mu.Unlock() }))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	mu.Lock()
	defer mu.Unlock()
	if st.SpoolDamaged != 1 || len(heard) != 1 || !errors.Is(heard[0], ossappend.ErrSpoolDamaged) {
		t.Fatalf("SpoolDamaged %d, the handler heard %v: want the one damaged file reported", st.SpoolDamaged, heard)
	}
	if set, _ := filepath.Glob(filepath.Join(dir, "quarantine", filepath.Base(victim)+"*")); len(set) == 0 {
		t.Fatalf("the damaged file is not in the quarantine folder")
	}
	// The object is the lines without the damaged frame's: each once, in order.
	got := getObject(t, srv.Client(), "damaged.log")
	lines := bytes.SplitAfter(got, []byte("\n"))
	last := -1
	for _, l := range lines[:len(lines)-1] {
		var g, i int
		fmt.Sscanf(string(l), "g=%d i=%d", &g, &i)
		if i <= last || string(l) != numberedLine(0, i) {
			t.Fatalf("line %q after line %d: doubled, reordered or torn", l, last)
		}
		last = i
	}
	if len(got) >= len(all) || len(got) == 0 {
		t.Fatalf("the object holds %d of %d bytes: want all but the damaged frame's", len(got), len(all))
	}
}

// TestSpoolBelongsToOneWriter: a spool held by a writer refuses a second
// one, naming the directory and its key; a spool holding another key's
// frames is refused, naming that key; a missing directory is refused.
func TestSpoolBelongsToOneWriter(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	w := newWriter(t, srv.Client(), "owner.log", ossappend.WithSpool(dir))
	_, err := ossappend.NewWriter(context.Background(), srv.Client(), bucket, "owner.log", ossappend.WithSpool(dir))
	if !errors.Is(err, ossappend.ErrSpoolBusy) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "owner.log") {
		t.Fatalf("a second writer on the spool: %v, want ErrSpoolBusy naming %s and owner.log", err, dir)
	}
	w.Close()

	abandonSpool(t, srv, "first.log", dir, 50)
	_, err = ossappend.NewWriter(context.Background(), srv.Client(), bucket, "second.log", ossappend.WithSpool(dir))
	if err == nil || !strings.Contains(err.Error(), "first.log") {
		t.Fatalf("another key on a spool holding first.log's frames: %v, want a refusal naming first.log", err)
	}

	_, err = ossappend.NewWriter(context.Background(), srv.Client(), bucket, "a.log", ossappend.WithSpool(filepath.Join(dir, "missing")))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a missing spool directory: %v, want fs.ErrNotExist", err)
	}
}

// TestSpoolSyncDoesNotWaitForOSS: with a spool, Sync makes the bytes
// durable on disk and returns while OSS is down; Flush waits for OSS.
func TestSpoolSyncDoesNotWaitForOSS(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "sync.log", ossappend.WithSpool(t.TempDir()))
	srv.SetFaults(1, outage)
	w.WriteString("safe on this machine\n")
	if err := w.Sync(); err != nil {
		t.Fatalf("Sync during an outage: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := w.FlushContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("FlushContext during an outage = %v, want it to wait for OSS", err)
	}
	srv.SetFaults(1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, srv.Client(), "sync.log"); string(got) != "safe on this machine\n" {
		t.Fatalf("object = %q", got)
	}
}
