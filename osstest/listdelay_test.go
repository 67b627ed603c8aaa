package osstest

import (
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// listedKeys returns the keys ListObjectsV2 shows, after checking that
// ListObjects, asked first, showed none that ListObjectsV2 does not: a
// delay may pass between the two, never the other way.
func listedKeys(t *testing.T, c *oss.Client, b string) []string {
	t.Helper()
	v1, err := c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(b)})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(b)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	shown := map[string]bool{}
	for _, o := range v2.Contents {
		keys = append(keys, oss.ToString(o.Key))
		shown[oss.ToString(o.Key)] = true
	}
	for _, o := range v1.Contents {
		if !shown[oss.ToString(o.Key)] {
			t.Fatalf("ListObjects showed %s, which ListObjectsV2 did not show after it", oss.ToString(o.Key))
		}
	}
	return keys
}

// TestListingDelay: a new object shows in listings only after the delay,
// while HeadObject sees it at once.
func TestListingDelay(t *testing.T) {
	s, c, b := newBucket(t, WithListingDelay(time.Hour))
	if _, err := appendAt(c, b, "log", 0, "x"); err != nil {
		t.Fatal(err)
	}
	if keys := listedKeys(t, c, b); len(keys) != 0 {
		t.Fatalf("listed %v at once", keys)
	}
	if _, err := c.HeadObject(ctx, headReq(b, "log")); err != nil {
		t.Fatal(err)
	}
	s.SetListingDelay(0)
	if keys := listedKeys(t, c, b); len(keys) != 1 || keys[0] != "log" {
		t.Fatalf("listed %v with no delay", keys)
	}

	// A short delay passes by itself.
	const delay = 100 * time.Millisecond
	s.SetListingDelay(delay)
	start := time.Now()
	put(t, c, b, "fresh", "v")
	deadline := start.Add(time.Minute)
	for {
		keys := listedKeys(t, c, b)
		if len(keys) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new object never showed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d := time.Since(start); d < delay {
		t.Errorf("the new object showed after %v, before the delay of %v", d, delay)
	}
}
