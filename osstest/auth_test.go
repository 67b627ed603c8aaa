package osstest

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

func TestSignatureVersions(t *testing.T) {
	for _, v := range []oss.SignatureVersionType{oss.SignatureVersionV1, oss.SignatureVersionV4} {
		t.Run(map[oss.SignatureVersionType]string{oss.SignatureVersionV1: "v1", oss.SignatureVersionV4: "v4"}[v], func(t *testing.T) {
			s := newServer(t)
			c := oss.NewClient(s.Config().WithSignatureVersion(v).WithAdditionalHeaders([]string{"x-custom"}))
			if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("sig-bucket")}); err != nil {
				t.Fatal(err)
			}
			key := "dir/a key+with=odd&chars?日本"
			if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("sig-bucket"), Key: oss.Ptr(key),
				Body: strings.NewReader("x"), Metadata: map[string]string{"a": " padded "},
				RequestCommon: oss.RequestCommon{Headers: map[string]string{"x-custom": "1"}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := appendAt(c, "sig-bucket", "log", 0, "a"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr("sig-bucket"), Key: oss.Ptr("log"), Position: oss.Ptr(int64(1))}); err != nil {
				t.Fatal(err)
			}
			g, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("sig-bucket"), Key: oss.Ptr(key),
				ResponseContentDisposition: oss.Ptr("attachment; filename=\"a b\"")})
			if err != nil {
				t.Fatal(err)
			}
			g.Body.Close()
			if _, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("sig-bucket"), Prefix: oss.Ptr("dir/a key")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr("sig-bucket"),
				Objects: []oss.DeleteObject{{Key: oss.Ptr(key)}, {Key: oss.Ptr("log")}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ListBuckets(ctx, &oss.ListBucketsRequest{Prefix: oss.Ptr("sig")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetObjectMeta(ctx, &oss.GetObjectMetaRequest{Bucket: oss.Ptr("sig-bucket"), Key: oss.Ptr("gone")}); err == nil {
				t.Fatal("a deleted object is still there")
			}
		})
	}
}

func TestBadCredentials(t *testing.T) {
	const secret = "the-real-secret-value"
	s := newServer(t, WithCredentials("my-id", secret), WithRegion("cn-shanghai"))
	if err := s.CreateBucket("creds"); err != nil {
		t.Fatal(err)
	}
	client := func(id, sk, region string, v oss.SignatureVersionType) *oss.Client {
		return oss.NewClient(oss.NewConfig().WithEndpoint(s.Endpoint()).WithRegion(region).WithSignatureVersion(v).
			WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, sk)))
	}
	for _, tc := range []struct {
		name           string
		c              *oss.Client
		status         int
		code, ec       string
		bucketFirstHit bool
	}{
		{"wrong secret v4", client("my-id", "wrong", "cn-shanghai", oss.SignatureVersionV4), 403, "SignatureDoesNotMatch", "0002-00000040", false},
		{"wrong secret v1", client("my-id", "wrong", "cn-shanghai", oss.SignatureVersionV1), 403, "SignatureDoesNotMatch", "0002-00000040", false},
		{"unknown id v4", client("other-id", secret, "cn-shanghai", oss.SignatureVersionV4), 403, "InvalidAccessKeyId", "0002-00000902", false},
		{"unknown id v1", client("other-id", secret, "cn-shanghai", oss.SignatureVersionV1), 403, "InvalidAccessKeyId", "0002-00000902", false},
		{"wrong region", client("my-id", secret, "cn-beijing", oss.SignatureVersionV4), 400, "InvalidArgument", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("creds"), Key: oss.Ptr("k"), Body: strings.NewReader("x")}, noRetry)
			se := wantCode(t, err, tc.status, tc.code)
			if se.EC != tc.ec {
				t.Errorf("EC %q, want %q", se.EC, tc.ec)
			}
			if strings.Contains(string(se.Snapshot), secret) || strings.Contains(se.Error(), secret) {
				t.Error("the error reveals the secret")
			}
			// A missing bucket is reported before the credentials are checked, as OSS does.
			_, err = tc.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("no-such-bucket"), Key: oss.Ptr("k")}, noRetry)
			wantCode(t, err, 404, "NoSuchBucket")
		})
	}
	if _, ok := s.Object("creds", "k"); ok {
		t.Error("a refused request stored an object")
	}
}

func TestUnsignedRequests(t *testing.T) {
	s, c, b := newBucket(t)
	put(t, c, b, "k", "v")
	anonymous := oss.NewClient(s.Config().WithCredentialsProvider(credentials.NewAnonymousCredentialsProvider()))
	_, err := anonymous.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}, noRetry)
	wantCode(t, err, 403, "AccessDenied")
	_, err = anonymous.ListBuckets(ctx, &oss.ListBucketsRequest{}, noRetry)
	wantCode(t, err, 403, "AccessDenied")

	req, _ := http.NewRequest("GET", s.Endpoint()+"/"+b+"/k", nil)
	req.Header.Set("Authorization", "Bearer token")
	if status, _, body := do(t, req); status != 400 || !strings.Contains(body, "InvalidArgument") {
		t.Errorf("a bad Authorization header got %d %s", status, body)
	}

	// A request signed an hour ago is refused.
	req, _ = http.NewRequest("GET", s.Endpoint()+"/"+b+"/k", nil)
	id, secret := s.Credentials()
	sc := &signer.SigningContext{Product: oss.Ptr("oss"), Region: oss.Ptr(Region), Bucket: oss.Ptr(b), Key: oss.Ptr("k"), Request: req,
		Credentials: &credentials.Credentials{AccessKeyID: id, AccessKeySecret: secret}, Time: time.Now().Add(-time.Hour)}
	if err := (&signer.SignerV4{}).Sign(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if status, _, body := do(t, req); status != 403 || !strings.Contains(body, "RequestTimeTooSkewed") {
		t.Errorf("a stale request got %d %s", status, body)
	}
}

