package sdkcompat

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/ossappend/ossappend/osstest"
)

// signatures are the versions the older SDK signs with, header-signed and
// presigned.
var signatures = []struct {
	name string
	auth oss.AuthVersionType
}{{"v1", oss.AuthV1}, {"v4", oss.AuthV4}}

// newBucket starts a server keeping its objects in a directory, and returns
// a bucket of it as the older SDK sees it.
func newBucket(t *testing.T, auth oss.AuthVersionType) (*osstest.Server, *oss.Client, *oss.Bucket) {
	t.Helper()
	srv := osstest.NewServer(osstest.WithDir(t.TempDir()))
	t.Cleanup(srv.Close)
	client, err := oss.New(srv.Endpoint(), osstest.AccessKeyID, osstest.AccessKeySecret,
		oss.AuthVersion(auth), oss.Region(osstest.Region))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.CreateBucket("compat"); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	b, err := client.Bucket("compat")
	if err != nil {
		t.Fatal(err)
	}
	return srv, client, b
}

func readAll(t *testing.T, r io.ReadCloser, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestHeaderSigned drives the server through the older SDK's operations,
// signed in the Authorization header.
func TestHeaderSigned(t *testing.T) {
	for _, sig := range signatures {
		t.Run(sig.name, func(t *testing.T) {
			srv, client, b := newBucket(t, sig.auth)
			if ok, err := client.IsBucketExist("compat"); err != nil || !ok {
				t.Fatalf("IsBucketExist: %v, %v", ok, err)
			}
			if _, err := client.GetBucketInfo("compat"); err != nil {
				t.Fatalf("GetBucketInfo: %v", err)
			}
			if r, err := client.ListBuckets(oss.Prefix("comp")); err != nil || len(r.Buckets) != 1 {
				t.Fatalf("ListBuckets: %+v, %v", r, err)
			}

			key := "dir/a key+odd=chars&日本.txt"
			if err := b.PutObject(key, strings.NewReader("hello, world"), oss.ContentType("text/plain"), oss.Meta("owner", "me")); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			r, err := b.GetObject(key)
			if got := readAll(t, r, err); got != "hello, world" {
				t.Errorf("GetObject: %q", got)
			}
			r, err = b.GetObject(key, oss.Range(7, 11))
			if got := readAll(t, r, err); got != "world" {
				t.Errorf("GetObject with a range: %q", got)
			}
			h, err := b.GetObjectDetailedMeta(key)
			if err != nil || h.Get("X-Oss-Meta-Owner") != "me" || h.Get("Content-Type") != "text/plain" {
				t.Errorf("GetObjectDetailedMeta: %v, %v", h, err)
			}
			if _, err := b.GetObjectMeta(key); err != nil {
				t.Errorf("GetObjectMeta: %v", err)
			}

			next, err := b.AppendObject("log", strings.NewReader("one,"), 0, oss.ContentType("text/x-log"))
			if err != nil || next != 4 {
				t.Fatalf("AppendObject: %d, %v", next, err)
			}
			if next, err = b.AppendObject("log", strings.NewReader("two"), next); err != nil || next != 7 {
				t.Fatalf("second AppendObject: %d, %v", next, err)
			}
			if _, err = b.AppendObject("log", strings.NewReader("late"), 3); err == nil {
				t.Error("an append at a wrong position was taken")
			} else if se, ok := err.(oss.ServiceError); !ok || se.Code != "PositionNotEqualToLength" {
				t.Errorf("append at a wrong position: %v", err)
			}
			h, err = b.GetObjectDetailedMeta("log")
			if err != nil || h.Get("X-Oss-Object-Type") != "Appendable" || h.Get("X-Oss-Next-Append-Position") != "7" {
				t.Errorf("appendable object: %v, %v", h, err)
			}
			if got, ok := srv.Object("compat", "log"); !ok || string(got) != "one,two" {
				t.Errorf("appendable object holds %q", got)
			}

			lr, err := b.ListObjects(oss.Prefix("dir/"), oss.Delimiter("/"))
			if err != nil || len(lr.Objects) != 1 || lr.Objects[0].Key != key {
				t.Errorf("ListObjects: %+v, %v", lr, err)
			}
			lr2, err := b.ListObjectsV2(oss.MaxKeys(1))
			if err != nil || len(lr2.Objects) != 1 || !lr2.IsTruncated {
				t.Fatalf("ListObjectsV2: %+v, %v", lr2, err)
			}
			if lr2, err = b.ListObjectsV2(oss.ContinuationToken(lr2.NextContinuationToken)); err != nil || len(lr2.Objects) != 1 {
				t.Errorf("ListObjectsV2, next page: %+v, %v", lr2, err)
			}

			if _, err := b.CopyObject(key, "copy"); err != nil {
				t.Fatalf("CopyObject: %v", err)
			}
			r, err = b.GetObject("copy")
			if got := readAll(t, r, err); got != "hello, world" {
				t.Errorf("copy holds %q", got)
			}
			if err := b.SetObjectACL("copy", oss.ACLPublicRead); err != nil {
				t.Errorf("SetObjectACL: %v", err)
			}
			if acl, err := b.GetObjectACL("copy"); err != nil || acl.ACL != "public-read" {
				t.Errorf("GetObjectACL: %+v, %v", acl, err)
			}
			if err := b.PutObjectTagging("copy", oss.Tagging{Tags: []oss.Tag{{Key: "k", Value: "v"}}}); err != nil {
				t.Errorf("PutObjectTagging: %v", err)
			}
			if tg, err := b.GetObjectTagging("copy"); err != nil || len(tg.Tags) != 1 {
				t.Errorf("GetObjectTagging: %+v, %v", tg, err)
			}

			imur, err := b.InitiateMultipartUpload("multi")
			if err != nil {
				t.Fatalf("InitiateMultipartUpload: %v", err)
			}
			first := bytes.Repeat([]byte("a"), 100<<10)
			p1, err := b.UploadPart(imur, bytes.NewReader(first), int64(len(first)), 1)
			if err != nil {
				t.Fatalf("UploadPart: %v", err)
			}
			p2, err := b.UploadPart(imur, strings.NewReader("end"), 3, 2)
			if err != nil {
				t.Fatalf("UploadPart: %v", err)
			}
			if parts, err := b.ListUploadedParts(imur); err != nil || len(parts.UploadedParts) != 2 {
				t.Errorf("ListUploadedParts: %+v, %v", parts, err)
			}
			if _, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{p1, p2}); err != nil {
				t.Fatalf("CompleteMultipartUpload: %v", err)
			}
			if got, ok := srv.Object("compat", "multi"); !ok || string(got) != string(first)+"end" {
				t.Errorf("multipart object of %d bytes", len(got))
			}

			if d, err := b.DeleteObjects([]string{"copy", "multi"}); err != nil || len(d.DeletedObjects) != 2 {
				t.Errorf("DeleteObjects: %+v, %v", d, err)
			}
			if err := b.DeleteObject("log"); err != nil {
				t.Errorf("DeleteObject: %v", err)
			}
			if ok, err := b.IsObjectExist("log"); err != nil || ok {
				t.Errorf("IsObjectExist after a delete: %v, %v", ok, err)
			}
		})
	}
}

