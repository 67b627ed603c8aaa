package osstest

import (
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

var listKeys = []string{"a", "b/1", "b/2", "b/c/3", "c d", "c+d", "d\x01e", "e/", "日本/語"}

func listBucket(t *testing.T) (*oss.Client, string) {
	t.Helper()
	_, c, b := newBucket(t)
	for _, k := range listKeys {
		put(t, c, b, k, k)
	}
	return c, b
}

func TestListObjects(t *testing.T) {
	c, b := listBucket(t)
	for _, tc := range []struct {
		name, prefix, delimiter, marker string
		keys, prefixes                  []string
	}{
		{"all", "", "", "", listKeys, nil},
		{"prefix", "b/", "", "", []string{"b/1", "b/2", "b/c/3"}, nil},
		{"delimiter", "", "/", "", []string{"a", "c d", "c+d", "d\x01e"}, []string{"b/", "e/", "日本/"}},
		{"prefix and delimiter", "b/", "/", "", []string{"b/1", "b/2"}, []string{"b/c/"}},
		{"marker", "", "", "c d", []string{"c+d", "d\x01e", "e/", "日本/語"}, nil},
		{"marker at a common prefix", "", "/", "b/", []string{"c d", "c+d", "d\x01e"}, []string{"e/", "日本/"}},
		{"nothing", "zzz", "", "", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, pageSize := range []int32{1, 2, 1000} {
				var keys, prefixes []string
				req := &oss.ListObjectsRequest{Bucket: oss.Ptr(b), Prefix: oss.Ptr(tc.prefix), Delimiter: oss.Ptr(tc.delimiter), Marker: oss.Ptr(tc.marker), MaxKeys: pageSize}
				p := c.NewListObjectsPaginator(req)
				for p.HasNext() {
					r, err := p.NextPage(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if int32(len(r.Contents)+len(r.CommonPrefixes)) > pageSize {
						t.Fatalf("page of %d entries, max %d", len(r.Contents)+len(r.CommonPrefixes), pageSize)
					}
					for _, o := range r.Contents {
						keys = append(keys, oss.ToString(o.Key))
						if oss.ToString(o.Type) != "Normal" || o.Size != int64(len(oss.ToString(o.Key))) || o.LastModified == nil || o.Owner == nil {
							t.Errorf("entry %+v", o)
						}
					}
					for _, cp := range r.CommonPrefixes {
						prefixes = append(prefixes, oss.ToString(cp.Prefix))
					}
				}
				if !slices.Equal(keys, tc.keys) || !slices.Equal(prefixes, tc.prefixes) {
					t.Errorf("page size %d: keys %q prefixes %q, want %q %q", pageSize, keys, prefixes, tc.keys, tc.prefixes)
				}
			}
		})
	}
	r, err := c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(b)})
	if err != nil || r.MaxKeys != 100 || oss.ToString(r.Name) != b || r.IsTruncated {
		t.Errorf("defaults: %+v, %v", r, err)
	}
	_, err = c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(b), MaxKeys: 1001}, noRetry)
	wantCode(t, err, 400, "InvalidArgument")
}

func TestListObjectsV2(t *testing.T) {
	c, b := listBucket(t)
	var keys, prefixes []string
	p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(b), Delimiter: oss.Ptr("/"), MaxKeys: 2, FetchOwner: true})
	for p.HasNext() {
		r, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.KeyCount != len(r.Contents)+len(r.CommonPrefixes) {
			t.Errorf("KeyCount %d", r.KeyCount)
		}
		for _, o := range r.Contents {
			keys = append(keys, oss.ToString(o.Key))
			if o.Owner == nil {
				t.Errorf("no owner with fetch-owner: %+v", o)
			}
		}
		for _, cp := range r.CommonPrefixes {
			prefixes = append(prefixes, oss.ToString(cp.Prefix))
		}
	}
	if want := []string{"a", "c d", "c+d", "d\x01e"}; !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	if want := []string{"b/", "e/", "日本/"}; !slices.Equal(prefixes, want) {
		t.Errorf("prefixes %q, want %q", prefixes, want)
	}
	r, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(b), StartAfter: oss.Ptr("c+d")})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Contents) != 3 || oss.ToString(r.Contents[0].Key) != "d\x01e" || r.Contents[0].Owner != nil {
		t.Errorf("start-after: %+v", r.Contents)
	}
	_, err = c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(b), ContinuationToken: oss.Ptr("!!!")}, noRetry)
	wantCode(t, err, 400, "InvalidArgument")
}

func TestListObjectVersionsAndUploads(t *testing.T) {
	c, b := listBucket(t)
	var n int
	p := c.NewListObjectVersionsPaginator(&oss.ListObjectVersionsRequest{Bucket: oss.Ptr(b), MaxKeys: 4})
	for p.HasNext() {
		r, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range r.ObjectVersions {
			if oss.ToString(v.VersionId) != "null" || !v.IsLatest {
				t.Errorf("version %+v", v)
			}
		}
		n += len(r.ObjectVersions)
	}
	if n != len(listKeys) {
		t.Errorf("listed %d versions, want %d", n, len(listKeys))
	}
	r, err := c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(b)})
	if err != nil || len(r.Uploads) != 0 || r.IsTruncated {
		t.Errorf("ListMultipartUploads %+v, %v", r, err)
	}
}

func TestMultipartUpload(t *testing.T) {
	s, c, b := newBucket(t)
	part := strings.Repeat("p", minPartSize)
	u := oss.NewUploader(c, func(o *oss.UploaderOptions) { o.PartSize = minPartSize })
	body := part + part + "tail"
	if _, err := u.UploadFrom(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("big")}, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if got := objectText(t, s, b, "big"); got != body {
		t.Errorf("object holds %d bytes, want %d", len(got), len(body))
	}
	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("big")})
	if err != nil || oss.ToString(h.ObjectType) != "Multipart" || h.ContentLength != int64(len(body)) {
		t.Fatalf("HeadObject %v, %v", h, err)
	}

	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("parts")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("parts"), UploadId: init.UploadId, PartNumber: 1, Body: strings.NewReader("small")}); err != nil {
		t.Fatal(err)
	}
	lp, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("parts"), UploadId: init.UploadId})
	if err != nil || len(lp.Parts) != 1 || lp.Parts[0].Size != 5 {
		t.Fatalf("ListParts %+v, %v", lp, err)
	}
	lu, err := c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(b)})
	if err != nil || len(lu.Uploads) != 1 {
		t.Fatalf("ListMultipartUploads %+v, %v", lu, err)
	}
	_, err = c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(b)}, noRetry)
	wantCode(t, err, 409, "BucketNotEmpty")
	if _, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("parts"), UploadId: init.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("parts"), UploadId: init.UploadId, PartNumber: 1, Body: strings.NewReader("x")}, noRetry)
	if se := wantCode(t, err, 404, "NoSuchUpload"); se.EC != "0042-00000104" {
		t.Errorf("EC %q", se.EC)
	}
}
