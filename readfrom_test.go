package ossappend_test

// Tests of ReadFrom running beside Write, the timer and Flush: frames
// queued under a Read, frames reused, and the order of each goroutine's
// bytes.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
)

// blockReader signals each Read on called, then blocks until a chunk (nil
// or a closed feed for EOF) arrives on feed.
type blockReader struct {
	called chan struct{}
	feed   chan []byte
}

func newBlockReader() *blockReader {
	return &blockReader{called: make(chan struct{}, 16), feed: make(chan []byte)}
}

func (r *blockReader) Read(p []byte) (int, error) {
	r.called <- struct{}{}
	b, ok := <-r.feed
	if !ok || b == nil {
		return 0, io.EOF
	}
	return copy(p, b), nil
}

// lineReader hands out lines i..n-1 of goroutine g, one per Read, then
// errStop (not EOF, to tell the end of the lines from an early EOF).
type lineReader struct{ g, i, n int }

var errStop = errors.New("no more lines")

func (r *lineReader) Read(p []byte) (int, error) {
	if r.i == r.n {
		return 0, errStop
	}
	l := numberedLine(r.g, r.i)
	if len(p) < len(l) {
		return 0, nil
	}
	r.i++
	return copy(p, l), nil
}

// TestReadFromStress runs Writes, a looping ReadFrom and a very short flush
// interval against small frames, so that frames are queued under Reads,
// stored and reused all the time; every line must come out once, each
// goroutine's in order. OSSAPPEND_STRESS sets the duration (default 1 s).
func TestReadFromStress(t *testing.T) {
	d := time.Second
	if s := os.Getenv("OSSAPPEND_STRESS"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			t.Fatal(err)
		}
	}
	c := newMemClient(memBucket)
	c.noCRC = true // keep the client fast
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(512), ossappend.WithMaxInflight(4),
		ossappend.WithFlushInterval(50*time.Microsecond))
	const writers = 3
	var stop atomic.Bool
	counts := make([]int, writers+1)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				if _, err := w.WriteString(numberedLine(g, i)); err != nil {
					t.Error(err)
					return
				}
				counts[g] = i + 1
			}
		})
	}
	wg.Go(func() {
		for !stop.Load() {
			lr := &lineReader{g: writers, i: counts[writers], n: counts[writers] + 1000}
			_, err := w.ReadFrom(lr)
			counts[writers] = lr.i
			if err != errStop {
				t.Errorf("ReadFrom: %v", err)
				return
			}
		}
	})
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	obj, _ := c.object("a.log")
	checkLineCounts(t, obj, counts)
}

// checkLineCounts checks that data holds counts[g] lines of each goroutine
// g, each once and in order, and nothing else.
func checkLineCounts(t *testing.T, data []byte, counts []int) {
	t.Helper()
	next := make([]int, len(counts))
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		if end < 0 {
			t.Fatalf("partial line %q at the end", data)
		}
		l := string(data[:end+1])
		data = data[end+1:]
		var g, i int
		if _, err := fmt.Sscanf(l, "g=%d i=%d", &g, &i); err != nil || g < 0 || g >= len(counts) || i != next[g] || l != numberedLine(g, i) {
			t.Fatalf("line %q where goroutine lines %v were due", l, next)
		}
		next[g]++
	}
	for g := range counts {
		if next[g] != counts[g] {
			t.Fatalf("goroutine %d: %d lines stored, want %d", g, next[g], counts[g])
		}
	}
}

// TestReadFromKeepsOtherGoroutinesOrder: goroutine G writes "a"; H's
// ReadFrom starts and blocks; G writes "b" and flushes. G's lines must
// stay in order though H's call began with "a" in the current frame.
func TestReadFromKeepsOtherGoroutinesOrder(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushInterval(0), ossappend.WithFlushSize(1000))
	w.WriteString("a\n")
	r := newBlockReader()
	done := make(chan error, 1)
	go func() { _, err := w.ReadFrom(r); done <- err }()
	<-r.called
	w.WriteString("b\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	close(r.feed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.object("a.log"); string(got) != "a\nb\n" {
		t.Fatalf("object = %q, want %q", got, "a\nb\n")
	}
}

// TestReadFromsShareFewFrames: two ReadFroms on a writer of two frames
// whose Reads return after the timer queued and stored their frames must
// not wait for each other's frame.
func TestReadFromsShareFewFrames(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithMaxInflight(1), ossappend.WithFlushInterval(5*time.Millisecond))
	r1, r2 := newBlockReader(), newBlockReader()
	done := make(chan error, 2)
	go func() { _, err := w.ReadFrom(r1); done <- err }()
	go func() { _, err := w.ReadFrom(r2); done <- err }()
	<-r1.called
	<-r2.called
	r1.feed <- []byte("one\n")
	r2.feed <- []byte("two\n")
	<-r1.called
	<-r2.called
	waitFor(t, "both first chunks to be stored", func() bool { got, _ := c.object("a.log"); return len(got) == 8 })
	r1.feed <- []byte("three\n")
	r2.feed <- []byte("four\n")
	<-r1.called // both took their bytes and read again
	<-r2.called
	close(r1.feed)
	close(r2.feed)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := c.object("a.log")
	if len(got) != 19 || !bytes.Contains(got, []byte("three\n")) || !bytes.Contains(got, []byte("four\n")) {
		t.Fatalf("object = %q", got)
	}
}