// TestPresigned sends requests signed in the URL by the older SDK.
func TestPresigned(t *testing.T) {
	for _, sig := range signatures {
		t.Run(sig.name, func(t *testing.T) {
			srv, _, b := newBucket(t, sig.auth)
			sign := func(key string, method oss.HTTPMethod, options ...oss.Option) string {
				t.Helper()
				u, err := b.SignURL(key, method, 60, options...)
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			send := func(method, url string, body io.Reader) *http.Response {
				t.Helper()
				req, err := http.NewRequest(method, url, body)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp
			}

			if err := b.PutObjectWithURL(sign("signed", oss.HTTPPut), strings.NewReader("presigned")); err != nil {
				t.Fatalf("PutObjectWithURL: %v", err)
			}
			r, err := b.GetObjectWithURL(sign("signed", oss.HTTPGet))
			if got := readAll(t, r, err); got != "presigned" {
				t.Errorf("GetObjectWithURL: %q", got)
			}
			r, err = b.GetObjectWithURL(sign("signed", oss.HTTPGet, oss.Range(3, 5)), oss.Range(3, 5))
			if got := readAll(t, r, err); got != "sig" {
				t.Errorf("GetObjectWithURL with a range: %q", got)
			}
			r, err = b.GetObjectWithURL(sign("signed", oss.HTTPGet, oss.ResponseContentType("text/x-signed")))
			if got := readAll(t, r, err); got != "presigned" {
				t.Errorf("GetObjectWithURL with a response override: %q", got)
			}
			if resp := send("HEAD", sign("signed", oss.HTTPHead), nil); resp.StatusCode != 200 || resp.ContentLength != 9 {
				t.Errorf("presigned HEAD: %d, length %d", resp.StatusCode, resp.ContentLength)
			}

			for i, part := range []string{"one,", "two"} {
				pos := strconv.Itoa(4 * i)
				u := sign("plog", oss.HTTPPost, oss.AddParam("append", ""), oss.AddParam("position", pos))
				if resp := send("POST", u, strings.NewReader(part)); resp.StatusCode != 200 {
					t.Fatalf("presigned append at %s: %d", pos, resp.StatusCode)
				}
			}
			if got, ok := srv.Object("compat", "plog"); !ok || string(got) != "one,two" {
				t.Errorf("appendable object holds %q", got)
			}

			if resp := send("DELETE", sign("signed", oss.HTTPDelete), nil); resp.StatusCode != 204 {
				t.Errorf("presigned DELETE: %d", resp.StatusCode)
			}
			if _, ok := srv.Object("compat", "signed"); ok {
				t.Error("the object is still there")
			}

			// A URL signed for one object opens no other.
			u := strings.Replace(sign("plog", oss.HTTPGet), "/plog?", "/signed?", 1)
			if resp := send("GET", u, nil); resp.StatusCode != 403 {
				t.Errorf("a tampered URL got %d", resp.StatusCode)
			}
		})
	}
}
