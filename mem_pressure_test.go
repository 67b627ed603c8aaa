package ossappend_test

// Unit tests of the writer under backpressure against memClient, an
// in-memory OSS: blocking, dropping, and shutting down with bytes pending.

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
)

func TestMemBackpressureBlocksAndBoundsMemory(t *testing.T) {
	c := newMemClient(memBucket)
	c.gate = make(chan struct{}) // appends wait here
	const size, inflight = 1024, 2
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(size), ossappend.WithMaxInflight(inflight), ossappend.WithFlushInterval(0))
	const total = 20 * size
	done := make(chan error)
	go func() {
		var err error
		for i := 0; i < total/64 && err == nil; i++ {
			_, err = w.Write(bytes.Repeat([]byte{byte('a' + i%26)}, 64))
		}
		done <- err
	}()
	// The writer holds at most MaxInflight+1 frames: the rest must wait.
	waitFor(t, "the buffers to fill", func() bool { return w.Stats().BytesWritten == (inflight+1)*size })
	select {
	case err := <-done:
		t.Fatalf("all writes returned (%v) while OSS accepted nothing", err)
	case <-time.After(50 * time.Millisecond):
	}
	if p := w.Stats().Pending; p > (inflight+1)*size {
		t.Fatalf("%d bytes pending, bound is %d", p, (inflight+1)*size)
	}
	close(c.gate) // OSS is back
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.object("a.log"); len(got) != total {
		t.Fatalf("object has %d bytes, want %d", len(got), total)
	}
}

func TestMemNonBlockingDrops(t *testing.T) {
	c := newMemClient(memBucket)
	c.gate = make(chan struct{})
	var reports atomic.Int64
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(100), ossappend.WithMaxInflight(1),
		ossappend.WithNonBlocking(), ossappend.WithFlushInterval(0),
		ossappend.WithErrorHandler(func(err error) {
			if errors.Is(err, ossappend.ErrDropped) {
				reports.Add(1)
			}
		}))
	accepted, dropped := 0, 0
	start := time.Now()
	for range 50 {
		n, err := w.Write(bytes.Repeat([]byte("z"), 60))
		accepted += n
		if err != nil {
			if !errors.Is(err, ossappend.ErrDropped) || n != 0 {
				t.Fatalf("Write = %d, %v; want 0, ErrDropped", n, err)
			}
			dropped += 60
		}
	}
	st := w.Stats()
	if dropped == 0 || st.DroppedBytes != int64(dropped) || st.BytesWritten != int64(accepted) {
		t.Fatalf("dropped %d, accepted %d; stats %+v", dropped, accepted, st)
	}
	close(c.gate)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.object("a.log"); len(got) != accepted {
		t.Fatalf("object has %d bytes, want the %d accepted", len(got), accepted)
	}
	// At most one report a second: one, unless this machine is slow.
	if n, most := reports.Load(), 1+int64(time.Since(start)/time.Second); n < 1 || n > most {
		t.Fatalf("%d drop reports in %v, want 1 to %d", n, time.Since(start), most)
	}
}

func TestMemShutdownDeadline(t *testing.T) {
	c := newMemClient(memBucket)
	c.gate = make(chan struct{}) // OSS never answers
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(100))
	w.Write(bytes.Repeat([]byte("y"), 250))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := w.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "250 bytes not stored") {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded naming 250 bytes", err)
	}
	if p := w.Stats().Pending; p != 250 {
		t.Fatalf("Pending = %d, want 250", p)
	}
	if err2 := w.Close(); err2 != err {
		t.Fatalf("Close after Shutdown = %v, want the same %v", err2, err)
	}
	checkNoLeaks(t)

	// An expired context stores nothing more, but loses nothing that was
	// already stored.
	c2 := newMemClient(memBucket)
	w2 := newMemWriter(t, c2, "b.log")
	w2.WriteString("kept\n")
	w2.Flush()
	expired, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := w2.Shutdown(expired); err != nil {
		t.Fatalf("Shutdown(expired) with nothing pending = %v", err)
	}
	if got, _ := c2.object("b.log"); string(got) != "kept\n" {
		t.Fatalf("object = %q", got)
	}
}
