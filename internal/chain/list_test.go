package chain

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend/internal/ossapi"
	"github.com/ossappend/ossappend/osstest"
)

const testBucket = "chain-test"

// newBucket starts osstest with keys in a bucket, and returns its client,
// which counts the listings it sends.
func newBucket(t *testing.T, keys ...string) *countingClient {
	t.Helper()
	srv := osstest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	for _, k := range keys {
		_, err := c.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(k), Body: strings.NewReader(k)})
		if err != nil {
			t.Fatal(err)
		}
	}
	return &countingClient{Client: c}
}

type countingClient struct {
	*oss.Client
	lists int
}

func (c *countingClient) ListObjectsV2(ctx context.Context, req *oss.ListObjectsV2Request, optFns ...func(*oss.Options)) (*oss.ListObjectsV2Result, error) {
	c.lists++
	return c.Client.ListObjectsV2(ctx, req, optFns...)
}

// smallPages makes listings return two keys a page, so that the tests go
// through several pages.
func smallPages(t *testing.T) {
	old := pageSize
	pageSize = 2
	t.Cleanup(func() { pageSize = old })
}

func keysOf(ms []Member) []string {
	var ks []string
	for _, m := range ms {
		ks = append(ks, m.Key)
	}
	return ks
}

var bucketKeys = []string{
	"logs/app.log", "logs/app.1.log", "logs/app.2.log", "logs/app.10.log", "logs/app.3.log",
	"logs/app.log.zst", "logs/app.1.log.zst", // another chain: another codec
	"logs/app.err.log", "logs/apple.log", // other keys under the chain's prefix
	"logs/app.4.log/inner", // deeper: no rotation
	"logs/dt=2026-11-30/hour=00/h.log", "logs/dt=2026-11-30/hour=00/h.1.log",
	"logs/dt=2026-11-30/hour=01/h.log", "logs/dt=2026-11-30/hour=01/",
}

func TestList(t *testing.T) {
	smallPages(t)
	c := newBucket(t, bucketKeys...)
	ctx := context.Background()
	got, err := List(ctx, c, testBucket, "logs/app.log")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"logs/app.log", "logs/app.1.log", "logs/app.2.log", "logs/app.3.log", "logs/app.10.log"}
	if !slices.Equal(keysOf(got), want) {
		t.Errorf("List = %q, want %q", keysOf(got), want)
	}
	for i, m := range got {
		if m.Base != "logs/app.log" || i > 0 && m.N <= got[i-1].N {
			t.Errorf("member %d: %+v", i, m)
		}
	}
	// Under logs/app. are 8 keys and the folder logs/app.4.log/, rolled
	// up: 9 entries, 2 a page.
	if c.lists != 5 {
		t.Errorf("List sent %d listings, want 5", c.lists)
	}

	got, err = List(ctx, c, testBucket, "logs/app.log.zst")
	if err != nil || !slices.Equal(keysOf(got), []string{"logs/app.log.zst", "logs/app.1.log.zst"}) {
		t.Errorf("List of the zst chain = %q, %v", keysOf(got), err)
	}
	got, err = List(ctx, c, testBucket, "logs/none.log")
	if err != nil || len(got) != 0 {
		t.Errorf("List of a chain without objects = %q, %v", keysOf(got), err)
	}
}

func TestNewest(t *testing.T) {
	smallPages(t)
	c := newBucket(t, bucketKeys...)
	ctx := context.Background()
	for base, want := range map[string]struct {
		key string
		n   int
	}{
		"logs/app.log":                     {"logs/app.10.log", 10},
		"logs/app.log.zst":                 {"logs/app.1.log.zst", 1},
		"logs/apple.log":                   {"logs/apple.log", 0},
		"logs/none.log":                    {"logs/none.log", 0},
		"logs/dt=2026-11-30/hour=00/h.log": {"logs/dt=2026-11-30/hour=00/h.1.log", 1},
	} {
		key, n, err := Newest(ctx, c, testBucket, base)
		if err != nil || key != want.key || n != want.n {
			t.Errorf("Newest(%q) = %q, %d, %v; want %q, %d", base, key, n, err, want.key, want.n)
		}
	}
}

func TestListPrefix(t *testing.T) {
	smallPages(t)
	c := newBucket(t, bucketKeys...)
	got, err := ListPrefix(context.Background(), c, testBucket, "logs/dt=2026-11-30/")
	want := []string{"logs/dt=2026-11-30/hour=00/h.log", "logs/dt=2026-11-30/hour=00/h.1.log", "logs/dt=2026-11-30/hour=01/h.log"}
	if err != nil || !slices.Equal(keysOf(got), want) {
		t.Errorf("ListPrefix = %q, %v; want %q", keysOf(got), err, want)
	}
	got, err = ListPrefix(context.Background(), c, testBucket, "logs/")
	if err != nil || len(got) != len(bucketKeys)-1 {
		t.Errorf("ListPrefix(logs/) = %d keys, %v; want %d", len(got), err, len(bucketKeys)-1)
	}
}

func TestListErrors(t *testing.T) {
	c := newBucket(t)
	_, err := List(context.Background(), c, "no-such-bucket", "app.log")
	if !errors.Is(err, ossapi.ErrNoSuchBucket) || strings.Contains(err.Error(), "\n") {
		t.Errorf("List in a missing bucket: %v, want one line wrapping ErrNoSuchBucket", err)
	}
	_, err = ListPrefix(context.Background(), c, "no-such-bucket", "logs/")
	if !errors.Is(err, ossapi.ErrNoSuchBucket) {
		t.Errorf("ListPrefix in a missing bucket: %v, want ErrNoSuchBucket", err)
	}
}

// TestListNotOSS: a web server at the endpoint answers a listing with 200
// and a page, 200 and nothing, which the SDK reads as an empty listing, or
// 404: each is ErrNotOSS, permanent, not a chain without objects nor a
// missing bucket.
func TestListNotOSS(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
	}{
		{http.StatusOK, "<!DOCTYPE html>\n<html><body>It works.</body></html>\n"},
		{http.StatusOK, ""},
		{http.StatusNotFound, "<html><body>Not Found</body></html>"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			io.WriteString(w, tc.body)
		}))
		c := oss.NewClient(oss.NewConfig().WithRegion("cn-hangzhou").WithEndpoint(srv.URL).WithRetryMaxAttempts(1).
			WithCredentialsProvider(credentials.NewStaticCredentialsProvider("id", "secret")))
		ms, err := List(context.Background(), c, testBucket, "logs/app.log")
		if !errors.Is(err, ossapi.ErrNotOSS) || ossapi.Classify(err) != ossapi.Permanent {
			t.Errorf("List, %d %q: %q, %v; want ErrNotOSS, permanent", tc.status, tc.body, keysOf(ms), err)
		}
		_, _, err = Newest(context.Background(), c, testBucket, "logs/app.log")
		if !errors.Is(err, ossapi.ErrNotOSS) {
			t.Errorf("Newest, %d %q: %v; want ErrNotOSS", tc.status, tc.body, err)
		}
		srv.Close()
	}
}
