package ossappend_test

// Shutdown is bounded by its context, whatever the compressors do.

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

// TestShutdownDoesNotWaitForCompressors: Shutdown with an expired context
// returns at once, even while a frame is being compressed (here, by a
// compressor that does not finish until the test ends): the frame is left
// to its compressor, which gives its buffers back when it is done.
func TestShutdownDoesNotWaitForCompressors(t *testing.T) {
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
