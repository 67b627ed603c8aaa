package ossappend

// The memory bounds the documentation states, measured on the heap while
// appends stall.

import (
	"context"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/compress"
)

// stallClient knows no object and holds every append until the writer
// aborts it: OSS accepts nothing, so frames stay in memory.
type stallClient struct{}

func (stallClient) HeadObject(ctx context.Context, req *oss.HeadObjectRequest, _ ...func(*oss.Options)) (*oss.HeadObjectResult, error) {
	return nil, &oss.ServiceError{StatusCode: 404, Code: "NoSuchKey", Message: "NoSuchKey"}
}

func (stallClient) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, _ ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// heapInUse returns the bytes of live heap objects, after collecting the
// garbage and emptying the sync.Pools.
func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// goroutinesIn counts the goroutines with fn on their stack.
func goroutinesIn(fn string) int {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			n++
		}
	}
	return n
}

func shutdownNow(w *Writer) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Shutdown(ctx)
}

// TestBudgetBoundsMemoryWithACodec: with a codec and incompressible
// bytes, the frames waiting for OSS hold no more than the budget, each
// frame's draw covering its encoding.
func TestBudgetBoundsMemoryWithACodec(t *testing.T) {
	const frame, limit = 1 << 20, 16 << 20
	data := make([]byte, 2*limit)
	rng := rand.NewChaCha8([32]byte{1})
	rng.Read(data)
	base := heapInUse()

	b := NewBudget(limit)
	w, err := NewWriter(context.Background(), stallClient{}, "bucket", "budget.log",
		WithBudget(b), WithFlushSize(frame), WithMaxInflight(64), WithFlushInterval(0), WithCodec(compress.S2()))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdownNow(w)
	go func() {
		for off := 0; off+frame <= len(data); off += frame {
			if _, err := w.Write(data[off : off+frame]); err != nil {
				return
			}
		}
	}()
	waitUntil(t, "a Write to wait for the budget", func() bool { return w.Stats().BudgetWaits > 0 })
	waitUntil(t, "every queued frame to be encoded", func() bool {
		compressors.mu.Lock()
		defer compressors.mu.Unlock()
		return len(w.encoding.waiting) == 0 && w.encoding.taken == 0
	})
	// What the documentation allows: the budget, encodings included, and a
	// MiB for the writer itself.
	// The budget's region counts as far as its buffers reached into it,
	// on the heap (with the race detector) or not.
	most := int64(limit + 1<<20)
	grown := heapInUse() - base
	b.mu.Lock()
	if regionOffHeap {
		grown += int64(b.top)
	} else {
		grown -= int64(len(b.region) - b.top)
	}
	outside := b.outside
	b.mu.Unlock()
	t.Logf("%.1f MiB, %.1f MiB of it buffers outside the region", float64(grown)/(1<<20), float64(outside)/(1<<20))
	if grown > most {
		t.Fatalf("with a budget of %d MiB the writer holds %.1f MiB (budget used %d MiB, %.1f MiB outside its region), more than %.1f MiB",
			limit>>20, float64(grown)/(1<<20), b.Used()>>20, float64(outside)/(1<<20), float64(most)/(1<<20))
	}
}

// fullThenBlock returns one full frame's worth of bytes, then blocks until
// release is closed, like a pipe that went quiet.
type fullThenBlock struct {
	sent    bool
	release chan struct{}
	blocked *atomic.Int32 // counts the readers that went quiet
}

func (r *fullThenBlock) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		for i := range p {
			p[i] = 'r'
		}
		return len(p), nil
	}
	r.blocked.Add(1)
	<-r.release
	return 0, io.EOF
}

// TestConcurrentReadFromsBoundMemory: while OSS stalls, many concurrent
// io.Copy calls into one writer hold its MaxInflight+1 frames, one
// frame-sized buffer of ReadFrom's, and small chunks: not a frame each.
func TestConcurrentReadFromsBoundMemory(t *testing.T) {
	const frame, copies = 1 << 20, 12
	base := heapInUse()
	w, err := NewWriter(context.Background(), stallClient{}, "bucket", "copies.log",
		WithFlushSize(frame), WithMaxInflight(1), WithFlushInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer func() {
		shutdownNow(w)
		close(release)
	}()
	var blocked atomic.Int32
	for range copies {
		go w.ReadFrom(&fullThenBlock{release: release, blocked: &blocked})
	}
	// Each copy has read what it had and waits: for its reader, quiet
	// now, or to write what it read.
	waitUntil(t, "the copies to wait", func() bool {
		return int(blocked.Load())+goroutinesIn("ossappend.fill[")+goroutinesIn("ossappend.(*Writer).adopt") == copies
	})
	grown := heapInUse() - base
	// MaxInflight+1 frames, ReadFrom's buffer, a chunk for each copy, and
	// a MiB of slack.
	if most := int64(frame)*(1+1+1+1) + copies*readChunk; grown > most {
		t.Fatalf("MaxInflight 1 with %d KiB frames: %d concurrent ReadFroms hold %.1f MiB of heap, more than %.2f MiB",
			frame>>10, copies, float64(grown)/(1<<20), float64(most)/(1<<20))
	}
}
