package ossappend_test

// Unit tests of the writer's logic against memClient, an in-memory OSS.
// The same behaviour is checked end to end through the real SDK and
// osstest in writer_test.go.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

const memBucket = "mem-bucket"

func newMemWriter(t *testing.T, c ossappend.Client, key string, opts ...ossappend.Option) *ossappend.Writer {
	t.Helper()
	w, err := ossappend.NewWriter(context.Background(), c, memBucket, key, append([]ossappend.Option{fastRetry}, opts...)...)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	return w
}

func TestMemWriteCloseStoresEverything(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(1000))
	var want bytes.Buffer
	for i := range 500 {
		line := numberedLine(0, i)
		want.WriteString(line)
		if n, err := w.WriteString(line); err != nil || n != len(line) {
			t.Fatalf("WriteString = %d, %v", n, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := c.object("a.log")
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("object has %d bytes, want %d equal to the input", len(got), want.Len())
	}
	st := w.Stats()
	if st.BytesWritten != int64(want.Len()) || st.BytesStored != st.BytesWritten || st.Pending != 0 ||
		st.FramesStored != st.Frames || st.Appends != int64(c.appends) || st.BytesAppended != int64(len(got)) {
		t.Fatalf("stats %+v do not add up (object %d bytes, %d appends)", st, len(got), c.appends)
	}
	if st.Frames < 10 {
		t.Fatalf("%d frames for %d bytes with FlushSize 1000: size flushing did not happen", st.Frames, want.Len())
	}
	checkNoLeaks(t)
}

// TestMemWriteStaysInOneFrame checks that each Write of at most FlushSize
// bytes lands in a single append, and that larger ones are split in order.
func TestMemWriteStaysInOneFrame(t *testing.T) {
	c := newMemClient(memBucket)
	const size = 100
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(size))
	var want bytes.Buffer
	var lines []string
	for i := range 300 {
		line := strings.Repeat(string(rune('a'+i%26)), 1+(i*37)%size) // 1..100 bytes
		lines = append(lines, line)
		want.WriteString(line)
		w.WriteString(line)
	}
	big := bytes.Repeat([]byte("0123456789"), 95) // 950 bytes: split
	want.Write(big)
	if n, err := w.Write(big); n != len(big) || err != nil {
		t.Fatalf("Write(950 bytes) = %d, %v", n, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := c.object("a.log")
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("object differs from the input")
	}
	// Walk the append bodies and the writes together.
	off := 0
	bounds := map[int]bool{0: true}
	for _, b := range c.bodies {
		if len(b) > size {
			t.Fatalf("append of %d bytes, FlushSize is %d", len(b), size)
		}
		off += len(b)
		bounds[off] = true
	}
	pos := 0
	for i, l := range lines {
		for cut := pos + 1; cut < pos+len(l); cut++ {
			if bounds[cut] {
				t.Fatalf("write %d (%d bytes) split between appends", i, len(l))
			}
		}
		pos += len(l)
	}
}

func TestMemConcurrentWritersKeepOrder(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(4096), ossappend.WithMaxInflight(2))
	const gs, n = 16, 2000
	var wg sync.WaitGroup
	for g := range gs {
		wg.Go(func() {
			for i := range n {
				if _, err := w.WriteString(numberedLine(g, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := c.object("a.log")
	checkLines(t, got, gs, n)
}

func TestMemTimeFlush(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushInterval(20*time.Millisecond))
	defer w.Close()
	w.WriteString("first line\n")
	waitFor(t, "the timer to append the line", func() bool {
		got, _ := c.object("a.log")
		return string(got) == "first line\n"
	})
	w.WriteString("second line\n")
	// The object holds the line a moment before the writer counts it.
	waitFor(t, "the timer to append the second line", func() bool {
		got, _ := c.object("a.log")
		return string(got) == "first line\nsecond line\n" && w.Stats().FramesStored == 2
	})
	if st := w.Stats(); st.Frames != 2 || st.Pending != 0 {
		t.Fatalf("stats %+v, want 2 frames and nothing pending", st)
	}
}

// waitFor polls cond until it holds. Its bound is only reached when
// something is broken, so a slow machine does not make it fail.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestMemFlushStoresWhatWasWritten(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushInterval(0))
	defer w.Close()
	for i := range 10 {
		w.WriteString(numberedLine(0, i))
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		got, _ := c.object("a.log")
		checkLines(t, got, 1, i+1)
	}
	if err := w.Flush(); err != nil { // nothing to do
		t.Fatal(err)
	}
	if st := w.Stats(); st.Frames != 10 {
		t.Fatalf("%d frames, want one per Flush", st.Frames)
	}
}

func TestMemFaultsAreReconciled(t *testing.T) {
	for _, tc := range []struct {
		name          string
		fault         memFault
		wantRecovered bool
	}{
		{"lost response", memLost, true},
		{"503 before applying", memUnavailable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newMemClient(memBucket)
			var calls atomic.Int64
			c.fault = func(op string) memFault {
				if op == "AppendObject" && calls.Add(1)%3 == 0 {
					return tc.fault
				}
				return memOK
			}
			w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(512))
			for i := range 1000 {
				w.WriteString(numberedLine(0, i))
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, _ := c.object("a.log")
			checkLines(t, got, 1, 1000)
			st := w.Stats()
			if st.Retries == 0 || st.Reconciled == 0 {
				t.Fatalf("stats %+v: faults were injected but no retry or reconciliation counted", st)
			}
			if got := st.Recovered > 0; got != tc.wantRecovered {
				t.Fatalf("Recovered = %d, want > 0: %v", st.Recovered, tc.wantRecovered)
			}
		})
	}
}

func TestMemConflictMovesToFreshKey(t *testing.T) {
	c := newMemClient(memBucket)
	var reports []error
	var mu sync.Mutex
	w := newMemWriter(t, c, "app.log", ossappend.WithFlushInterval(0),
		ossappend.WithErrorHandler(func(err error) { mu.Lock(); reports = append(reports, err); mu.Unlock() }))
	w.WriteString("ours 1\n")
	w.Flush()
	c.put("app.log", []byte("theirs\n"), true) // another writer appends
	c.put("app.1.log", []byte("taken\n"), false)
	w.WriteString("ours 2\n")
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush after a conflict: %v", err)
	}
	w.WriteString("ours 3\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := c.object("app.log")
	moved, _ := c.object("app.2.log")
	if string(old) != "ours 1\ntheirs\n" || string(moved) != "ours 2\nours 3\n" {
		t.Fatalf("app.log = %q, app.2.log = %q", old, moved)
	}
	if w.Key() != "app.2.log" {
		t.Fatalf("Key() = %q, want app.2.log", w.Key())
	}
	st := w.Stats()
	if st.Conflicts != 1 || st.Rotations != 1 || st.Pending != 0 {
		t.Fatalf("stats %+v, want one conflict, one rotation, nothing pending", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 1 || !errors.Is(reports[0], ossappend.ErrConflict) {
		t.Fatalf("error handler got %v, want one ErrConflict", reports)
	}
}

func TestMemFailOnConflictIsSticky(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "app.log", ossappend.WithFailOnConflict())
	w.WriteString("ours\n")
	w.Flush()
	c.put("app.log", []byte("replaced by PutObject\n"), false)
	w.WriteString("more\n")
	if err := w.Flush(); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Flush = %v, want ErrConflict", err)
	}
	if _, err := w.WriteString("x"); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Write after the conflict = %v, want the sticky ErrConflict", err)
	}
	if err := w.Close(); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Close = %v, want ErrConflict", err)
	}
	if st := w.Stats(); st.Pending != int64(len("more\n")) {
		t.Fatalf("Pending = %d, want the 5 bytes that were not stored", st.Pending)
	}
	checkNoLeaks(t)
}

func TestMemPermanentErrorIsStickyAndReportedOnce(t *testing.T) {
	c := newMemClient(memBucket)
	var reports atomic.Int64
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(10),
		ossappend.WithErrorHandler(func(err error) { reports.Add(1) }))
	c.setFault(func(op string) memFault { return memForbidden })
	w.WriteString("0123456789")
	w.WriteString("0123456789")
	err := w.Flush()
	if !errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("Flush = %v, want ErrAccessDenied", err)
	}
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.Code != "InvalidAccessKeyId" {
		t.Fatalf("Flush error %v does not carry the service error", err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("Write = %v, want the sticky error", err)
	}
	if err := w.Close(); !errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("Close = %v, want the sticky error", err)
	}
	if n := reports.Load(); n != 1 {
		t.Fatalf("error handler called %d times, want once", n)
	}
	if st := w.Stats(); st.Pending != 20 || st.BytesStored != 0 {
		t.Fatalf("stats %+v, want 20 bytes pending", st)
	}
}

