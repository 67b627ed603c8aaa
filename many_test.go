package ossappend_test

// Tests of many writers in one process: they share the compressors, the
// buffer pools and, with WithBudget, a memory budget.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// TestManyWriters: thousands of writers through osstest, some of them
// meeting faults, each store every line once and in order.
func TestManyWriters(t *testing.T) {
	writers, lines := 500, 20 // OSSAPPEND_MANY_WRITERS for more
	if testing.Short() {
		writers = 200
	}
	if s := os.Getenv("OSSAPPEND_MANY_WRITERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("OSSAPPEND_MANY_WRITERS=%q: want a positive number", s)
		}
		writers = n
	}
	for _, codec := range []compress.Codec{compress.None(), compress.Zstd(1)} {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			// Every writer's objects are under its own key; the faults hit
			// the appends of a tenth of them.
			srv.SetFaults(3, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultDropResponse, Probability: 0.1},
				osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503, Probability: 0.1})
			client := srv.Client()
			ws := make([]*ossappend.Writer, writers)
			for i := range ws {
				ws[i] = newWriter(t, client, fmt.Sprintf("tenants/%04d.log%s", i, codec.Extension()),
					ossappend.WithCodec(codec), ossappend.WithFlushSize(1<<10), ossappend.WithFlushInterval(0))
			}
			var wg sync.WaitGroup
			for i, w := range ws {
				wg.Go(func() {
					for j := range lines {
						w.WriteString(numberedLine(i%100, j))
					}
					if err := w.Close(); err != nil {
						t.Errorf("writer %d: Close: %v", i, err)
					}
				})
			}
			wg.Wait()
			var faults int64
			for _, v := range srv.Counts().Faults {
				faults += v
			}
			if faults == 0 {
				t.Fatal("no fault fired")
			}
			for i := range ws {
				obj, _ := srv.Object(bucket, fmt.Sprintf("tenants/%04d.log%s", i, codec.Extension()))
				data := decode(t, codec, obj)
				want := strings.Builder{}
				for j := range lines {
					want.WriteString(numberedLine(i%100, j))
				}
				if string(data) != want.String() {
					t.Fatalf("writer %d: object differs from its lines (%d bytes, want %d)", i, len(data), want.Len())
				}
			}
			checkNoLeaks(t)
		})
	}
}

// TestFramesStayInOrderWhileCompressorsAreBusy: a writer's frames keep
// their order when the shared compressors are busy with other writers'.
func TestFramesStayInOrderWhileCompressorsAreBusy(t *testing.T) {
	srv := newServer(t)
	client := srv.Client()
	codec := compress.Gzip(compress.DefaultGzipLevel)
	stop := make(chan struct{})
	var busy sync.WaitGroup
	var others []*ossappend.Writer
	for i := range 4 { // more frames than compressors, all the time
		w := newWriter(t, client, fmt.Sprintf("busy-%d.log.gz", i), ossappend.WithCodec(codec),
			ossappend.WithFlushSize(64<<10), ossappend.WithFlushInterval(0))
		others = append(others, w)
		busy.Go(func() {
			defer w.Close()
			data := logData(int64(i), 1<<20)
			for {
				select {
				case <-stop:
					return
				default:
					w.Write(data)
				}
			}
		})
	}
	w := newWriter(t, client, "checked.log.gz", ossappend.WithCodec(codec),
		ossappend.WithFlushSize(4<<10), ossappend.WithFlushInterval(0), ossappend.WithMaxInflight(16))
	const gs, n = 4, 1000
	logSlogLines(w, gs, n)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	busy.Wait()
	obj, _ := srv.Object(bucket, "checked.log.gz")
	checkSlogLines(t, decode(t, codec, obj), gs, n)
	var theirs int64
	for _, o := range others {
		theirs += o.Stats().Frames
	}
	if st := w.Stats(); st.Frames < 50 || theirs < st.Frames {
		t.Fatalf("%d frames, the busy writers' %d: too few to tell an order beside them", st.Frames, theirs)
	}
}

