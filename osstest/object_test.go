package osstest

import (
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func TestPutGetObject(t *testing.T) {
	s, c, b := newBucket(t)
	body := "the quick brown fox"
	r, err := c.PutObject(ctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(b), Key: oss.Ptr("dir/fox.txt"), Body: strings.NewReader(body),
		Metadata: map[string]string{"Owner": "me"}, CacheControl: oss.Ptr("no-store"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte(body))
	if oss.ToString(r.ContentMD5) != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Errorf("Content-MD5 %q", oss.ToString(r.ContentMD5))
	}
	if oss.ToString(r.HashCRC64) != strconv.FormatUint(crcOf(body), 10) || oss.ToString(r.ETag) == "" {
		t.Errorf("CRC %q, ETag %q", oss.ToString(r.HashCRC64), oss.ToString(r.ETag))
	}
	if got := objectText(t, s, b, "dir/fox.txt"); got != body {
		t.Errorf("object holds %q", got)
	}

	g, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("dir/fox.txt")})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(g.Body)
	g.Body.Close()
	if err != nil || string(data) != body {
		t.Fatalf("GetObject body %q, %v", data, err)
	}
	if g.ContentLength != int64(len(body)) || oss.ToString(g.ObjectType) != "Normal" ||
		oss.ToString(g.ContentType) != "text/plain" || g.Metadata["owner"] != "me" ||
		g.Headers.Get("Cache-Control") != "no-store" || oss.ToString(g.ContentMD5) == "" ||
		oss.ToString(g.HashCRC64) != strconv.FormatUint(crcOf(body), 10) || oss.ToString(g.StorageClass) != "Standard" {
		t.Errorf("GetObject headers %v", g.Headers)
	}
	if g.Headers.Get("Server") == "" || g.Headers.Get("Date") == "" || g.Headers.Get("x-oss-request-id") == "" {
		t.Errorf("common headers missing: %v", g.Headers)
	}

	// Query parameters override response headers.
	g, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("dir/fox.txt"),
		ResponseContentType: oss.Ptr("text/x-fox"), ResponseCacheControl: oss.Ptr("max-age=5")})
	if err != nil {
		t.Fatal(err)
	}
	g.Body.Close()
	if oss.ToString(g.ContentType) != "text/x-fox" || g.Headers.Get("Cache-Control") != "max-age=5" {
		t.Errorf("overridden headers %v", g.Headers)
	}
}

func TestPutObjectErrors(t *testing.T) {
	_, c, b := newBucket(t, WithMaxObjectSize(8))
	put(t, c, b, "exists", "x")
	for _, tc := range []struct {
		name   string
		req    *oss.PutObjectRequest
		status int
		code   string
	}{
		{"no bucket", &oss.PutObjectRequest{Bucket: oss.Ptr("no-such-bucket"), Key: oss.Ptr("k"), Body: strings.NewReader("x")}, 404, "NoSuchBucket"},
		{"too large", &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Body: strings.NewReader("123456789")}, 400, "EntityTooLarge"},
		{"bad MD5", &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Body: strings.NewReader("x"), ContentMD5: oss.Ptr("1B2M2Y8AsgTpgAmY7PhCfg==")}, 400, "InvalidDigest"},
		{"forbid overwrite", &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("exists"), Body: strings.NewReader("y"), ForbidOverwrite: oss.Ptr("true")}, 409, "FileAlreadyExists"},
		{"bad storage class", &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Body: strings.NewReader("x"), StorageClass: "Gold"}, 400, "InvalidArgument"},
		{"bad ACL", &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Body: strings.NewReader("x"), Acl: "secret"}, 400, "InvalidArgument"},
		{"bad tagging", &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Body: strings.NewReader("x"), Tagging: oss.Ptr("a=1&a=2")}, 400, "InvalidArgument"},
		{"callback", &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Body: strings.NewReader("x"), Callback: oss.Ptr("e30=")}, 501, "NotImplemented"},
		{"traffic limit", &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Body: strings.NewReader("x"), TrafficLimit: 1}, 400, "InvalidArgument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutObject(ctx, tc.req, noRetry)
			wantCode(t, err, tc.status, tc.code)
		})
	}
	if _, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}); err == nil {
		t.Error("a refused PutObject created the object")
	}
}