func TestMemRetriesExhausted(t *testing.T) {
	c := newMemClient(memBucket)
	c.fault = func(op string) memFault { return memUnavailable }
	w, err := ossappend.NewWriter(context.Background(), c, memBucket, "a.log",
		ossappend.WithRetry(ossappend.Retry{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	if err == nil {
		t.Fatalf("NewWriter succeeded while HeadObject fails")
	}
	c.setFault(nil)
	w = newMemWriter(t, c, "a.log", ossappend.WithRetry(ossappend.Retry{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	c.setFault(func(op string) memFault { return memUnavailable })
	w.WriteString("x\n")
	if err := w.Close(); !errors.Is(err, ossappend.ErrRetriesExhausted) {
		t.Fatalf("Close = %v, want ErrRetriesExhausted", err)
	}
}

func TestMemRotationBySize(t *testing.T) {
	for _, codec := range []compress.Codec{compress.None(), compress.Zstd(1)} {
		t.Run(codec.Name(), func(t *testing.T) {
			c := newMemClient(memBucket)
			w := newMemWriter(t, c, "logs/app.log"+codec.Extension(), ossappend.WithCodec(codec),
				ossappend.WithFlushSize(1000), ossappend.WithMaxObjectSize(2500), ossappend.WithSealOnClose())
			var want bytes.Buffer
			for i := range 1500 {
				want.WriteString(numberedLine(0, i))
				w.WriteString(numberedLine(0, i))
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			var all bytes.Buffer
			for seq := 0; ; seq++ {
				key := "logs/app.log" + codec.Extension()
				if seq > 0 {
					key = ossappend.RotateKey(key, seq)
				}
				obj, ok := c.object(key)
				if !ok {
					if seq < 3 {
						t.Fatalf("only %d objects", seq)
					}
					if w.Key() != ossappend.RotateKey("logs/app.log"+codec.Extension(), seq-1) {
						t.Fatalf("Key() = %q after %d objects", w.Key(), seq)
					}
					break
				}
				if len(obj) > 2500 {
					t.Fatalf("%s has %d bytes, over the 2500 limit", key, len(obj))
				}
				if !c.objects[key].sealed {
					t.Fatalf("%s was not sealed", key)
				}
				r, err := compress.NewReader(bytes.NewReader(obj)) // each decodes alone
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.Copy(&all, r); err != nil {
					t.Fatalf("%s: %v", key, err)
				}
			}
			if !bytes.Equal(all.Bytes(), want.Bytes()) {
				t.Fatal("the objects together differ from the input")
			}
			if st := w.Stats(); st.Rotations < 2 {
				t.Fatalf("Rotations = %d", st.Rotations)
			}
		})
	}
}

func TestMemResumeAndRefuse(t *testing.T) {
	c := newMemClient(memBucket)
	c.put("resume.log", []byte("before\n"), true)
	w := newMemWriter(t, c, "resume.log")
	w.WriteString("after\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.object("resume.log"); string(got) != "before\nafter\n" {
		t.Fatalf("resumed object = %q", got)
	}
	if len(c.created) != 0 {
		t.Fatal("resuming created the object anew")
	}

	c.put("normal.log", []byte("put\n"), false)
	if _, err := ossappend.NewWriter(context.Background(), c, memBucket, "normal.log"); !errors.Is(err, ossappend.ErrNotAppendable) {
		t.Fatalf("NewWriter on a Normal object = %v, want ErrNotAppendable", err)
	}
	c.put("sealed.log", []byte("x"), true)
	c.objects["sealed.log"].sealed = true
	if _, err := ossappend.NewWriter(context.Background(), c, memBucket, "sealed.log"); !errors.Is(err, ossappend.ErrNotAppendable) {
		t.Fatalf("NewWriter on a sealed object = %v, want ErrNotAppendable", err)
	}
	if _, err := ossappend.NewWriter(context.Background(), c, "other-bucket", "a.log"); !errors.Is(err, ossappend.ErrNoSuchBucket) {
		t.Fatalf("NewWriter on a missing bucket = %v, want ErrNoSuchBucket", err)
	}
}

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

func TestMemClosedWriter(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log")
	if n, err := w.Write(nil); n != 0 || err != nil {
		t.Fatalf("Write(nil) = %d, %v; want 0, nil", n, err)
	}
	w.WriteString("x")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close = %v, want the first's nil", err)
	}
	if _, err := w.Write([]byte("y")); !errors.Is(err, ossappend.ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
	if _, err := w.Write(nil); !errors.Is(err, ossappend.ErrClosed) {
		t.Fatalf("Write(nil) after Close = %v", err)
	}
	if err := w.Flush(); !errors.Is(err, ossappend.ErrClosed) {
		t.Fatalf("Flush after Close = %v", err)
	}
	if _, err := w.ReadFrom(strings.NewReader("z")); !errors.Is(err, ossappend.ErrClosed) {
		t.Fatalf("ReadFrom after Close = %v", err)
	}
	if got, _ := c.object("a.log"); string(got) != "x" {
		t.Fatalf("object = %q", got)
	}
	checkNoLeaks(t)
}

// chunkReader returns its data in small reads and hides WriterTo, so
// io.Copy goes through the writer's ReadFrom.
type chunkReader struct {
	data  []byte
	chunk int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestMemReadFrom(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(4096))
	src := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	w.WriteString("header\n")
	n, err := io.Copy(w, &chunkReader{data: src, chunk: 3000})
	if err != nil || n != int64(len(src)) {
		t.Fatalf("io.Copy = %d, %v", n, err)
	}
	w.WriteString("footer\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte("header\n"), src...), "footer\n"...)
	if got, _ := c.object("a.log"); !bytes.Equal(got, want) {
		t.Fatalf("object has %d bytes, want %d equal to header+data+footer", len(got), len(want))
	}
	if st := w.Stats(); st.BytesWritten != int64(len(want)) || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// stallReader hands out its first chunk, then blocks until released, like
// a pipe from an idle program.
type stallReader struct {
	first   []byte
	release chan struct{}
	rest    []byte
	state   int
}

func (r *stallReader) Read(p []byte) (int, error) {
	switch r.state {
	case 0:
		r.state++
		return copy(p, r.first), nil
	case 1:
		<-r.release
		r.state++
		return copy(p, r.rest), nil
	}
	return 0, io.EOF
}

// TestMemReadFromHonoursInterval checks that bytes ReadFrom accepted are
// appended within the flush interval even while the reader blocks.
func TestMemReadFromHonoursInterval(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushInterval(10*time.Millisecond))
	r := &stallReader{first: []byte("early line\n"), release: make(chan struct{}), rest: []byte("late line\n")}
	done := make(chan error)
	go func() {
		_, err := io.Copy(w, r)
		done <- err
	}()
	waitFor(t, "the early line while the reader blocks", func() bool {
		got, _ := c.object("a.log")
		return string(got) == "early line\n"
	})
	close(r.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.object("a.log"); string(got) != "early line\nlate line\n" {
		t.Fatalf("object = %q", got)
	}
}

func TestMemObjectOptionsAndProgress(t *testing.T) {
	c := newMemClient(memBucket)
	var last atomic.Int64
	w := newMemWriter(t, c, "a.log.gz", ossappend.WithCodec(compress.Gzip(6)),
		ossappend.WithObjectOptions(&oss.AppendObjectRequest{
			Metadata: map[string]string{"user": "jack"},
			Tagging:  oss.Ptr("key=value"),
			Acl:      oss.ObjectACLPrivate,
		}),
		ossappend.WithProgress(func(increment, transferred, total int64) { last.Store(transferred) }))
	w.WriteString(strings.Repeat("compressible line\n", 1000))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if len(c.created) != 1 {
		t.Fatalf("%d creating requests", len(c.created))
	}
	req := c.created[0]
	if req.Metadata["user"] != "jack" || oss.ToString(req.Tagging) != "key=value" || req.Acl != oss.ObjectACLPrivate ||
		oss.ToString(req.ContentType) != "application/gzip" {
		t.Fatalf("creating request lacks the object options: %+v", req)
	}
	obj, _ := c.object("a.log.gz")
	if last.Load() != int64(len(obj)) {
		t.Fatalf("progress reached %d, object has %d bytes", last.Load(), len(obj))
	}
	if st := w.Stats(); st.BytesAppended != int64(len(obj)) || st.BytesStored != 18000 {
		t.Fatalf("stats %+v", st)
	}
}

func TestMemWithoutServerCRC(t *testing.T) {
	c := newMemClient(memBucket)
	c.noCRC = true
	var calls atomic.Int64
	c.fault = func(op string) memFault {
		if op == "AppendObject" && calls.Add(1)%2 == 0 {
			return memLost
		}
		return memOK
	}
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(300))
	for i := range 200 {
		w.WriteString(numberedLine(0, i))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := c.object("a.log")
	checkLines(t, got, 1, 200)
}

func TestMemRotationGivesUp(t *testing.T) {
	t.Run("rotate function repeats a key", func(t *testing.T) {
		c := newMemClient(memBucket)
		w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(10), ossappend.WithMaxObjectSize(10),
			ossappend.WithRotateKey(func(string, int) string { return "same.log" }))
		w.Write(bytes.Repeat([]byte("x"), 30)) // three objects' worth
		err := w.Close()
		if !errors.Is(err, ossappend.ErrInvalidArgument) || !strings.Contains(err.Error(), "twice") {
			t.Fatalf("Close = %v, want ErrInvalidArgument naming the repeated key", err)
		}
		if a, _ := c.object("a.log"); len(a) != 10 {
			t.Fatalf("a.log has %d bytes", len(a))
		}
		if s, _ := c.object("same.log"); len(s) != 10 {
			t.Fatalf("same.log has %d bytes", len(s))
		}
		if st := w.Stats(); st.Pending != 10 {
			t.Fatalf("Pending = %d, want the 10 bytes that found no key", st.Pending)
		}
	})
	t.Run("every key taken", func(t *testing.T) {
		c := &everyKeyExists{memClient: newMemClient(memBucket)}
		w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(10), ossappend.WithMaxObjectSize(10))
		w.Write(bytes.Repeat([]byte("x"), 20))
		if err := w.Close(); err == nil || !strings.Contains(err.Error(), "all exist") {
			t.Fatalf("Close = %v, want the rotation to give up", err)
		}
		if n := c.heads.Load(); n < 10000 || n > 10002 {
			t.Fatalf("%d HeadObject calls, want the 10000 probes and no more", n)
		}
	})
}

// everyKeyExists answers HeadObject for any key but a.log with an
// appendable object.
type everyKeyExists struct {
	*memClient
	heads atomic.Int64
}

func (c *everyKeyExists) HeadObject(ctx context.Context, req *oss.HeadObjectRequest, o ...func(*oss.Options)) (*oss.HeadObjectResult, error) {
	c.heads.Add(1)
	if *req.Key == "a.log" {
		return c.memClient.HeadObject(ctx, req, o...)
	}
	return &oss.HeadObjectResult{ObjectType: oss.Ptr("Appendable"), NextAppendPosition: oss.Ptr("1")}, nil
}

// lostThenFollowed wraps memClient: append number at lands, another writer
// appends after it, and the response is lost.
type lostThenFollowed struct {
	*memClient
	n, at atomic.Int64
}

func (d *lostThenFollowed) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, o ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	res, err := d.memClient.AppendObject(ctx, req, o...)
	if d.n.Add(1) == d.at.Load() && err == nil {
		d.memClient.put(*req.Key, []byte("foreign\n"), true)
		return nil, errLost
	}
	return res, err
}

// TestMemLostResponseThenForeignAppend: a frame that landed just before
// another writer's bytes is not sent again.
func TestMemLostResponseThenForeignAppend(t *testing.T) {
	c := &lostThenFollowed{memClient: newMemClient(memBucket)}
	c.at.Store(2)
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushInterval(0))
	for _, l := range []string{"line 1\n", "line 2\n", "line 3\n"} {
		w.WriteString(l)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := c.object("a.log")
	fresh, _ := c.object("a.1.log")
	if string(old) != "line 1\nline 2\nforeign\n" || string(fresh) != "line 3\n" {
		t.Fatalf("a.log = %q, a.1.log = %q", old, fresh)
	}
	if st := w.Stats(); st.Recovered != 1 || st.Conflicts != 1 {
		t.Fatalf("stats %+v: want one recovered frame and one conflict", st)
	}
}

// TestMemSealConflictIsFinal: a seal that meets another writer's append
// fails at once with ErrConflict, not after the retry budget.
func TestMemSealConflictIsFinal(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithSealOnClose(), ossappend.WithFlushInterval(0),
		ossappend.WithRetry(ossappend.Retry{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxElapsed: time.Hour}))
	w.WriteString("ours\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	c.put("a.log", []byte("theirs\n"), true)
	if err := w.Close(); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Close = %v, want ErrConflict", err)
	}
	if st := w.Stats(); st.Retries != 0 {
		t.Fatalf("%d retries of a seal that cannot succeed", st.Retries)
	}
}
