package ossappend_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ossappend/ossappend"
)

// A short frame queued by a Write that does not fit leaves room in the
// spool as soon as it is queued, before the finisher has finished it: the
// next frame fits under the limit, and a non-blocking Write is not
// dropped while OSS holds the first append.
func TestSpoolRoomOfAShortFrameNotFinishedYet(t *testing.T) {
	const size = 64 << 10
	drops := 0
	const trials = 20
	for range trials {
		c := newMemClient(memBucket)
		c.gate = make(chan struct{}) // OSS holds the first append: nothing is removed
		w := newMemWriter(t, c, "room.log", ossappend.WithSpool(t.TempDir()), ossappend.WithFlushSize(size),
			ossappend.WithSpoolLimit(size+size/2), ossappend.WithFlushInterval(0), ossappend.WithNonBlocking())
		if _, err := w.Write([]byte("short\n")); err != nil {
			t.Fatal(err)
		}
		// Does not fit beside "short\n": queues it (6 bytes on disk) and
		// starts a frame of size bytes: 6+size <= the limit.
		if _, err := w.Write(bytes.Repeat([]byte("x"), size-1)); errors.Is(err, ossappend.ErrDropped) {
			drops++
		} else if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		w.Shutdown(ctx)
	}
	if drops > 0 {
		t.Fatalf("%d of %d Writes dropped with room in the spool (the frame queued before was not finished yet)", drops, trials)
	}
}

// A blocking Write does not wait for OSS when the frame queued before it
// is short: the room that frame does not use is free at once.
func TestSpoolBlockingWriteSeesRoomOfAShortFrame(t *testing.T) {
	const size = 64 << 10
	c := newMemClient(memBucket)
	c.gate = make(chan struct{}) // OSS holds the first append: nothing is removed
	w := newMemWriter(t, c, "room.log", ossappend.WithSpool(t.TempDir()), ossappend.WithFlushSize(size),
		ossappend.WithSpoolLimit(size+size/2), ossappend.WithFlushInterval(0))
	defer func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		w.Shutdown(ctx)
	}()
	if _, err := w.Write([]byte("short\n")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(bytes.Repeat([]byte("x"), size-1))
		done <- err
	}()
	// "short\n" takes 6 bytes of the spool, so the limit leaves room.
	waitFor(t, "the Write to return while OSS holds the first append", func() bool {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return true
		default:
			return false
		}
	})
}