// TestGetObjectRange reads ranges as OSS answers them: by default a range
// that does not lie within the object is ignored and the whole object is
// answered with 200; with x-oss-range-behavior: standard, a range past the
// end is cut at the end, and one that starts past it is 416.
func TestGetObjectRange(t *testing.T) {
	_, c, b := newBucket(t)
	put(t, c, b, "digits", "0123456789")
	put(t, c, b, "empty", "")
	const whole = "0123456789"
	for _, tc := range []struct {
		key, rng, behavior string
		status             int
		body, crange       string
	}{
		{"digits", "bytes=2-4", "", 206, "234", "bytes 2-4/10"},
		{"digits", "bytes=7-", "", 206, "789", "bytes 7-9/10"},
		{"digits", "bytes=-3", "", 206, "789", "bytes 7-9/10"},
		{"digits", "bytes=0-9", "", 206, whole, "bytes 0-9/10"},
		{"digits", "bytes=5-100", "", 200, whole, ""},   // end past the end: ignored
		{"digits", "bytes=-100", "", 200, whole, ""},    // suffix past the start: ignored
		{"digits", "bytes=10-", "", 200, whole, ""},     // start past the end: ignored
		{"digits", "bytes=20-30", "", 200, whole, ""},   // ignored
		{"digits", "bytes=4-2", "", 200, whole, ""},     // malformed: ignored
		{"digits", "bytes=a-b", "", 200, whole, ""},     // malformed: ignored
		{"digits", "bytes=0-1,3-4", "", 200, whole, ""}, // several ranges: ignored
		{"digits", "items=0-1", "", 200, whole, ""},     // not bytes: ignored
		{"empty", "bytes=0-", "", 200, "", ""},
		{"digits", "bytes=2-4", "standard", 206, "234", "bytes 2-4/10"},
		{"digits", "bytes=5-100", "standard", 206, "56789", "bytes 5-9/10"},
		{"digits", "bytes=9-10", "standard", 206, "9", "bytes 9-9/10"},
		{"digits", "bytes=-100", "standard", 206, whole, "bytes 0-9/10"},
		{"digits", "bytes=10-", "standard", 416, "", "bytes */10"},
		{"digits", "bytes=10-20", "standard", 416, "", "bytes */10"},
		{"digits", "bytes=4-2", "standard", 200, whole, ""},
		{"empty", "bytes=0-", "standard", 416, "", "bytes */0"},
	} {
		t.Run(tc.key+" "+tc.rng+" "+tc.behavior, func(t *testing.T) {
			req := &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr(tc.key), Range: oss.Ptr(tc.rng)}
			if tc.behavior != "" {
				req.RangeBehavior = oss.Ptr(tc.behavior)
			}
			g, err := c.GetObject(ctx, req, noRetry)
			if tc.status == 416 {
				se := wantCode(t, err, 416, "InvalidRange")
				if se.Headers.Get("Content-Range") != tc.crange {
					t.Errorf("Content-Range %q, want %q", se.Headers.Get("Content-Range"), tc.crange)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(g.Body)
			g.Body.Close()
			if g.StatusCode != tc.status || string(data) != tc.body || g.Headers.Get("Content-Range") != tc.crange ||
				g.Headers.Get("Content-Length") != strconv.Itoa(len(tc.body)) {
				t.Errorf("got %d %q %q (length %s), want %d %q %q", g.StatusCode, data, g.Headers.Get("Content-Range"),
					g.Headers.Get("Content-Length"), tc.status, tc.body, tc.crange)
			}
		})
	}
}

func TestGetObjectConditions(t *testing.T) {
	_, c, b := newBucket(t)
	put(t, c, b, "k", "v")
	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
	if err != nil {
		t.Fatal(err)
	}
	etag := oss.ToString(h.ETag)
	later := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	earlier := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name   string
		req    oss.GetObjectRequest
		status int
	}{
		{"If-Match hit", oss.GetObjectRequest{IfMatch: oss.Ptr(etag)}, 200},
		{"If-Match miss", oss.GetObjectRequest{IfMatch: oss.Ptr(`"0000"`)}, 412},
		{"If-None-Match hit", oss.GetObjectRequest{IfNoneMatch: oss.Ptr(etag)}, 304},
		{"If-None-Match miss", oss.GetObjectRequest{IfNoneMatch: oss.Ptr(`"0000"`)}, 200},
		{"If-Modified-Since later", oss.GetObjectRequest{IfModifiedSince: oss.Ptr(later)}, 304},
		{"If-Modified-Since earlier", oss.GetObjectRequest{IfModifiedSince: oss.Ptr(earlier)}, 200},
		{"If-Unmodified-Since earlier", oss.GetObjectRequest{IfUnmodifiedSince: oss.Ptr(earlier)}, 412},
		{"If-Unmodified-Since later", oss.GetObjectRequest{IfUnmodifiedSince: oss.Ptr(later)}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Bucket, req.Key = oss.Ptr(b), oss.Ptr("k")
			g, err := c.GetObject(ctx, &req, noRetry)
			if tc.status == 200 {
				if err != nil {
					t.Fatal(err)
				}
				g.Body.Close()
				return
			}
			if se := serviceError(t, err); se.StatusCode != tc.status {
				t.Errorf("status %d, want %d", se.StatusCode, tc.status)
			}
		})
	}
}