// TestBudgetBlocks: writers sharing a budget that their frames overflow
// wait for it (Stats.BudgetWaits), never hold more than it, and store
// everything.
func TestBudgetBlocks(t *testing.T) {
	srv := newServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultLatency, Latency: 5 * time.Millisecond})
	client := srv.Client()
	const size, limit = 16 << 10, 64 << 10
	budget := ossappend.NewBudget(limit)
	const writers, lines = 16, 500
	ws := make([]*ossappend.Writer, writers)
	for i := range ws {
		ws[i] = newWriter(t, client, fmt.Sprintf("budget-%02d.log", i), ossappend.WithBudget(budget),
			ossappend.WithFlushSize(size), ossappend.WithFlushInterval(0))
	}
	var peak int64
	var mu sync.Mutex
	done := make(chan struct{})
	go func() { // watch the budget while the writers fill it
		for {
			mu.Lock()
			peak = max(peak, budget.Used())
			mu.Unlock()
			select {
			case <-done:
				return
			default:
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() {
			for j := range lines {
				w.WriteString(numberedLine(i, j))
			}
			if err := w.Close(); err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	close(done)
	var waits int64
	for i, w := range ws {
		obj, _ := srv.Object(bucket, fmt.Sprintf("budget-%02d.log", i))
		want := strings.Builder{}
		for j := range lines {
			want.WriteString(numberedLine(i, j))
		}
		if string(obj) != want.String() {
			t.Fatalf("writer %d: object differs from its lines", i)
		}
		waits += w.Stats().BudgetWaits
	}
	mu.Lock()
	defer mu.Unlock()
	if peak > limit || waits == 0 || budget.Used() != 0 {
		t.Fatalf("budget: peak %d of %d, %d waits, %d still used; want at most the limit, waits, and all given back", peak, limit, waits, budget.Used())
	}
}

// TestBudgetDrops: a non-blocking writer whose budget is spent drops what
// does not fit, says so, and keeps what it accepted.
func TestBudgetDrops(t *testing.T) {
	srv := newServer(t)
	client := srv.Client()
	const size = 4 << 10
	budget := ossappend.NewBudget(size)
	// Another writer holds the whole budget: its frame waits behind an
	// outage.
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503})
	hog := newWriter(t, client, "hog.log", ossappend.WithBudget(budget), ossappend.WithFlushSize(size))
	hog.Write(make([]byte, size)) // a full frame, queued, failing
	w := newWriter(t, client, "nb.log", ossappend.WithBudget(budget), ossappend.WithFlushSize(size), ossappend.WithNonBlocking())
	n, err := w.WriteString("dropped\n")
	if n != 0 || !errors.Is(err, ossappend.ErrDropped) {
		t.Fatalf("Write with the budget spent = %d, %v; want 0, ErrDropped", n, err)
	}
	if st := w.Stats(); st.DroppedBytes != 8 || st.BytesWritten != 0 {
		t.Fatalf("stats %+v, want the 8 bytes dropped", st)
	}
	srv.SetFaults(1) // OSS is back: the hog's frame is stored, the budget freed
	if err := hog.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := w.WriteString("kept\n"); n != 5 || err != nil {
		t.Fatalf("Write with the budget back = %d, %v", n, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, client, "nb.log"); string(got) != "kept\n" {
		t.Fatalf("object = %q", got)
	}
}

// TestBudgetTooSmallForAFrame: a budget that cannot hold one frame of the
// writer is refused before any request.
func TestBudgetTooSmallForAFrame(t *testing.T) {
	srv := newServer(t)
	_, err := ossappend.NewWriter(context.Background(), srv.Client(), bucket, "a.log",
		ossappend.WithBudget(ossappend.NewBudget(1<<20)), ossappend.WithFlushSize(2<<20))
	if !errors.Is(err, ossappend.ErrInvalidArgument) {
		t.Fatalf("NewWriter = %v, want ErrInvalidArgument", err)
	}
}
