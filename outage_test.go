package ossappend_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/osstest"
)

var outage = osstest.Fault{Kind: osstest.FaultError503} // every request, until cleared

func TestOutageBlocksWritesAndRecovers(t *testing.T) {
	srv := newServer(t)
	const size, inflight = 4 << 10, 2
	w := newWriter(t, srv.Client(), "outage.log", ossappend.WithFlushSize(size),
		ossappend.WithMaxInflight(inflight), ossappend.WithFlushInterval(time.Millisecond))
	srv.SetFaults(1, outage)

	var want bytes.Buffer
	for i := 0; want.Len() < 40*size; i++ {
		want.WriteString(numberedLine(0, i))
	}
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(want.Bytes())
		done <- err
	}()
	bound := int64((inflight + 1) * size)
	waitFor(t, "the writer to fill its frames and retry", func() bool {
		st := w.Stats()
		return st.BytesWritten == bound && st.Retries > 3
	})
	select {
	case err := <-done:
		t.Fatalf("Write returned (%v) while OSS was down and its buffers full", err)
	case <-time.After(50 * time.Millisecond):
	}
	st := w.Stats()
	if st.BytesWritten > bound || st.BytesStored != 0 {
		t.Fatalf("stats %+v: memory bound %d exceeded or bytes stored during the outage", st, bound)
	}
	var se *oss.ServiceError
	if st.FailingSince.IsZero() || !errors.As(st.LastFailure, &se) || se.StatusCode != 503 {
		t.Fatalf("during the outage FailingSince = %v, LastFailure = %v; want a time and the 503", st.FailingSince, st.LastFailure)
	}

	srv.SetFaults(1) // OSS is back
	if err := <-done; err != nil {
		t.Fatalf("Write after the outage: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, srv.Client(), "outage.log"); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("object has %d bytes, want %d equal to the input", len(got), want.Len())
	}
	if st := w.Stats(); !st.FailingSince.IsZero() || st.LastFailure != nil {
		t.Fatalf("after the outage FailingSince = %v, LastFailure = %v; want neither", st.FailingSince, st.LastFailure)
	}
}

func TestShutdownDeadlineDuringOutage(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "outage.log", ossappend.WithFlushSize(1000))
	srv.SetFaults(1, outage)
	w.Write(bytes.Repeat([]byte("line of text\n"), 300)) // 3900 bytes: fits in the 5 frames
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := w.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
	if st := w.Stats(); st.Pending != 3900 || st.BytesStored != 0 {
		t.Fatalf("stats %+v, want all 3900 bytes pending", st)
	}
	checkNoLeaks(t)
	if _, ok := srv.Object(bucket, "outage.log"); ok {
		t.Fatal("an object was created while OSS refused every request")
	}
}

func TestNonBlockingDuringOutage(t *testing.T) {
	srv := newServer(t)
	var drops atomic.Int64
	w := newWriter(t, srv.Client(), "nb.log", ossappend.WithFlushSize(1000), ossappend.WithMaxInflight(1),
		ossappend.WithNonBlocking(), ossappend.WithFlushInterval(time.Millisecond),
		ossappend.WithErrorHandler(func(err error) {
			if errors.Is(err, ossappend.ErrDropped) {
				drops.Add(1)
			}
		}))
	srv.SetFaults(1, outage)
	line := bytes.Repeat([]byte("n"), 99)
	line = append(line, '\n')
	var accepted bytes.Buffer
	start := time.Now()
	for range 100 { // 10 000 bytes into 2 frames of 1000
		n, err := w.Write(line)
		switch {
		case err == nil:
			accepted.Write(line)
		case !errors.Is(err, ossappend.ErrDropped) || n != 0:
			t.Fatalf("Write = %d, %v; want 0, ErrDropped", n, err)
		}
	}
	st := w.Stats()
	if st.DroppedBytes == 0 || st.DroppedBytes+st.BytesWritten != 10000 || st.BytesWritten != int64(accepted.Len()) {
		t.Fatalf("stats %+v, accepted %d", st, accepted.Len())
	}
	srv.SetFaults(1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, srv.Client(), "nb.log"); !bytes.Equal(got, accepted.Bytes()) {
		t.Fatalf("object has %d bytes, want the %d accepted", len(got), accepted.Len())
	}
	// At most one report a second: one, unless this machine is slow.
	if n, most := drops.Load(), 1+int64(time.Since(start)/time.Second); n < 1 || n > most {
		t.Fatalf("the error handler heard of drops %d times in %v, want 1 to %d", n, time.Since(start), most)
	}
}

// TestFlushContextDuringOutage: FlushContext gives up waiting when its
// context ends, and the bytes it queued are stored once OSS is back.
func TestFlushContextDuringOutage(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "flushctx.log", ossappend.WithFlushInterval(0))
	srv.SetFaults(1, outage)
	w.WriteString("queued by FlushContext\n")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := w.FlushContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("FlushContext during the outage = %v, want context.DeadlineExceeded", err)
	}
	waitFor(t, "the queued frame's appends to fail", func() bool { return w.Stats().Retries > 0 })
	srv.SetFaults(1)
	waitFor(t, "the frame to be stored without another Flush", func() bool { return w.Stats().BytesStored == 23 })
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, srv.Client(), "flushctx.log"); string(got) != "queued by FlushContext\n" {
		t.Fatalf("object = %q", got)
	}
}

// TestShutdownEndsABlockedClose: a Shutdown whose context ends while a
// Close waits out an outage ends the writer for both: the retries stop,
// and both return the error that counts the bytes not stored.
func TestShutdownEndsABlockedClose(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "blocked.log", ossappend.WithFlushSize(1000))
	srv.SetFaults(1, outage)
	w.Write(bytes.Repeat([]byte("line of text\n"), 100)) // 1300 bytes
	closed := make(chan error, 1)
	go func() { closed <- w.Close() }()
	waitFor(t, "Close to be waiting on the outage", func() bool { return w.Stats().Retries > 2 })

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := w.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1300 bytes not stored") {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded and the 1300 bytes not stored", err)
	}
	select {
	case cerr := <-closed:
		if !errors.Is(cerr, context.DeadlineExceeded) || !strings.Contains(cerr.Error(), "1300 bytes not stored") {
			t.Fatalf("the blocked Close returned %v, want the same error", cerr)
		}
	case <-time.After(time.Minute):
		t.Fatal("Close still blocked after Shutdown returned")
	}
	retries := w.Stats().Retries
	checkNoLeaks(t)
	if st := w.Stats(); st.Retries != retries || st.Pending != 1300 {
		t.Fatalf("after Shutdown: stats %+v; want no more retries and 1300 bytes pending", st)
	}
}
