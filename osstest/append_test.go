package osstest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func TestAppendObject(t *testing.T) {
	s, c, b := newBucket(t)
	var content string
	crc := "0"
	for i, part := range []string{"hello", ", ", "appendable", "", " world"} {
		r, err := c.AppendObject(ctx, &oss.AppendObjectRequest{
			Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(len(content))),
			Body: strings.NewReader(part), InitHashCRC64: oss.Ptr(crc), // the SDK checks the server's CRC
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		content += part
		if r.NextPosition != int64(len(content)) {
			t.Errorf("append %d: next position %d, want %d", i, r.NextPosition, len(content))
		}
		if want := strconv.FormatUint(crcOf(content), 10); oss.ToString(r.HashCRC64) != want {
			t.Errorf("append %d: CRC %s, want %s", i, oss.ToString(r.HashCRC64), want)
		}
		crc = oss.ToString(r.HashCRC64)
	}
	if got := objectText(t, s, b, "log"); got != content {
		t.Errorf("object holds %q, want %q", got, content)
	}

	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log")})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"x-oss-object-type":          "Appendable",
		"x-oss-next-append-position": strconv.Itoa(len(content)),
		"x-oss-hash-crc64ecma":       strconv.FormatUint(crcOf(content), 10),
		"Content-Length":             strconv.Itoa(len(content)),
		"Content-Type":               "application/octet-stream",
		"x-oss-storage-class":        "Standard",
	} {
		if got := h.Headers.Get(name); got != want {
			t.Errorf("HeadObject %s = %q, want %q", name, got, want)
		}
	}
	if h.ETag == nil || h.LastModified == nil || h.Headers.Get("x-oss-request-id") == "" {
		t.Errorf("HeadObject lacks ETag, Last-Modified or request ID: %v", h.Headers)
	}
}

func TestAppendObjectErrors(t *testing.T) {
	s, c, b := newBucket(t, WithMaxObjectSize(10))
	if _, err := appendAt(c, b, "app", 0, "12345"); err != nil {
		t.Fatal(err)
	}
	put(t, c, b, "normal", "x")
	sealed := "sealed"
	if _, err := appendAt(c, b, sealed, 0, "ab"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr(sealed), Position: oss.Ptr(int64(2))}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, bucket, key string
		pos               int64
		body              string
		status            int
		code, ec          string
		next              string // x-oss-next-append-position of the error, if any
	}{
		{"behind", b, "app", 0, "x", 409, "PositionNotEqualToLength", "0026-00000016", "5"},
		{"ahead", b, "app", 7, "x", 409, "PositionNotEqualToLength", "0026-00000016", "5"},
		{"missing object", b, "nothing", 3, "x", 409, "PositionNotEqualToLength", "0026-00000016", "0"},
		{"normal object", b, "normal", 1, "x", 409, "ObjectNotAppendable", "0026-00000017", ""},
		{"sealed object", b, sealed, 2, "x", 409, "ObjectNotAppendable", "0026-00000017", ""},
		{"too large", b, "app", 5, "123456", 400, "EntityTooLarge", "", ""},
		{"negative position", b, "app", -1, "x", 400, "InvalidArgument", "0016-00000502", ""},
		{"no bucket", "no-such-bucket", "app", 0, "x", 404, "NoSuchBucket", "0015-00000101", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := appendAt(c, tc.bucket, tc.key, tc.pos, tc.body, noRetry)
			se := wantCode(t, err, tc.status, tc.code)
			if se.EC != tc.ec {
				t.Errorf("EC %q, want %q", se.EC, tc.ec)
			}
			if got := se.Headers.Get("x-oss-next-append-position"); got != tc.next {
				t.Errorf("x-oss-next-append-position %q, want %q", got, tc.next)
			}
			if se.Headers.Get("Content-Type") != "application/xml" {
				t.Errorf("Content-Type %q, want application/xml", se.Headers.Get("Content-Type"))
			}
		})
	}
	// Nothing of the refused appends was applied.
	for key, want := range map[string]string{"app": "12345", "normal": "x", sealed: "ab"} {
		if got := objectText(t, s, b, key); got != want {
			t.Errorf("%s holds %q, want %q", key, got, want)
		}
	}
	if _, ok := s.Object(b, "nothing"); ok {
		t.Error("a refused append created an object")
	}
}

