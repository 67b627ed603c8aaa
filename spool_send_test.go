package ossappend_test

// Tests of a spool that sends its frames as they are (no codec): from its
// maps or its files, every frame it holds ready in one append, without the
// writer's memory.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
)

// writeToClient hands each append's body to the memClient as the bytes
// io.Copy got from it, which takes the body's WriteTo, as a client that
// drains bodies into a writer does (an HTTP transport's copy, say).
type writeToClient struct{ *memClient }

func (c writeToClient) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, opts ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	var got bytes.Buffer
	if _, err := io.Copy(&got, req.Body); err != nil {
		return nil, err
	}
	r := *req
	r.Body = &got
	return c.memClient.AppendObject(ctx, &r, opts...)
}

// bodyReading are the two ways clients read a body.
var bodyReading = []struct {
	name string
	wrap func(*memClient) ossappend.Client
}{
	{"Read", func(c *memClient) ossappend.Client { return c }},
	{"WriteTo", func(c *memClient) ossappend.Client { return writeToClient{c} }},
}

// TestSpoolSendsEveryFrameReady: frames that wait in the spool behind a
// slow append go out in the next one, all of them up to MaxAppendSize,
// however few frames MaxInflight and the Budget allow in memory, and they
// draw nothing on the budget.
func TestSpoolSendsEveryFrameReady(t *testing.T) {
	const size, frames = 4 << 10, 24
	for _, read := range bodyReading {
		for _, maxAppend := range []int{64 << 20, 5 * size} {
			t.Run(fmt.Sprintf("%s/MaxAppendSize=%d", read.name, maxAppend), func(t *testing.T) {
				mc := newMemClient(memBucket)
				mc.gate = make(chan struct{})
				budget := ossappend.NewBudget(2 * size)
				w := newMemWriter(t, read.wrap(mc), "ready.log", ossappend.WithSpool(t.TempDir()),
					ossappend.WithFlushSize(size), ossappend.WithMaxInflight(1), ossappend.WithFlushInterval(0),
					ossappend.WithBudget(budget), ossappend.WithMaxAppendSize(maxAppend))
				var want []byte
				write := func(i int) {
					p := bytes.Repeat([]byte{byte('a' + i%26)}, size) // a frame each
					want = append(want, p...)
					if _, err := w.Write(p); err != nil {
						t.Fatal(err)
					}
				}
				write(0)
				waitFor(t, "the first append to wait at the gate", func() bool { return blockedIn("(*memClient).AppendObject") })
				for i := 1; i < frames; i++ {
					write(i)
				}
				waitFor(t, "the finisher to finish every frame", func() bool { return blockedIn("(*spooler).finisher") })
				if used, st := budget.Used(), w.Stats(); used != 0 || st.BudgetWaits != 0 {
					t.Fatalf("%d frames wait in the spool: budget used %d, %d waits; want none drawn", frames-1, used, st.BudgetWaits)
				}
				close(mc.gate)
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if got, _ := mc.object("ready.log"); !bytes.Equal(got, want) {
					t.Fatalf("object holds %d bytes, want the %d written, in order", len(got), len(want))
				}
				var lens []int
				for _, b := range mc.bodies {
					lens = append(lens, len(b)/size)
				}
				wantLens := []int{1, frames - 1}
				if maxAppend < frames*size {
					wantLens = []int{1, 5, 5, 5, 5, 3}
				}
				if !slices.Equal(lens, wantLens) {
					t.Fatalf("appends carried %v frames, want %v", lens, wantLens)
				}
			})
		}
	}
}

// TestSpoolSendsFramesFromTheirFiles: frames whose maps the spool does
// not keep are read from their files as the append sends them; a file
// damaged since it was finished fails that append before it is whole, and
// the writer with an error wrapping ErrSpoolDamaged.
func TestSpoolSendsFramesFromTheirFiles(t *testing.T) {
	// The spool keeps the maps of two frames of 32 MiB, the first ones;
	// the last frames are read from their files.
	const size = 32 << 20
	for _, read := range bodyReading {
		for _, damage := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/damaged=%v", read.name, damage), func(t *testing.T) {
				dir := t.TempDir()
				mc := newMemClient(memBucket)
				mc.gate = make(chan struct{})
				w := newMemWriter(t, read.wrap(mc), "files.log", ossappend.WithSpool(dir),
					ossappend.WithFlushSize(size), ossappend.WithMaxInflight(1), ossappend.WithFlushInterval(0))
				var want []byte
				frame := func(i int) { // a short frame: its bytes, queued
					line := bytes.Repeat([]byte{byte('a' + i)}, 1000+i)
					want = append(want, line...)
					w.Write(line)
					w.FlushContext(expiredContext())
				}
				frame(0)
				waitFor(t, "the first append to wait at the gate", func() bool { return blockedIn("(*memClient).AppendObject") })
				for i := 1; i < 8; i++ {
					frame(i)
				}
				waitFor(t, "the finisher to finish every frame", func() bool { return blockedIn("(*spooler).finisher") })
				if damage {
					files, _ := filepath.Glob(filepath.Join(dir, "frames", "*.frame"))
					slices.Sort(files)
					data, err := os.ReadFile(files[len(files)-1])
					if err != nil {
						t.Fatal(err)
					}
					if len(data) != 4096+1007 {
						t.Fatalf("the last frame's file holds %d bytes: its map is kept, want it read from the file", len(data))
					}
					data[len(data)-1] ^= 1
					if err := os.WriteFile(files[len(files)-1], data, 0o600); err != nil {
						t.Fatal(err)
					}
				}
				close(mc.gate)
				err := w.Close()
				got, _ := mc.object("files.log")
				switch {
				case !damage && err != nil:
					t.Fatal(err)
				case !damage && !bytes.Equal(got, want):
					t.Fatalf("object holds %q, want %q", got, want)
				case damage && !errors.Is(err, ossappend.ErrSpoolDamaged):
					t.Fatalf("Close = %v, want an error wrapping ErrSpoolDamaged", err)
				case damage && len(got) != 1000:
					t.Fatalf("object holds %d bytes, want the first frame's alone", len(got))
				}
			})
		}
	}
}
