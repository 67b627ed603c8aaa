package ossappend_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
)

// instantClient accepts every append at once, like an OSS at zero
// distance that does the writer no favours: it reports no CRC-64, so the
// writer keeps the object's CRC itself.
type instantClient struct{}

func (instantClient) HeadObject(context.Context, *oss.HeadObjectRequest, ...func(*oss.Options)) (*oss.HeadObjectResult, error) {
	return nil, &oss.ServiceError{StatusCode: http.StatusNotFound, Code: "NoSuchKey"}
}

func (instantClient) AppendObject(_ context.Context, req *oss.AppendObjectRequest, _ ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	n, err := io.Copy(io.Discard, req.Body)
	return &oss.AppendObjectResult{NextPosition: *req.Position + n}, err
}

var line128 = []byte(`{"time":"2026-11-25T17:00:00.000Z","level":"INFO","msg":"request served","path":"/api/v1/items","status":200,"duration_ms":3.2}` + "\n")

func init() {
	if len(line128) != 128 {
		panic(len(line128))
	}
}

// BenchmarkWrite measures the hot path: one 128-byte Write, the length of a
// short log line. It must not allocate.
func BenchmarkWrite(b *testing.B) {
	w, err := ossappend.NewWriter(context.Background(), instantClient{}, "bench", "bench.log")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(line128)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Write(line128); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkWriteParallel is BenchmarkWrite from 4×GOMAXPROCS goroutines
// at once, as a busy service logs.
func BenchmarkWriteParallel(b *testing.B) {
	w, err := ossappend.NewWriter(context.Background(), instantClient{}, "bench", "bench.log")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(line128)))
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := w.Write(line128); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// TestWriteDoesNotAllocate holds the hot path to zero allocations.
func TestWriteDoesNotAllocate(t *testing.T) {
	w, err := ossappend.NewWriter(context.Background(), instantClient{}, "bench", "bench.log")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for range 100000 { // fill and recycle every frame once
		w.Write(line128)
	}
	if allocs := testing.AllocsPerRun(10000, func() { w.Write(line128) }); allocs != 0 {
		t.Fatalf("%v allocations per 128-byte Write, want 0", allocs)
	}
}