func TestAppendObjectMissingPosition(t *testing.T) {
	_, c, b := newBucket(t)
	_, err := c.InvokeOperation(ctx, &oss.OperationInput{
		OpName: "AppendObject", Method: "POST", Bucket: oss.Ptr(b), Key: oss.Ptr("k"),
		Parameters: map[string]string{"append": ""}, Body: strings.NewReader("x"),
	}, noRetry)
	if se := wantCode(t, err, 400, "MissingArgument"); se.EC != "0016-00000501" {
		t.Errorf("EC %q", se.EC)
	}
}

func TestAppendObjectCreateHeaders(t *testing.T) {
	_, c, b := newBucket(t)
	first := &oss.AppendObjectRequest{
		Bucket: oss.Ptr(b), Key: oss.Ptr("doc"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("abc"),
		ContentType: oss.Ptr("text/plain"), CacheControl: oss.Ptr("no-cache"),
		ContentDisposition: oss.Ptr("attachment"), ContentEncoding: oss.Ptr("identity"),
		Expires: oss.Ptr("Wed, 21 Oct 2015 07:28:00 GMT"), Metadata: map[string]string{"user": "jack"},
		Acl: oss.ObjectACLPrivate, StorageClass: oss.StorageClassIA, Tagging: oss.Ptr("k1=v1&k2=v2"),
	}
	if _, err := c.AppendObject(ctx, first); err != nil {
		t.Fatal(err)
	}
	// A later append's headers are ignored.
	if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr(b), Key: oss.Ptr("doc"), Position: oss.Ptr(int64(3)), Body: strings.NewReader("def"),
		ContentType: oss.Ptr("image/png"), CacheControl: oss.Ptr("max-age=1"), Metadata: map[string]string{"user": "jill"},
		StorageClass: oss.StorageClassArchive, Tagging: oss.Ptr("k3=v3"),
	}); err != nil {
		t.Fatal(err)
	}
	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("doc")})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"Content-Type":        "text/plain",
		"Cache-Control":       "no-cache",
		"Content-Disposition": "attachment",
		"Content-Encoding":    "identity",
		"Expires":             "Wed, 21 Oct 2015 07:28:00 GMT",
		"x-oss-meta-user":     "jack",
		"x-oss-storage-class": "IA",
		"x-oss-tagging-count": "2",
		"Content-Length":      "6",
	} {
		if got := h.Headers.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	acl, err := c.GetObjectAcl(ctx, &oss.GetObjectAclRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("doc")})
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(acl.ACL) != "private" {
		t.Errorf("ACL %q, want private", oss.ToString(acl.ACL))
	}
}

func TestAppendObjectEncryption(t *testing.T) {
	_, c, b := newBucket(t)
	r, err := c.AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr(b), Key: oss.Ptr("kms"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("x"),
		ServerSideEncryption: oss.Ptr("KMS"), ServerSideDataEncryption: oss.Ptr("SM4"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(r.ServerSideEncryption) != "KMS" || oss.ToString(r.ServerSideDataEncryption) != "SM4" || oss.ToString(r.ServerSideEncryptionKeyId) == "" {
		t.Errorf("encryption headers %v", r.Headers)
	}
	// Appendable objects take no CMK ID.
	_, err = c.AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr(b), Key: oss.Ptr("kms-id"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("x"),
		ServerSideEncryption: oss.Ptr("KMS"), ServerSideEncryptionKeyId: oss.Ptr("my-key"),
	}, noRetry)
	wantCode(t, err, 400, "InvalidArgument")
	// An append to an object made without encryption does not add it.
	if _, err := appendAt(c, b, "plain", 0, "x"); err != nil {
		t.Fatal(err)
	}
	r, err = c.AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr(b), Key: oss.Ptr("plain"), Position: oss.Ptr(int64(1)), Body: strings.NewReader("y"),
		ServerSideEncryption: oss.Ptr("KMS"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.ServerSideEncryption != nil {
		t.Errorf("append to a plain object reports encryption %q", *r.ServerSideEncryption)
	}
}

func TestPutObjectMakesAppendableNormal(t *testing.T) {
	s, c, b := newBucket(t)
	if _, err := appendAt(c, b, "k", 0, "abc"); err != nil {
		t.Fatal(err)
	}
	put(t, c, b, "k", "new")
	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(h.ObjectType) != "Normal" || h.NextAppendPosition != nil {
		t.Errorf("type %q, next position %v; want Normal and none", oss.ToString(h.ObjectType), h.NextAppendPosition)
	}
	_, err = appendAt(c, b, "k", 3, "d", noRetry)
	wantCode(t, err, 409, "ObjectNotAppendable")
	if got := objectText(t, s, b, "k"); got != "new" {
		t.Errorf("object holds %q", got)
	}
}

func TestAppendObjectContentMD5(t *testing.T) {
	_, c, b := newBucket(t)
	_, err := c.AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("abc"),
		ContentMD5: oss.Ptr("1B2M2Y8AsgTpgAmY7PhCfg=="), // the MD5 of nothing
	}, noRetry)
	wantCode(t, err, 400, "InvalidDigest")
}

