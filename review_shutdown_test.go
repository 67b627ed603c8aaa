package ossappend_test

// Review: Shutdown bounded by its context, whatever the compressors do.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
)

// slowCodec copies frames as they are, but each Encode waits until the
// test lets it go: a compressor busy with a large frame at a slow level.
type slowCodec struct{ gate chan struct{} }

func (slowCodec) Name() string            { return "slow" }
func (slowCodec) Extension() string       { return "" }
func (slowCodec) MediaType() string       { return "" }
func (slowCodec) MaxEncodedLen(n int) int { return n }
func (c slowCodec) Encode(dst, src []byte) ([]byte, error) {
	<-c.gate
	return append(dst, src...), nil
}

// TestReviewShutdownDoesNotWaitForCompressors: Shutdown with an expired
// context "stores nothing more" and returns the count of bytes not stored.
// It returns only once every queued frame has been encoded, though: the
// append loop, which Shutdown waits for, waits for each frame's encoding
// (appender.await) without looking at the writer's context. With slow
// compression (large frames, a high level, a busy machine) Shutdown's
// deadline is exceeded by all the compression still queued; here, where
// the compressor does not finish on its own, Shutdown never returns.
func TestReviewShutdownDoesNotWaitForCompressors(t *testing.T) {
	codec := slowCodec{gate: make(chan struct{})}
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "slow.log", ossappend.WithCodec(codec), ossappend.WithFlushInterval(0))
	if _, err := w.WriteString("a line that never gets compressed\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.FlushContext(expiredContext()); !errors.Is(err, context.Canceled) {
		t.Fatalf("FlushContext = %v", err) // queued, now at the compressor
	}

	done := make(chan error, 1)
	go func() { done <- w.Shutdown(expiredContext()) }()
	defer close(codec.gate) // lets the compressor, and then Shutdown, finish
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown = %v, want the bytes not stored counted", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Shutdown with an expired context still waits, 30 s later, for a frame to be compressed")
	}
}

func expiredContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
