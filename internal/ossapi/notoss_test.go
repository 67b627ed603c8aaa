package ossapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend/osstest"
)

// webServer starts a server that answers every request as a web server
// does, with status and, but to HEAD, body; it returns an SDK client of it
// that does not retry.
func webServer(t *testing.T, status int, body string) *oss.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Server", "nginx")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			io.WriteString(w, body)
		}
	}))
	t.Cleanup(srv.Close)
	cfg := oss.NewConfig().WithRegion("cn-hangzhou").WithEndpoint(srv.URL).WithRetryMaxAttempts(1).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider("id", "secret"))
	return oss.NewClient(cfg)
}

const page = "<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body>It works.</body></html>\n"

// TestNotOSSThroughTheSDK: a web server at the endpoint, answering 404 or
// 200 to everything, with a page or nothing, is not taken for OSS: no
// missing object, no object of some length, but ErrNotOSS, permanent, for
// the writer's requests (HeadObject, AppendObject) and the readers'
// (GetObject).
func TestNotOSSThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"404 page", http.StatusNotFound, page},
		{"404 empty", http.StatusNotFound, ""},
		{"403 page", http.StatusForbidden, page},
		{"200 page", http.StatusOK, page},
		{"200 empty", http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := webServer(t, tc.status, tc.body)
			obj, err := Head(ctx, c, "bucket", "logs/app.log")
			if !errors.Is(err, ErrNotOSS) || errors.Is(err, ErrNoSuchKey) || errors.Is(err, ErrAccessDenied) {
				t.Errorf("Head = %+v, %v; want ErrNotOSS alone", obj, err)
			}
			if err != nil && !strings.Contains(err.Error(), "x-oss-request-id") {
				t.Errorf("Head's error %q does not say what is missing", err)
			}
			if tc.status == http.StatusOK {
				return // a GetObject or an append would succeed: the writer and the readers ask HeadObject first
			}
			_, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("bucket"), Key: oss.Ptr("logs/app.log"), Range: oss.Ptr("bytes=0-9")})
			checkNotOSS(t, "GetObject", err, tc.status)
			_, err = c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr("bucket"), Key: oss.Ptr("logs/app.log"),
				Position: oss.Ptr(int64(0)), Body: strings.NewReader("line\n")})
			checkNotOSS(t, "AppendObject", err, tc.status)
		})
	}
}

func checkNotOSS(t *testing.T, op string, err error, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded", op)
	}
	if IsNoSuchKey(err) {
		t.Errorf("%s: IsNoSuchKey(%v)", op, err)
	}
	if !NotOSS(err) || Classify(err) != Permanent {
		t.Errorf("%s: NotOSS = %v, Classify = %v; want true, permanent", op, NotOSS(err), Classify(err))
	}
	d := Describe(err)
	if !errors.Is(d, ErrNotOSS) || errors.Is(d, ErrNoSuchKey) || errors.Is(d, ErrAccessDenied) {
		t.Errorf("%s: Describe = %v; want ErrNotOSS alone", op, d)
	}
	text := d.Error()
	for _, want := range []string{"does not answer as OSS does", fmt.Sprintf("HTTP %d %s", status, http.StatusText(status)), "from http://127.0.0.1:", `Server: "nginx"`} {
		if !strings.Contains(text, want) {
			t.Errorf("%s: Describe = %q, want it to say %q", op, text, want)
		}
	}
	if strings.Contains(text, "\n") || strings.Contains(text, "Failed to parse") {
		t.Errorf("%s: Describe = %q: want one line of ours", op, text)
	}
}

// TestNotOSSProxyErrorsPass: a 502 or 503 page of a proxy before OSS may
// pass: it is retried, and described without ErrNotOSS.
func TestNotOSSProxyErrorsPass(t *testing.T) {
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable} {
		c := webServer(t, status, page)
		_, err := c.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr("bucket"), Key: oss.Ptr("k")})
		if Classify(err) != Uncertain {
			t.Errorf("%d: Classify = %v, want uncertain", status, Classify(err))
		}
		if d := Describe(err); errors.Is(d, ErrNotOSS) || !strings.Contains(d.Error(), "without OSS's headers") {
			t.Errorf("%d: Describe = %q", status, d)
		}
	}
}

// TestNotOSSLeavesOSSAlone: OSS's own 404, for HeadObject (no body) and
// GetObject, still says the object does not exist.
func TestNotOSSLeavesOSSAlone(t *testing.T) {
	srv := osstest.NewServer()
	defer srv.Close()
	if err := srv.CreateBucket("bucket"); err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	ctx := context.Background()
	if obj, err := Head(ctx, c, "bucket", "missing"); err != nil || obj.Exists {
		t.Errorf("Head of a missing key = %+v, %v", obj, err)
	}
	_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("bucket"), Key: oss.Ptr("missing")})
	if !IsNoSuchKey(err) || NotOSS(err) || !errors.Is(Describe(err), ErrNoSuchKey) {
		t.Errorf("GetObject of a missing key: IsNoSuchKey %v, NotOSS %v, Describe %v", IsNoSuchKey(err), NotOSS(err), Describe(err))
	}
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("bucket"), Key: oss.Ptr("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	if obj, err := Head(ctx, c, "bucket", "k"); err != nil || !obj.Exists || obj.Length != 1 {
		t.Errorf("Head of an object = %+v, %v", obj, err)
	}
}

// TestNotOSSBodies: a successful answer whose body is not XML did not come
// from OSS; one that begins as OSS's XML does, but failed to parse, may
// have been cut short, and is not judged.
func TestNotOSSBodies(t *testing.T) {
	html := sdkWrapped(&oss.DeserializationError{Err: errors.New("XML syntax error"), Snapshot: []byte(page)})
	if !NotOSS(html) || Classify(html) != Permanent || !errors.Is(Describe(html), ErrNotOSS) {
		t.Errorf("a page: NotOSS %v, Classify %v, Describe %v", NotOSS(html), Classify(html), Describe(html))
	}
	cut := sdkWrapped(&oss.DeserializationError{Err: errors.New("XML syntax error"), Snapshot: []byte(`<?xml version="1.0"?><ListBucketResult><Na`)})
	if NotOSS(cut) || Classify(cut) != Uncertain {
		t.Errorf("OSS's XML cut short: NotOSS %v, Classify %v", NotOSS(cut), Classify(cut))
	}
	if err := CheckAnswer(http.Header{"X-Oss-Request-Id": {"5C3D"}}); err != nil {
		t.Errorf("CheckAnswer of OSS's headers: %v", err)
	}
	if err := CheckAnswer(http.Header{"Server": {"nginx"}}); !errors.Is(err, ErrNotOSS) || Classify(err) != Permanent {
		t.Errorf("CheckAnswer of a web server's headers: %v", err)
	}
}
