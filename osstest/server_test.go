package osstest

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestHandler serves the protocol from an httptest server.
func TestHandler(t *testing.T) {
	s := newServer(t)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	c := oss.NewClient(s.Config().WithEndpoint(ts.URL))
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("via-httptest")}); err != nil {
		t.Fatal(err)
	}
	if _, err := appendAt(c, "via-httptest", "k", 0, "x"); err != nil {
		t.Fatal(err)
	}
	if got := objectText(t, s, "via-httptest", "k"); got != "x" {
		t.Errorf("object holds %q", got)
	}
}

func TestServerLifecycle(t *testing.T) {
	s, err := Start(WithAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Endpoint(), "http://127.0.0.1:") || s.Region() != Region {
		t.Errorf("endpoint %q, region %q", s.Endpoint(), s.Region())
	}
	if id, secret := s.Credentials(); id != AccessKeyID || secret != AccessKeySecret {
		t.Errorf("credentials %q %q", id, secret)
	}
	c := s.Client()
	if _, err := c.ListBuckets(ctx, &oss.ListBucketsRequest{}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	s.Close() // A second close is harmless.
	if _, err := c.ListBuckets(ctx, &oss.ListBucketsRequest{}, noRetry); err == nil {
		t.Error("a closed server answered")
	}

	// A wildcard address gives a loopback endpoint.
	s2, err := Start(WithAddr(":0"))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if !strings.HasPrefix(s2.Endpoint(), "http://127.0.0.1:") {
		t.Errorf("endpoint %q", s2.Endpoint())
	}
}