func TestAnonymous(t *testing.T) {
	s := newServer(t, WithAnonymous())
	anonymous := oss.NewClient(s.Config().WithCredentialsProvider(credentials.NewAnonymousCredentialsProvider()))
	if _, err := anonymous.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("open")}); err != nil {
		t.Fatal(err)
	}
	if _, err := appendAt(anonymous, "open", "k", 0, "v"); err != nil {
		t.Fatal(err)
	}
	if got := objectText(t, s, "open", "k"); got != "v" {
		t.Errorf("object holds %q", got)
	}
	// Signatures that are there are still checked.
	bad := oss.NewClient(s.Config().WithCredentialsProvider(credentials.NewStaticCredentialsProvider(AccessKeyID, "wrong")))
	_, err := bad.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("open"), Key: oss.Ptr("k")}, noRetry)
	wantCode(t, err, 403, "SignatureDoesNotMatch")
}

func TestSecurityToken(t *testing.T) {
	s, _, b := newBucket(t)
	c := oss.NewClient(s.Config().WithCredentialsProvider(credentials.NewStaticCredentialsProvider(AccessKeyID, AccessKeySecret, "sts-token")))
	put(t, c, b, "k", "v")
}

func TestPresignedURLs(t *testing.T) {
	s, c, b := newBucket(t)
	put(t, c, b, "k", "presigned")
	for _, v := range []oss.SignatureVersionType{oss.SignatureVersionV1, oss.SignatureVersionV4} {
		pc := oss.NewClient(s.Config().WithSignatureVersion(v))
		r, err := pc.Presign(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}, oss.PresignExpires(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(r.Method, r.URL, nil)
		if status, _, body := do(t, req); status != 200 || body != "presigned" {
			t.Errorf("version %v: got %d %q", v, status, body)
		}
		req, _ = http.NewRequest(r.Method, strings.Replace(r.URL, "/k?", "/other?", 1), nil)
		if status, _, body := do(t, req); status != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
			t.Errorf("version %v, tampered URL: got %d %s", v, status, body)
		}
		r, err = pc.Presign(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}, oss.PresignExpiration(time.Now().Add(-time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		// A V4 URL says how long it is valid from its date: the SDK makes
		// that negative, which is no valid lifetime.
		want := map[oss.SignatureVersionType]string{oss.SignatureVersionV1: "expired", oss.SignatureVersionV4: "x-oss-expires"}[v]
		req, _ = http.NewRequest(r.Method, r.URL, nil)
		if status, _, body := do(t, req); status != 403 || !strings.Contains(body, want) {
			t.Errorf("version %v, expired URL: got %d %s", v, status, body)
		}
	}
}

// TestVirtualHosted reaches the server with the bucket in the Host header.
func TestVirtualHosted(t *testing.T) {
	s, c, b := newBucket(t)
	put(t, c, b, "k", "virtual")
	_, port, _ := net.SplitHostPort(s.Addr().String())

	// The SDK uses virtual-hosted URLs for an endpoint that is a name; this
	// client resolves every name to the server.
	dialer := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, s.Addr().String())
	}}
	defer tr.CloseIdleConnections()
	for _, endpoint := range []string{"oss-test.internal", "localhost"} {
		vc := oss.NewClient(s.Config().WithEndpoint("http://" + endpoint + ":" + port).WithHttpClient(&http.Client{Transport: tr}))
		g, err := vc.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
		if err != nil {
			t.Fatalf("endpoint %s: %v", endpoint, err)
		}
		data, _ := io.ReadAll(g.Body)
		g.Body.Close()
		if string(data) != "virtual" {
			t.Errorf("endpoint %s: got %q", endpoint, data)
		}
		if _, err := vc.ListBuckets(ctx, &oss.ListBucketsRequest{}); err != nil {
			t.Errorf("endpoint %s: ListBuckets: %v", endpoint, err)
		}
		if _, err := appendAt(vc, b, "vlog-"+endpoint, 0, "x"); err != nil {
			t.Errorf("endpoint %s: AppendObject: %v", endpoint, err)
		}
	}

	// A hand-made request with the bucket before the server's own address.
	req := signedRequest(t, s, "GET", s.Endpoint()+"/k", oss.Ptr(b), oss.Ptr("k"), "")
	req.Host = b + "." + s.Addr().String()
	if status, _, body := do(t, req); status != 200 || body != "virtual" {
		t.Errorf("Host %s: got %d %q", req.Host, status, body)
	}
}
