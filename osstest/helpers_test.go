package osstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/retry"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

var ctx = context.Background()

// TestMain runs the tests, then checks that no goroutine of a server (its
// serve loop, its connections, its handlers) or of a client connection to
// one outlives the tests.
func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		os.Exit(childServer(dir))
	}
	code := m.Run()
	if code == 0 {
		if leaked := waitForLeaks(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked after every server was closed:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakMarkers are frames that only a live server or client connection has.
var leakMarkers = []string{
	"osstest.(*Server)",
	"net/http.(*conn).serve",
	"net/http.(*persistConn)",
	"net/http.(*Server).Serve",
}

// waitForLeaks polls the goroutine dump until no goroutine shows a leak
// marker, and returns the offending goroutines if some remain at timeout.
func waitForLeaks(timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			for _, m := range leakMarkers {
				if strings.Contains(g, m) {
					leaked = append(leaked, g)
					break
				}
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inDir makes newServer keep its objects in a new directory rather than in
// memory; TestDiskMode sets it to run other tests against the disk store.
var inDir bool

// newServer starts a server that the test closes when it ends.
func newServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if inDir {
		opts = append([]Option{WithDir(t.TempDir())}, opts...)
	}
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// newBucket starts a server with one bucket and returns it, its client and
// the bucket's name.
func newBucket(t testing.TB, opts ...Option) (*Server, *oss.Client, string) {
	t.Helper()
	s := newServer(t, opts...)
	const name = "test-bucket"
	if err := s.CreateBucket(name); err != nil {
		t.Fatal(err)
	}
	return s, s.Client(), name
}

// serviceError returns the OSS error in err, failing the test if there is
// none.
func serviceError(t testing.TB, err error) *oss.ServiceError {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("got error %v, want an OSS service error", err)
	}
	return se
}

// wantCode checks that err is an OSS error with the given status and code.
func wantCode(t testing.TB, err error, status int, code string) *oss.ServiceError {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %d %s", status, code)
	}
	se := serviceError(t, err)
	if se.StatusCode != status || se.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", se.StatusCode, se.Code, se.Message, status, code)
	}
	if se.RequestID == "" {
		t.Errorf("error %s has no request ID", code)
	}
	return se
}

// noRetry makes an SDK call fail at its first error.
func noRetry(o *oss.Options) { o.RetryMaxAttempts = oss.Ptr(1) }

// quickRetry gives an SDK call the SDK's retries without their waits.
func quickRetry(o *oss.Options) {
	o.Retryer = retry.NewStandard(func(ro *retry.RetryOptions) {
		ro.BaseDelay, ro.MaxBackoff = time.Millisecond, time.Millisecond
	})
}

func put(t testing.TB, c *oss.Client, bucket, key, body string) {
	t.Helper()
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("PutObject %s: %v", key, err)
	}
}

func appendAt(c *oss.Client, bucket, key string, pos int64, body string, optFns ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	return c.AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Position: oss.Ptr(pos), Body: strings.NewReader(body),
	}, optFns...)
}

// objectText returns an object's bytes, failing the test if it is missing.
func objectText(t testing.TB, s *Server, bucket, key string) string {
	t.Helper()
	b, ok := s.Object(bucket, key)
	if !ok {
		t.Fatalf("object %s/%s is missing", bucket, key)
	}
	return string(b)
}

// crcOf returns the CRC-64/ECMA-182 of s, as the SDK computes it.
func crcOf(s string) uint64 {
	h := oss.NewCRC64(0)
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// signedRequest builds a request to the server signed with its credentials
// by the SDK's V4 signer, for requests the SDK client would not send.
func signedRequest(t testing.TB, s *Server, method, target string, bucket, key *string, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	id, secret := s.Credentials()
	sc := &signer.SigningContext{
		Product: oss.Ptr("oss"), Region: oss.Ptr(s.Region()), Bucket: bucket, Key: key, Request: req,
		Credentials: &credentials.Credentials{AccessKeyID: id, AccessKeySecret: secret},
	}
	if err := (&signer.SignerV4{}).Sign(ctx, sc); err != nil {
		t.Fatal(err)
	}
	return req
}

// do sends req and returns the status, the headers and the body.
func do(t testing.TB, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func headReq(bucket, key string) *oss.HeadObjectRequest {
	return &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}
}

// appendReq is an AppendObject request that checks the CRC-64 of the
// result, starting from crc (the object's CRC before the append).
func appendReq(bucket, key string, pos int64, body string, crc *string) *oss.AppendObjectRequest {
	return &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Position: oss.Ptr(pos),
		Body: strings.NewReader(body), InitHashCRC64: crc}
}
