package ossappend_test

// Review: defects of the spool's waits, each shown by a test that fails.

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

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

// TestReviewSpoolWriteWaitingForRoomSeesFailure: a Write waiting for room
// in a full spool must return the writer's error once the writer fails for
// good ("once the writer has failed for good, [Write returns] the error
// that stopped it"), as it does without a spool, where the failed frames
// come back to the pool. With a spool nothing ever makes room after a
// failure (the frames stay on disk for the next writer), and nothing wakes
// the Write: it waits until Close.
func TestReviewSpoolWriteWaitingForRoomSeesFailure(t *testing.T) {
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
