package ossappend_test

// Unit tests of the writer's filling side against memClient, an in-memory
// OSS: frames, flushes, ReadFrom, object options. The same behaviour is
// checked end to end through the real SDK and osstest in writer_test.go.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
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
// Appends are capped at one frame here, so that each body is a frame.
func TestMemWriteStaysInOneFrame(t *testing.T) {
	c := newMemClient(memBucket)
	const size = 100
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(size), ossappend.WithMaxAppendSize(size))
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

// TestMemFramesQueuedBehindAnAppendGoTogether: while one append is under
// way, the frames queued behind it go out in the next append, all of them
// up to MaxAppendSize, each still whole.
func TestMemFramesQueuedBehindAnAppendGoTogether(t *testing.T) {
	c := newMemClient(memBucket)
	c.gate = make(chan struct{})
	const size = 100
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(size), ossappend.WithMaxInflight(10),
		ossappend.WithMaxAppendSize(4*size), ossappend.WithFlushInterval(0))
	line := strings.Repeat("x", size-1) + "\n" // a frame each
	w.WriteString(line)
	waitFor(t, "the first frame's append to wait at the gate", func() bool { return w.Stats().Appends == 1 })
	for range 9 {
		w.WriteString(line)
	}
	for range 4 {
		c.gate <- struct{}{}
	}
	close(c.gate)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, b := range c.bodies {
		sizes = append(sizes, len(b))
	}
	if want := []int{size, 4 * size, 4 * size, size}; !slices.Equal(sizes, want) {
		t.Fatalf("append bodies of %v bytes, want %v", sizes, want)
	}
	if st := w.Stats(); st.Appends != 4 || st.Frames != 10 || st.FramesStored != 10 {
		t.Fatalf("stats %+v, want 10 frames in 4 appends", st)
	}
}
