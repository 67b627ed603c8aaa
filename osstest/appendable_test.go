package osstest

import (
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestWithoutSeal: most accounts have no SealAppendObject; OSS answers it
// with 400 OperationNotSupported and seals nothing.
func TestWithoutSeal(t *testing.T) {
	s, c, b := newBucket(t, WithoutSeal())
	if _, err := appendAt(c, b, "log", 0, "abc"); err != nil {
		t.Fatal(err)
	}
	_, err := c.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(3))}, noRetry)
	se := wantCode(t, err, 400, "OperationNotSupported")
	if se.Message != "SealAppendable is not supported" || se.EC != "0016-00000513" {
		t.Errorf("message %q, EC %q", se.Message, se.EC)
	}
	h, err := c.HeadObject(ctx, headReq(b, "log"))
	if err != nil {
		t.Fatal(err)
	}
	if v := h.Headers.Get("x-oss-sealed-time"); v != "" {
		t.Errorf("the object was sealed at %s", v)
	}
	if _, err := appendAt(c, b, "log", 3, "def"); err != nil {
		t.Fatalf("the object takes no appends after the refused seal: %v", err)
	}
	if got := objectText(t, s, b, "log"); got != "abcdef" {
		t.Errorf("object holds %q", got)
	}
}

// TestAppendRefusedCreateOptions: OSS creates no appendable object of the
// cold archive classes, nor one encrypted with a KMS key of the user's.
func TestAppendRefusedCreateOptions(t *testing.T) {
	s, c, b := newBucket(t)
	for _, tc := range []struct {
		name string
		req  *oss.AppendObjectRequest
		ec   string
	}{
		{"ColdArchive", &oss.AppendObjectRequest{StorageClass: oss.StorageClassColdArchive}, "0016-00000503"},
		{"DeepColdArchive", &oss.AppendObjectRequest{StorageClass: oss.StorageClassDeepColdArchive}, ""},
		{"KMS key", &oss.AppendObjectRequest{ServerSideEncryption: oss.Ptr("KMS"), ServerSideEncryptionKeyId: oss.Ptr("my-key")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Bucket, tc.req.Key, tc.req.Position, tc.req.Body = oss.Ptr(b), oss.Ptr("k"), oss.Ptr(int64(0)), strings.NewReader("x")
			_, err := c.AppendObject(ctx, tc.req, noRetry)
			se := wantCode(t, err, 400, "InvalidArgument")
			if se.EC != tc.ec {
				t.Errorf("EC %q, want %q", se.EC, tc.ec)
			}
			if _, ok := s.Object(b, "k"); ok {
				t.Error("the refused append created the object")
			}
		})
	}
	// Archive is allowed, and so is a cold class for a normal object.
	if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("archive"), Position: oss.Ptr(int64(0)),
		Body: strings.NewReader("x"), StorageClass: oss.StorageClassArchive}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("cold"), Body: strings.NewReader("x"),
		StorageClass: oss.StorageClassColdArchive}); err != nil {
		t.Fatal(err)
	}

	// A bucket whose storage class is ColdArchive makes appends refused too.
	if err := s.ConfigureBucket(b, BucketConfig{StorageClass: "ColdArchive"}); err != nil {
		t.Fatal(err)
	}
	_, err := appendAt(c, b, "k", 0, "x", noRetry)
	wantCode(t, err, 400, "InvalidArgument")
	// Unless the append names another class.
	if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Position: oss.Ptr(int64(0)),
		Body: strings.NewReader("x"), StorageClass: oss.StorageClassStandard}); err != nil {
		t.Fatal(err)
	}
}

// TestMaxAppendableSize: an append that would take an appendable object
// past its limit is refused and changes nothing; the object takes appends
// that stay within it, and the limit is not PutObject's.
func TestMaxAppendableSize(t *testing.T) {
	s, c, b := newBucket(t, WithMaxAppendableSize(10))
	if _, err := appendAt(c, b, "log", 0, "123456"); err != nil {
		t.Fatal(err)
	}
	_, err := appendAt(c, b, "log", 6, "78901", noRetry)
	wantCode(t, err, 400, "EntityTooLarge")
	if _, err := appendAt(c, b, "log", 6, "7890"); err != nil {
		t.Fatalf("an append up to the limit: %v", err)
	}
	_, err = appendAt(c, b, "log", 10, "x", noRetry)
	wantCode(t, err, 400, "EntityTooLarge")
	if got := objectText(t, s, b, "log"); got != "1234567890" {
		t.Errorf("object holds %q", got)
	}
	_, err = appendAt(c, b, "new", 0, strings.Repeat("x", 11), noRetry)
	wantCode(t, err, 400, "EntityTooLarge")
	put(t, c, b, "normal", strings.Repeat("x", 100))
}

// TestLaterAppendSetsACL: the x-oss-object-acl of a later append changes
// the object's ACL, as OSS does; its other headers are ignored.
func TestLaterAppendSetsACL(t *testing.T) {
	_, c, b := newBucket(t)
	if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(0)),
		Body: strings.NewReader("a"), Acl: oss.ObjectACLPrivate}); err != nil {
		t.Fatal(err)
	}
	aclOf := func() string {
		t.Helper()
		r, err := c.GetObjectAcl(ctx, &oss.GetObjectAclRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log")})
		if err != nil {
			t.Fatal(err)
		}
		return oss.ToString(r.ACL)
	}
	if got := aclOf(); got != "private" {
		t.Fatalf("ACL %q after the first append", got)
	}
	if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(1)),
		Body: strings.NewReader("b"), Acl: oss.ObjectACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if got := aclOf(); got != "public-read" {
		t.Errorf("ACL %q after a later append asked for public-read", got)
	}
	if _, err := appendAt(c, b, "log", 2, "c"); err != nil {
		t.Fatal(err)
	}
	if got := aclOf(); got != "public-read" {
		t.Errorf("ACL %q after an append that names none", got)
	}
	_, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(3)),
		Body: strings.NewReader("d"), Acl: oss.ObjectACLType("everyone")}, noRetry)
	wantCode(t, err, 400, "InvalidArgument")
}