func TestObjectNotFound(t *testing.T) {
	_, c, b := newBucket(t)
	_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("missing")}, noRetry)
	if se := wantCode(t, err, 404, "NoSuchKey"); se.Message != "The specified key does not exist." || se.EC != "0026-00000001" {
		t.Errorf("message %q, EC %q", se.Message, se.EC)
	}
	// HEAD answers carry the error in x-oss-err, which the SDK decodes.
	_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("missing")}, noRetry)
	wantCode(t, err, 404, "NoSuchKey")
	_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("no-such-bucket"), Key: oss.Ptr("missing")}, noRetry)
	if se := wantCode(t, err, 404, "NoSuchBucket"); se.Message != "The specified bucket does not exist." || se.EC != "0015-00000101" {
		t.Errorf("message %q, EC %q", se.Message, se.EC)
	}
	_, err = c.GetObjectMeta(ctx, &oss.GetObjectMetaRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("missing")}, noRetry)
	wantCode(t, err, 404, "NoSuchKey")
	exists, err := c.IsObjectExist(ctx, b, "missing")
	if err != nil || exists {
		t.Errorf("IsObjectExist = %v, %v", exists, err)
	}
	_, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("missing"), VersionId: oss.Ptr("v1")}, noRetry)
	wantCode(t, err, 404, "NoSuchVersion")
}

func TestGetObjectMeta(t *testing.T) {
	_, c, b := newBucket(t)
	put(t, c, b, "k", "value")
	m, err := c.GetObjectMeta(ctx, &oss.GetObjectMetaRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentLength != 5 || oss.ToString(m.ETag) == "" || m.LastModified == nil || oss.ToString(m.HashCRC64) != strconv.FormatUint(crcOf("value"), 10) {
		t.Errorf("GetObjectMeta %v", m.Headers)
	}
}

func TestDeleteObject(t *testing.T) {
	s, c, b := newBucket(t)
	put(t, c, b, "k", "v")
	for _, key := range []string{"k", "k", "never-was"} { // deleting a missing object succeeds
		r, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr(key)})
		if err != nil {
			t.Fatal(err)
		}
		if r.StatusCode != 204 {
			t.Errorf("status %d", r.StatusCode)
		}
	}
	if _, ok := s.Object(b, "k"); ok {
		t.Error("object survived DeleteObject")
	}
	_, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("no-such-bucket"), Key: oss.Ptr("k")}, noRetry)
	wantCode(t, err, 404, "NoSuchBucket")
}

