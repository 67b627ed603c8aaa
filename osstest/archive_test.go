package osstest

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func getText(c *oss.Client, bucket, key string, optFns ...func(*oss.Options)) (string, error) {
	g, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}, optFns...)
	if err != nil {
		return "", err
	}
	defer g.Body.Close()
	b, err := io.ReadAll(g.Body)
	return string(b), err
}

// TestArchiveObjects: an Archive object, by its upload or by its bucket's
// class, answers GetObject with 403 InvalidObjectState until it is
// restored; HeadObject works and says the class and the restore.
func TestArchiveObjects(t *testing.T) {
	s, c, b := newBucket(t)
	if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(0)),
		Body: strings.NewReader("archived"), StorageClass: oss.StorageClassArchive}); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfigureBucket(b, BucketConfig{StorageClass: "Archive"}); err != nil {
		t.Fatal(err)
	}
	put(t, c, b, "by-bucket", "archived too")
	for _, key := range []string{"log", "by-bucket"} {
		_, err := getText(c, b, key, noRetry)
		wantCode(t, err, 403, "InvalidObjectState")
		h, err := c.HeadObject(ctx, headReq(b, key))
		if err != nil {
			t.Fatal(err)
		}
		if h.Headers.Get("x-oss-storage-class") != "Archive" || h.Headers.Get("x-oss-restore") != "" {
			t.Errorf("%s: class %q, restore %q", key, h.Headers.Get("x-oss-storage-class"), h.Headers.Get("x-oss-restore"))
		}
	}
	r, err := c.RestoreObject(ctx, &oss.RestoreObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log")})
	if err != nil || r.StatusCode != 202 {
		t.Fatalf("RestoreObject: %v, %v", r, err)
	}
	if got, err := getText(c, b, "log"); err != nil || got != "archived" {
		t.Fatalf("GetObject after the restore: %q, %v", got, err)
	}
	h, err := c.HeadObject(ctx, headReq(b, "log"))
	if err != nil {
		t.Fatal(err)
	}
	if v := h.Headers.Get("x-oss-restore"); !strings.HasPrefix(v, `ongoing-request="false", expiry-date="`) {
		t.Errorf("x-oss-restore %q", v)
	}
	// Restoring a restored object is no error; a Standard one has nothing
	// to restore.
	if r, err := c.RestoreObject(ctx, &oss.RestoreObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log")}); err != nil || r.StatusCode != 200 {
		t.Errorf("RestoreObject again: %v, %v", r, err)
	}
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("std"), Body: strings.NewReader("x"),
		StorageClass: oss.StorageClassStandard}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RestoreObject(ctx, &oss.RestoreObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("std")}, noRetry)
	wantCode(t, err, 400, "OperationNotSupported")
}

// TestRestoreDelay: a restore takes time; meanwhile the object stays
// unreadable and a second restore is refused.
func TestRestoreDelay(t *testing.T) {
	s, c, b := newBucket(t, WithRestoreDelay(time.Hour))
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Body: strings.NewReader("v"),
		StorageClass: oss.StorageClassArchive}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RestoreObject(ctx, &oss.RestoreObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}); err != nil {
		t.Fatal(err)
	}
	h, err := c.HeadObject(ctx, headReq(b, "k"))
	if err != nil {
		t.Fatal(err)
	}
	if v := h.Headers.Get("x-oss-restore"); v != `ongoing-request="true"` {
		t.Errorf("x-oss-restore %q", v)
	}
	_, err = getText(c, b, "k", noRetry)
	wantCode(t, err, 403, "InvalidObjectState")
	_, err = c.RestoreObject(ctx, &oss.RestoreObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}, noRetry)
	wantCode(t, err, 409, "RestoreAlreadyInProgress")

	// An hour later by the server's clock (the client corrects its own).
	s.SetClockOffset(time.Hour + time.Minute)
	if got, err := getText(c, b, "k", quickRetry); err != nil || got != "v" {
		t.Fatalf("GetObject once restored: %q, %v", got, err)
	}
}
