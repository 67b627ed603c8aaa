package ossappend

// Review: the memory bounds the documentation states, measured on the heap
// while appends stall.

import (
	"context"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
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

// TestReviewBudgetBoundsMemoryWithACodec: "the frames' buffers, in use or
// spare, take at most the budget's bytes of memory", and "a compressed
// frame's encoded bytes replace its buffer once encoded, and are counted in
// its place; only an incompressible frame's encoding is a little larger".
// But encodeFrame hands the frame's buffer back to the budget as a spare,
// which keeps it, while the encoded bytes come from the process's pools,
// outside the budget: with incompressible bytes, frames waiting for OSS
// take about twice the budget.
func TestReviewBudgetBoundsMemoryWithACodec(t *testing.T) {
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
		return len(w.enc.waiting) == 0 && w.enc.taken == 0
	})
	// What the documentation allows: the budget, each frame's encoding a
	// little larger (by MaxEncodedLen), and a MiB for the writer itself.
	codec := compress.S2()
	most := int64(limit + limit/frame*(codec.MaxEncodedLen(frame)-frame) + 1<<20)
	if grown := heapInUse() - base; grown > most {
		t.Fatalf("with a budget of %d MiB the writer holds %.1f MiB of heap (budget used %d MiB), more than %.1f MiB",
			limit>>20, float64(grown)/(1<<20), b.Used()>>20, float64(most)/(1<<20))
	}
}

// fullThenBlock returns one full frame's worth of bytes, then blocks until
// release is closed, like a pipe that went quiet.
type fullThenBlock struct {
	sent    bool
	release chan struct{}
}

func (r *fullThenBlock) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		for i := range p {
			p[i] = 'r'
		}
		return len(p), nil
	}
	<-r.release
	return 0, io.EOF
}

// TestReviewConcurrentReadFromsBoundMemory: "At most MaxInflight+1 frames
// exist in memory, so memory is bounded". ReadFrom reads a frame at a time
// into a FlushSize buffer of its own, and each call has one: while OSS is
// slow, every io.Copy into the writer holds a full buffer (waiting for the
// writers' turn in adopt, or in its next Read), so N concurrent copies hold
// N frames' worth beyond the bound.
func TestReviewConcurrentReadFromsBoundMemory(t *testing.T) {
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
	for range copies {
		go w.ReadFrom(&fullThenBlock{release: release})
	}
	// Two frames are queued (and stall); every other copy waits in adopt
	// with its full buffer.
	waitUntil(t, "the copies to wait for frames", func() bool { return goroutinesIn("ossappend.(*Writer).adopt") == copies-2 })
	grown := heapInUse() - base
	if most := int64(frame) * (1 + 1 + 1 + 1); grown > most { // MaxInflight+1 frames, ReadFrom's buffer, and slack
		t.Fatalf("MaxInflight 1 with %d KiB frames: %d concurrent ReadFroms hold %.1f MiB of heap, more than %d MiB",
			frame>>10, copies, float64(grown)/(1<<20), most>>20)
	}
}
