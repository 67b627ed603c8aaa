package ossappend_test

// Tests of a spooled writer's failures: its waits, and damage met in
// recovery.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
)

// blockedIn reports whether a goroutine is parked in a select (or on a
// channel) inside fn: a Write that waits.
func blockedIn(fn string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if (strings.Contains(header, "[select") || strings.Contains(header, "[chan receive")) && strings.Contains(g, fn) {
			return true
		}
	}
	return false
}

// TestSpoolWriteWaitingForRoomSeesFailure: a Write waiting for room in a
// full spool returns the error that stopped the writer once it fails for
// good, although nothing makes room then (the frames stay on disk for the
// next writer).
func TestSpoolWriteWaitingForRoomSeesFailure(t *testing.T) {
	const size = 4 << 10
	c := newMemClient(memBucket)
	c.gate = make(chan struct{})
	c.setFault(func(op string) memFault {
		if op == "AppendObject" {
			return memForbidden // permanent: the writer fails for good
		}
		return memOK
	})
	w := newMemWriter(t, c, "spooled.log", ossappend.WithSpool(t.TempDir()), ossappend.WithFlushSize(size),
		ossappend.WithSpoolLimit(2*size), ossappend.WithFlushInterval(0))
	defer w.Close()

	frame := bytes.Repeat([]byte("x"), size)
	for range 2 { // the spool is full: two frames, the first held at the gate
		if _, err := w.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := w.Write([]byte("one more\n"))
		done <- err
	}()
	waitFor(t, "the third Write to wait for room in the spool", func() bool {
		return blockedIn("ossappend.(*Writer).newSpoolFrameLocked")
	})

	c.gate <- struct{}{} // the first append is refused: 403
	waitFor(t, "Flush to report the failure", func() bool { return w.Flush() != nil })
	select {
	case err := <-done:
		if err == nil || errors.Is(err, ossappend.ErrClosed) {
			t.Fatalf("Write = %v, want the error that stopped the writer", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("a Write waiting for room in the spool still waits 30 s after the writer failed (Flush: %v)", w.Flush())
	}
}

// lenClient is memClient that notes the length of every append it is
// sent, landed or not.
type lenClient struct {
	*memClient
	mu   sync.Mutex
	lens []int
}

func (c *lenClient) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, optFns ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	if l, ok := req.Body.(interface{ Len() int }); ok {
		c.mu.Lock()
		c.lens = append(c.lens, l.Len())
		c.mu.Unlock()
	}
	return c.memClient.AppendObject(ctx, req, optFns...)
}

func (c *lenClient) sent(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Contains(c.lens, n)
}

// TestSpoolDamagedFirstFrameOfRecordedAppend: the first frame of the
// append recorded last can be missing because the append landed and its
// frames were being removed, or because recovery set it aside as damaged;
// in the second case OSS tells whether the append landed, and the other
// frames, intact, are sent: a damaged file costs its own bytes only.
func TestSpoolDamagedFirstFrameOfRecordedAppend(t *testing.T) {
	const size = 1 << 10
	dir := t.TempDir()
	mc := newMemClient(memBucket)
	mc.gate = make(chan struct{})
	var appends atomic.Int64
	mc.setFault(func(op string) memFault {
		if op == "AppendObject" && appends.Add(1) > 1 {
			return memUnavailable // OSS fails after the first append, before applying
		}
		return memOK
	})
	c := &lenClient{memClient: mc}
	opts := []ossappend.Option{ossappend.WithSpool(dir), ossappend.WithFlushSize(size), ossappend.WithFlushInterval(0)}
	w := newMemWriter(t, c, "dmg.log", opts...)
	frameA, frameB, frameC := bytes.Repeat([]byte("a"), size), bytes.Repeat([]byte("b"), size), bytes.Repeat([]byte("c"), size)
	w.Write(frameA) // its append waits at the gate
	waitFor(t, "the append of A to wait at the gate", func() bool { return blockedIn("(*memClient).AppendObject") })
	w.Write(frameB) // B and C queue up behind it: one append carries both
	w.Write(frameC)
	waitFor(t, "the loader to load B and C", func() bool {
		return blockedIn("ossappend.(*spooler).loader") && !blockedIn("ossappend.(*framePool).get")
	})
	close(mc.gate)
	waitFor(t, "the append of B and C to be sent (and fail)", func() bool { return c.sent(2 * size) })
	w.Shutdown(expiredContext()) // B and C stay in the spool, their append recorded
	if got, _ := mc.object("dmg.log"); !bytes.Equal(got, frameA) {
		t.Fatalf("before recovery the object holds %d bytes, want frame A alone", len(got))
	}

	files, _ := filepath.Glob(filepath.Join(dir, "frames", "*.frame"))
	slices.Sort(files)
	if len(files) != 2 {
		t.Fatalf("spool holds %d frames, want B and C", len(files))
	}
	data, err := os.ReadFile(files[0]) // B: its header damaged, the file set aside whole
	if err != nil {
		t.Fatal(err)
	}
	copy(data, "damaged!")
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}

	mc.setFault(nil)
	again := newMemWriter(t, c, "dmg.log", opts...)
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	st := again.Stats()
	if got, _ := mc.object("dmg.log"); !bytes.Equal(got, append(frameA, frameC...)) {
		t.Fatalf("after recovery the object holds %q...: want frame A then frame C (B was damaged); stats %+v",
			got[:min(len(got), 4)], st)
	}
}
