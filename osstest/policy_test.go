package osstest

import (
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// clientAs returns a client of s that signs with another key pair.
func clientAs(s *Server, id, secret string) *oss.Client {
	return oss.NewClient(s.Config().WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)))
}

// wantDenied checks that err is OSS's refusal of action to a RAM user.
func wantDenied(t *testing.T, err error, action string) {
	t.Helper()
	se := wantCode(t, err, 403, "AccessDenied")
	if se.EC != "0003-00000001" || !strings.Contains(string(se.Snapshot), "<AuthAction>"+action+"</AuthAction>") {
		t.Errorf("EC %q, body %s; want the action %s named", se.EC, se.Snapshot, action)
	}
}

// TestLimitedCredentials: a key pair allowed some actions gets exactly
// those; the server's own key pair keeps every right.
func TestLimitedCredentials(t *testing.T) {
	s, c, b := newBucket(t,
		WithLimitedCredentials("writer", "writer-secret", "oss:PutObject", "oss:GetObject"),
		WithLimitedCredentials("lister", "lister-secret", "oss:ListObjects"),
		WithLimitedCredentials("admin", "admin-secret", "oss:*"))
	w := clientAs(s, "writer", "writer-secret")
	if _, err := appendAt(w, b, "log", 0, "abc"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.HeadObject(ctx, headReq(b, "log")); err != nil {
		t.Fatal(err)
	}
	_, err := w.HeadObject(ctx, headReq(b, "missing"), noRetry)
	wantCode(t, err, 404, "NoSuchKey")

	_, err = w.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(b)}, noRetry)
	wantDenied(t, err, "oss:ListObjects")
	_, err = w.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(3))}, noRetry)
	wantDenied(t, err, "oss:SealAppendObject")
	_, err = w.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log")}, noRetry)
	wantDenied(t, err, "oss:DeleteObject")
	// Tags on an upload need their own action.
	_, err = w.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("tagged"), Position: oss.Ptr(int64(0)),
		Body: strings.NewReader("x"), Tagging: oss.Ptr("k=v")}, noRetry)
	wantDenied(t, err, "oss:PutObjectTagging")
	if _, ok := s.Object(b, "tagged"); ok {
		t.Error("a refused append created its object")
	}

	// Without oss:GetObject, HeadObject of a missing key is 403, not 404:
	// the right is checked before the key is looked for.
	l := clientAs(s, "lister", "lister-secret")
	_, err = l.HeadObject(ctx, headReq(b, "missing"), noRetry)
	wantCode(t, err, 403, "AccessDenied")
	if _, err := l.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(b)}); err != nil {
		t.Fatal(err)
	}
	_, err = appendAt(l, b, "log", 3, "def", noRetry)
	wantDenied(t, err, "oss:PutObject")

	// The server's own key pair, and a pair allowed "oss:*", may do anything.
	for _, cl := range []*oss.Client{c, clientAs(s, "admin", "admin-secret")} {
		if _, err := cl.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(3))}); err != nil {
			t.Fatal(err)
		}
	}
	// A limited key pair is checked like any: a wrong secret does not pass.
	_, err = clientAs(s, "writer", "wrong").HeadObject(ctx, headReq(b, "log"), noRetry)
	wantCode(t, err, 403, "SignatureDoesNotMatch")
	if got := objectText(t, s, b, "log"); got != "abc" {
		t.Errorf("object holds %q", got)
	}
}