func TestDeleteMultipleObjects(t *testing.T) {
	s, c, b := newBucket(t)
	odd := "odd\x01\x02\t\n<&>\"'key"
	for _, k := range []string{"a", "b", odd} {
		put(t, c, b, k, "v")
	}
	r, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{
		Bucket: oss.Ptr(b), Objects: []oss.DeleteObject{{Key: oss.Ptr("a")}, {Key: oss.Ptr(odd)}, {Key: oss.Ptr("missing")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range r.DeletedObjects {
		keys = append(keys, oss.ToString(d.Key))
	}
	if strings.Join(keys, "|") != "a|"+odd+"|missing" {
		t.Errorf("deleted %q", keys)
	}
	if _, ok := s.Object(b, odd); ok {
		t.Error("the odd key survived")
	}
	// Quiet mode reports nothing.
	r, err = c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{
		Bucket: oss.Ptr(b), Delete: &oss.Delete{Objects: []oss.ObjectIdentifier{{Key: oss.Ptr("b")}}, Quiet: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.DeletedObjects) != 0 {
		t.Errorf("quiet delete reported %d objects", len(r.DeletedObjects))
	}
	if _, ok := s.Object(b, "b"); ok {
		t.Error("quiet delete left the object")
	}
	_, err = c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{
		Bucket: oss.Ptr("no-such-bucket"), Objects: []oss.DeleteObject{{Key: oss.Ptr("a")}},
	}, noRetry)
	wantCode(t, err, 404, "NoSuchBucket")
}

func TestDeleteMultipleObjectsMalformed(t *testing.T) {
	s, _, b := newBucket(t)
	for _, body := range []string{"", "<Delete></Delete>", "<Delete><Object><Key>a&bogus;</Key></Object></Delete>", "<Nope/>"} {
		req := signedRequest(t, s, "POST", s.Endpoint()+"/"+b+"/?delete", oss.Ptr(b), nil, body)
		if status, _, resp := do(t, req); status != 400 || !strings.Contains(resp, "MalformedXML") {
			t.Errorf("body %q: got %d %s", body, status, resp)
		}
	}
}

func TestCopyObject(t *testing.T) {
	s, c, b := newBucket(t)
	put(t, c, b, "src", "data")
	r, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("dst"), SourceKey: oss.Ptr("src")})
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(r.HashCRC64) != strconv.FormatUint(crcOf("data"), 10) || objectText(t, s, b, "dst") != "data" {
		t.Errorf("copy: CRC %q", oss.ToString(r.HashCRC64))
	}
	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("dst"), SourceKey: oss.Ptr("missing")}, noRetry)
	wantCode(t, err, 404, "NoSuchKey")
	if _, err := appendAt(c, b, "app", 0, "x"); err != nil {
		t.Fatal(err)
	}
	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("dst"), SourceKey: oss.Ptr("app")}, noRetry)
	wantCode(t, err, 409, "ObjectNotAppendable")
}

func TestObjectACLAndTagging(t *testing.T) {
	_, c, b := newBucket(t)
	put(t, c, b, "k", "v")
	if _, err := c.PutObjectAcl(ctx, &oss.PutObjectAclRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Acl: oss.ObjectACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	acl, err := c.GetObjectAcl(ctx, &oss.GetObjectAclRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
	if err != nil || oss.ToString(acl.ACL) != "public-read" {
		t.Fatalf("ACL %v, %v", acl, err)
	}
	if _, err := c.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"),
		Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr("a"), Value: oss.Ptr("1")}}}}}); err != nil {
		t.Fatal(err)
	}
	tg, err := c.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
	if err != nil || len(tg.Tags) != 1 || oss.ToString(tg.Tags[0].Key) != "a" {
		t.Fatalf("tags %v, %v", tg, err)
	}
	if _, err := c.DeleteObjectTagging(ctx, &oss.DeleteObjectTaggingRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}); err != nil {
		t.Fatal(err)
	}
	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
	if err != nil || h.TaggingCount != 0 {
		t.Fatalf("tagging count %d, %v", h.TaggingCount, err)
	}
}

func TestObjectNames(t *testing.T) {
	s, c, b := newBucket(t)
	for _, key := range []string{"a b", "ü/日本", "x+y=z&w?q#r", "dir//double", "trailing/", strings.Repeat("k", 1023)} {
		put(t, c, b, key, key)
		if got := objectText(t, s, b, key); got != key {
			t.Errorf("key %q holds %q", key, got)
		}
	}
	for _, tc := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"leading slash", "/" + b + "//abs", 400, "InvalidObjectName"},
		{"leading backslash", "/" + b + "/%5Cwin", 400, "InvalidObjectName"},
		{"invalid UTF-8", "/" + b + "/%FF%FE", 400, "InvalidObjectName"},
		{"too long", "/" + b + "/" + strings.Repeat("k", 1024), 400, "InvalidObjectName"},
		{"bucket name", "/Bad_Bucket/key", 400, "InvalidBucketName"},
		{"short bucket", "/ab/key", 400, "InvalidBucketName"},
		{"hyphen bucket", "/-abc/key", 400, "InvalidBucketName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("PUT", s.Endpoint()+tc.path, strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			status, _, body := do(t, req)
			if status != tc.status || !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
				t.Errorf("got %d %s", status, body)
			}
		})
	}
}
