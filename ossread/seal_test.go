package ossread_test

// Tests of series whose objects are never sealed, as on the many OSS
// accounts without seal: readers never wait for a seal.

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/osstest"
)

// TestSeriesWithoutSeal follows a chain written by a writer made
// WithSealOnClose on a server that does not seal, across its rotations,
// each batch read before the next is written, then reads it whole: no
// object of it is sealed, and every line is read once, in order.
func TestSeriesWithoutSeal(t *testing.T) {
	_, c := newFollowServer(t, osstest.WithoutSeal())
	var mu sync.Mutex
	var heard []error
	const key = "app.log.zst"
	w := newSeriesWriter(t, c, key, compress.Zstd(1), ossappend.WithSealOnClose(), ossappend.WithErrorHandler(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, err)
	}))
	writeBatches(t, w, nil, "unsealed", 0, 10)
	r := newTestReader(t, c, key, ossread.WithFollow(), ossread.WithDecode())
	lr := followLines(r)
	lr.expectNumbered(t, "unsealed", 0, 10)
	writeBatches(t, w, lr, "unsealed", 10, 600) // stalls if the reader waits for a seal
	n := int(rotations(t, w))
	if n < 3 {
		t.Fatalf("%d rotations", n)
	}
	last := w.Key()
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	followWaitFor(t, "the reader to reach the last object", func() bool { return r.Key() == last })

	mu.Lock()
	if len(heard) == 0 || !errors.Is(heard[0], ossappend.ErrSealNotSupported) {
		t.Errorf("the writer's error handler heard %v, want ErrSealNotSupported: the test's writer does not ask to seal", heard)
	}
	mu.Unlock()
	for i := 0; i <= n; i++ {
		k := key
		if i > 0 {
			k = ossappend.RotateKey(key, i)
		}
		h, err := c.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(followBucket), Key: oss.Ptr(k)})
		if err != nil {
			t.Fatal(err)
		}
		if s := h.Headers.Get("x-oss-sealed-time"); s != "" {
			t.Errorf("%s is sealed (%s) on a server without seal", k, s)
		}
	}

	whole := newTestReader(t, c, key, ossread.WithDecode())
	if rest := checkNumbered(t, readLines(t, whole), "unsealed", 0, 600); len(rest) > 0 {
		t.Fatalf("read %d lines more than written", len(rest))
	}
}
