package osstest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	s := NewServer(WithDir(dir))
	c := s.Client()
	const b = "durable"
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(b), Acl: oss.BucketACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("normal"), Body: strings.NewReader("whole"),
		Metadata: map[string]string{"m": "1"}, ContentType: oss.Ptr("text/x-test"), Tagging: oss.Ptr("t=1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(0)),
		Body: strings.NewReader("one,"), CacheControl: oss.Ptr("no-cache")}); err != nil {
		t.Fatal(err)
	}
	if _, err := appendAt(c, b, "log", 4, "two,"); err != nil {
		t.Fatal(err)
	}
	if _, err := appendAt(c, b, "sealed", 0, "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("sealed"), Position: oss.Ptr(int64(4))}); err != nil {
		t.Fatal(err)
	}
	put(t, c, b, "deleted", "x")
	put(t, c, b, "replaced", "old")
	put(t, c, b, "replaced", "new")
	if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("deleted")}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr("gone")}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = newServer(t, WithDir(dir))
	c = s.Client()
	for key, want := range map[string]string{"normal": "whole", "log": "one,two,", "sealed": "done", "replaced": "new"} {
		if got := objectText(t, s, b, key); got != want {
			t.Errorf("%s holds %q after a restart, want %q", key, got, want)
		}
	}
	if _, ok := s.Object(b, "deleted"); ok {
		t.Error("a deleted object came back")
	}
	if exists, _ := c.IsBucketExist(ctx, "gone"); exists {
		t.Error("a deleted bucket came back")
	}
	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("normal")})
	if err != nil || h.Metadata["m"] != "1" || oss.ToString(h.ContentType) != "text/x-test" || h.TaggingCount != 1 {
		t.Errorf("normal object after a restart: %v, %v", h, err)
	}
	h, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log")})
	if err != nil || oss.ToString(h.NextAppendPosition) != "8" || oss.ToString(h.CacheControl) != "no-cache" {
		t.Errorf("appendable object after a restart: %v, %v", h, err)
	}
	acl, err := c.GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: oss.Ptr(b)})
	if err != nil || oss.ToString(acl.ACL) != "public-read" {
		t.Errorf("bucket ACL after a restart: %v, %v", acl, err)
	}
	// Appends go on where they stopped, with the CRC of the whole object.
	r, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(8)),
		Body: strings.NewReader("three"), InitHashCRC64: h.HashCRC64})
	if err != nil || r.NextPosition != 13 {
		t.Fatalf("append after a restart: %v, %v", r, err)
	}
	_, err = appendAt(c, b, "sealed", 4, "more", noRetry)
	wantCode(t, err, 409, "ObjectNotAppendable")
}

// TestPersistenceTornAppend simulates a crash in the middle of an append:
// bytes reached the data file but the new length was never recorded. After
// a restart the object is as it was before that append.
func TestPersistenceTornAppend(t *testing.T) {
	dir := t.TempDir()
	s := NewServer(WithDir(dir))
	c := s.Client()
	const b = "torn"
	if err := s.CreateBucket(b); err != nil {
		t.Fatal(err)
	}
	if _, err := appendAt(c, b, "log", 0, "acknowledged"); err != nil {
		t.Fatal(err)
	}
	put(t, c, b, "bad", "0123456789")
	s.Close()

	objects := filepath.Join(dir, b, objectsDir)
	datas, _ := filepath.Glob(filepath.Join(objects, keyHash("log")+"-*.data"))
	if len(datas) != 1 {
		t.Fatalf("data files of log: %v", datas)
	}
	f, err := os.OpenFile(datas[0], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("-torn-tail"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// A data file that lost bytes it had recorded is damaged: it is not
	// served (TestFlippedByte and others tell what becomes of it).
	bad, _ := filepath.Glob(filepath.Join(objects, keyHash("bad")+"-*.data"))
	if len(bad) != 1 || os.Truncate(bad[0], 3) != nil {
		t.Fatalf("cannot damage %v", bad)
	}
	// A record cut short is removed; a data file no record names is moved
	// aside.
	for _, name := range []string{".tmp-123", keyHash("orphan") + "-1.data"} {
		if err := os.WriteFile(filepath.Join(objects, name), []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	s = newServer(t, WithDir(dir))
	c = s.Client()
	if got := objectText(t, s, b, "log"); got != "acknowledged" {
		t.Errorf("after a torn append the object holds %q", got)
	}
	if _, ok := s.Object(b, "bad"); ok {
		t.Error("a damaged object is served")
	}
	for _, name := range []string{".tmp-123", keyHash("orphan") + "-1.data"} {
		if _, err := os.Stat(filepath.Join(objects, name)); !os.IsNotExist(err) {
			t.Errorf("%s was left among the objects: %v", name, err)
		}
	}
	if _, err := appendAt(c, b, "log", 12, "+next"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = newServer(t, WithDir(dir))
	if got := objectText(t, s, b, "log"); got != "acknowledged+next" {
		t.Errorf("object holds %q", got)
	}
}

func TestStartErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Start(WithDir(filepath.Join(file, "sub"))); err == nil {
		s.Close()
		t.Error("Start accepted a directory under a file")
	}
	if s, err := Start(WithAddr("256.0.0.1:0")); err == nil {
		s.Close()
		t.Error("Start accepted a bad address")
	}
	if s, err := Start(WithMaxObjectSize(-1)); err == nil {
		s.Close()
		t.Error("Start accepted a negative size")
	}
	defer func() {
		if recover() == nil {
			t.Error("NewServer did not panic")
		}
	}()
	NewServer(WithAddr("256.0.0.1:0"))
}