func TestSealAppendObject(t *testing.T) {
	_, c, b := newBucket(t)
	seal := func(key string, pos int64) (*oss.SealAppendObjectResult, error) {
		return c.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr(key), Position: oss.Ptr(pos)}, noRetry)
	}
	if _, err := appendAt(c, b, "k", 0, "abc"); err != nil {
		t.Fatal(err)
	}
	_, err := seal("k", 1)
	if se := wantCode(t, err, 409, "PositionNotEqualToLength"); se.Headers.Get("x-oss-next-append-position") != "3" {
		t.Errorf("next position %q", se.Headers.Get("x-oss-next-append-position"))
	}
	r, err := seal("k", 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.SealedTime == nil || *r.SealedTime == "" {
		t.Fatal("no x-oss-sealed-time")
	}
	again, err := seal("k", 3)
	if err != nil {
		t.Fatal(err)
	}
	if *again.SealedTime != *r.SealedTime {
		t.Errorf("sealing again changed the time: %q then %q", *r.SealedTime, *again.SealedTime)
	}
	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
	if err != nil {
		t.Fatal(err)
	}
	if h.Headers.Get("x-oss-sealed-time") != *r.SealedTime {
		t.Errorf("HeadObject x-oss-sealed-time %q, want %q", h.Headers.Get("x-oss-sealed-time"), *r.SealedTime)
	}
	_, err = appendAt(c, b, "k", 3, "d", noRetry)
	wantCode(t, err, 409, "ObjectNotAppendable")

	put(t, c, b, "normal", "x")
	_, err = seal("normal", 1)
	wantCode(t, err, 409, "ObjectNotAppendable")
	_, err = seal("missing", 0)
	wantCode(t, err, 404, "NoSuchKey")
	_, err = c.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr("no-such-bucket"), Key: oss.Ptr("k"), Position: oss.Ptr(int64(0))}, noRetry)
	wantCode(t, err, 404, "NoSuchBucket")
}

// TestAppendRace sends appends for one position at once: exactly one wins
// and the others get PositionNotEqualToLength.
func TestAppendRace(t *testing.T) {
	s, c, b := newBucket(t)
	const n = 16
	var content string
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		results := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = appendAt(c, b, "race", int64(len(content)), fmt.Sprintf("<%d.%02d>", round, i), noRetry)
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range results {
			if err == nil {
				if winner >= 0 {
					t.Fatalf("round %d: appends %d and %d both won", round, winner, i)
				}
				winner = i
				continue
			}
			wantCode(t, err, http.StatusConflict, "PositionNotEqualToLength")
		}
		if winner < 0 {
			t.Fatalf("round %d: no append won", round)
		}
		content += fmt.Sprintf("<%d.%02d>", round, winner)
		if got := objectText(t, s, b, "race"); got != content {
			t.Fatalf("round %d: object holds %q, want %q", round, got, content)
		}
	}
}

// TestAppendFile drives the SDK's AppendOnlyFile, which appends with
// Write and reads the object's state with HeadObject.
func TestAppendFile(t *testing.T) {
	s, c, b := newBucket(t)
	f, err := c.AppendFile(ctx, b, "file.log", func(o *oss.AppendOptions) {
		o.CreateParameter = &oss.AppendObjectRequest{Metadata: map[string]string{"user": "jack"}, Tagging: oss.Ptr("k=v")}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"hello", " ", "world"} {
		if _, err := f.Write([]byte(w)); err != nil {
			t.Fatal(err)
		}
	}
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	h := info.Sys().(http.Header)
	if info.Size() != 11 || h.Get("x-oss-meta-user") != "jack" || h.Get("x-oss-tagging-count") != "1" {
		t.Errorf("size %d, headers %v", info.Size(), h)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := objectText(t, s, b, "file.log"); got != "hello world" {
		t.Errorf("object holds %q", got)
	}
	// Reopening a normal object as an appendable file fails.
	put(t, c, b, "normal", "x")
	if _, err := c.AppendFile(ctx, b, "normal"); err == nil {
		t.Error("AppendFile opened a normal object")
	}
}
