package bench

import (
	"bytes"
	"context"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestRecoveryStoresTheSpool fills a spool with 9 MiB while every append
// is refused, abandons the writer and opens the spool again: Recovery
// checks the object holds the text once and in order; the frames found
// must be the first writer's three (4 + 4 + 1 MiB).
func TestRecoveryStoresTheSpool(t *testing.T) {
	text := NewWorkload(DefaultSeed).Text(9 << 20)
	r, err := Recovery(text)
	if err != nil {
		t.Fatal(err)
	}
	if r.Frames != 3 || r.Bytes != int64(len(text)) || r.Open <= 0 || r.Close <= 0 {
		t.Fatalf("recovery %+v: want the 3 frames of %d bytes found, both steps timed", r, len(text))
	}
	for _, spool := range []bool{false, true} {
		if d, err := EmptyOpen(spool); err != nil || d <= 0 {
			t.Fatalf("EmptyOpen(%v) = %v, %v", spool, d, err)
		}
	}
}

// TestComparingFindsADifference: the check of scenario 8 notices an
// append that differs from the source, or runs past it.
func TestComparingFindsADifference(t *testing.T) {
	want := []byte("0123456789")
	for _, tc := range []struct {
		name   string
		bodies []string
		bad    bool
	}{
		{"the source, in two appends", []string{"0123", "456789"}, false},
		{"a byte changed", []string{"0123", "45x789"}, true},
		{"past the end", []string{"0123456789", "0"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &comparing{Instant: &Instant{}, want: want}
			var pos int64
			for _, b := range tc.bodies {
				res, err := c.AppendObject(context.Background(), &oss.AppendObjectRequest{
					Bucket: oss.Ptr("bench"), Key: oss.Ptr("k"), Position: oss.Ptr(pos), Body: onlyReader{bytes.NewReader([]byte(b))},
				})
				if err != nil {
					t.Fatal(err)
				}
				pos = res.NextPosition
			}
			if got := c.failed() != nil; got != tc.bad {
				t.Fatalf("difference found: %v (%v), want %v", got, c.failed(), tc.bad)
			}
		})
	}
}