// TestReadFromAndWriteShareFewFrames: a Write waiting for a frame must not
// stop a ReadFrom from finishing, nor the other way round.
func TestReadFromAndWriteShareFewFrames(t *testing.T) {
	c := newMemClient(memBucket)
	c.gate = make(chan struct{})
	w := newMemWriter(t, c, "a.log", ossappend.WithMaxInflight(1), ossappend.WithFlushInterval(time.Millisecond))
	r := newBlockReader()
	rdone := make(chan error, 1)
	go func() { _, err := w.ReadFrom(r); rdone <- err }()
	<-r.called
	r.feed <- []byte("r1\n") // into frame A
	<-r.called               // the next Read blocks; A is queued by the timer
	c.gate <- struct{}{}     // A is stored
	waitFor(t, "A to be stored", func() bool {
		got, _ := c.object("a.log")
		return string(got) == "r1\n" && w.Stats().FramesStored == 1
	})
	w.WriteString("w1\n") // frame B, queued by the timer; its append waits at the gate
	waitFor(t, "B to be queued", func() bool { return w.Stats().Frames == 2 })
	wdone := make(chan struct{})
	go func() { w.WriteString("w2\n"); close(wdone) }() // waits for a frame
	go func() { r.feed <- []byte("r2\n") }()            // ReadFrom needs one too
	open := make(chan struct{})
	defer close(open)
	go func() { // OSS answers from now on
		for {
			select {
			case c.gate <- struct{}{}:
			case <-open:
				return
			}
		}
	}()
	<-wdone
	<-r.called
	close(r.feed)
	if err := <-rdone; err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := c.object("a.log")
	if len(got) != 12 {
		t.Fatalf("object = %q, want the 4 lines", got)
	}
}

// TestReadFromBytesCountedWhenWriterFails: bytes ReadFrom accepted stay in
// Stats (written, not stored) when the writer fails while it reads.
func TestReadFromBytesCountedWhenWriterFails(t *testing.T) {
	c := newMemClient(memBucket)
	c.gate = make(chan struct{}) // no append gets through until the fault is set
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushInterval(0), ossappend.WithFlushSize(100))
	w.WriteString("accepted by Write\n") // 18 bytes
	r := newBlockReader()
	done := make(chan error, 1)
	var total int64
	go func() { n, err := w.ReadFrom(r); total = n; done <- err }()
	<-r.called
	r.feed <- []byte("accepted by ReadFrom\n") // 21 bytes
	<-r.called
	go w.Flush() // the frame's append waits at the gate
	c.setFault(func(string) memFault { return memForbidden })
	close(c.gate)
	waitFor(t, "the writer to fail", func() bool { _, err := w.Write(nil); return err != nil })
	r.feed <- []byte("more\n")
	if err := <-done; !errors.Is(err, ossappend.ErrAccessDenied) || total != 21 {
		t.Fatalf("ReadFrom = %d, %v; want 21, ErrAccessDenied", total, err)
	}
	w.Close()
	if st, want := w.Stats(), int64(18+21); st.Pending != want || st.BytesWritten != want || st.BytesStored != 0 {
		t.Fatalf("stats %+v, want %d bytes written and pending", st, want)
	}
}

// emptyReads returns its bytes, then no bytes and no error, forever.
type emptyReads struct{ data []byte }

func (r *emptyReads) Read(p []byte) (int, error) {
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestReadFromGivesUpOnEmptyReads: a reader that keeps returning (0, nil)
// ends ReadFrom with io.ErrNoProgress, as bufio does, and what it did
// return is kept.
func TestReadFromGivesUpOnEmptyReads(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log")
	done := make(chan struct{})
	var n int64
	var err error
	go func() {
		n, err = w.ReadFrom(&emptyReads{data: []byte("some bytes\n")})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("ReadFrom still reading a reader that returns nothing")
	}
	if n != 11 || !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("ReadFrom = %d, %v; want 11, io.ErrNoProgress", n, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.object("a.log"); string(got) != "some bytes\n" {
		t.Fatalf("object = %q", got)
	}
}

// onlyReader hides everything of a reader but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestReadFromAdoptsWholeFrames: a reader that fills what it is asked for
// is read a frame at a time, each Read's buffer becoming a frame after the
// bytes written before, and what is left goes into the current frame.
func TestReadFromAdoptsWholeFrames(t *testing.T) {
	c := newMemClient(memBucket)
	const size = 1000
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(size), ossappend.WithMaxAppendSize(size), ossappend.WithFlushInterval(0))
	w.WriteString("head\n")
	src := bytes.Repeat([]byte("0123456789"), 350) // 3500 bytes
	if n, err := io.Copy(w, onlyReader{bytes.NewReader(src)}); n != 3500 || err != nil {
		t.Fatalf("io.Copy = %d, %v", n, err)
	}
	w.WriteString("tail\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "head\n" + string(src) + "tail\n"
	if got, _ := c.object("a.log"); string(got) != want {
		t.Fatalf("object holds %d bytes, want %d in order", len(got), len(want))
	}
	var sizes []int
	for _, b := range c.bodies {
		sizes = append(sizes, len(b))
	}
	if want := []int{5, size, size, size, 505}; !slices.Equal(sizes, want) {
		t.Fatalf("frames of %v bytes, want %v", sizes, want)
	}
	if st := w.Stats(); st.BytesWritten != 3510 || st.Frames != 5 || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}
}
