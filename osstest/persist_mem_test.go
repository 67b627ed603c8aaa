package osstest

import (
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestDiskObjectsStayOnDisk: with WithDir, what the server stores does not
// stay in its memory, and appending, restarting and reading an object do
// not bring it there: each allocates a small part of the object's size.
func TestDiskObjectsStayOnDisk(t *testing.T) {
	const part, parts = 4 << 20, 16
	const size = part * parts
	dir := t.TempDir()
	s := NewServer(WithDir(dir))
	defer func() { s.Close() }()
	if err := s.CreateBucket("bkt"); err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), part/16)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	allocated := func(what string, f func()) {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		n := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s allocated %d KiB", what, n>>10)
		if n > size/8 {
			t.Errorf("%s allocated %d MiB for a %d MiB object", what, n>>20, size>>20)
		}
	}
	base := heap()
	c := s.Client()
	allocated("appending", func() {
		for i := range parts {
			if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr("bkt"), Key: oss.Ptr("big"),
				Position: oss.Ptr(int64(i * part)), Body: bytes.NewReader(body)}); err != nil {
				t.Fatal(err)
			}
		}
	})
	allocated("restarting", func() {
		s.Close()
		s = NewServer(WithDir(dir))
	})
	if h := heap(); h > base+size/8 {
		t.Errorf("the heap grew by %d MiB for a %d MiB object", (h-base)>>20, size>>20)
	}
	c = s.Client()
	for _, rng := range []string{"", "bytes=1000-", "bytes=-1000"} {
		allocated("GetObject "+rng, func() {
			req := &oss.GetObjectRequest{Bucket: oss.Ptr("bkt"), Key: oss.Ptr("big")}
			if rng != "" {
				req.Range = oss.Ptr(rng)
			}
			g, err := c.GetObject(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.Copy(io.Discard, g.Body)
			g.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
