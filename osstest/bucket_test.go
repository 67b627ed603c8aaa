package osstest

import (
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func TestBuckets(t *testing.T) {
	s := newServer(t)
	c := s.Client()
	r, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("alpha"), Acl: oss.BucketACLPublicRead,
		CreateBucketConfiguration: &oss.CreateBucketConfiguration{StorageClass: oss.StorageClassIA, DataRedundancyType: oss.DataRedundancyZRS}})
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != 200 || r.Headers.Get("x-oss-request-id") == "" {
		t.Errorf("PutBucket answered %d %v", r.StatusCode, r.Headers)
	}
	_, err = c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("alpha")}, noRetry)
	if se := wantCode(t, err, 409, "BucketAlreadyExists"); se.EC != "0015-00000104" {
		t.Errorf("EC %q", se.EC)
	}
	if err := s.CreateBucket("alpha"); err != nil {
		t.Errorf("CreateBucket of an existing bucket: %v", err)
	}
	if err := s.CreateBucket("No"); err == nil {
		t.Error("CreateBucket took an invalid name")
	}

	info, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr("alpha")})
	if err != nil {
		t.Fatal(err)
	}
	bi := info.BucketInfo
	if oss.ToString(bi.Name) != "alpha" || oss.ToString(bi.ACL) != "public-read" || oss.ToString(bi.StorageClass) != "IA" ||
		oss.ToString(bi.DataRedundancyType) != "ZRS" || oss.ToString(bi.Location) != "oss-"+Region || bi.CreationDate == nil ||
		oss.ToString(bi.SseRule.SSEAlgorithm) != "" || !strings.Contains(s.Endpoint(), oss.ToString(bi.ExtranetEndpoint)) {
		t.Errorf("GetBucketInfo %+v", bi)
	}
	loc, err := c.GetBucketLocation(ctx, &oss.GetBucketLocationRequest{Bucket: oss.Ptr("alpha")})
	if err != nil || oss.ToString(loc.LocationConstraint) != "oss-"+Region {
		t.Errorf("GetBucketLocation %v, %v", loc, err)
	}

	put(t, c, "alpha", "k1", "12345")
	if _, err := appendAt(c, "alpha", "k2", 0, "678"); err != nil {
		t.Fatal(err)
	}
	stat, err := c.GetBucketStat(ctx, &oss.GetBucketStatRequest{Bucket: oss.Ptr("alpha")})
	if err != nil || stat.ObjectCount != 2 || stat.Storage != 8 || stat.LastModifiedTime == 0 {
		t.Errorf("GetBucketStat %+v, %v", stat, err)
	}

	_, err = c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr("alpha")}, noRetry)
	if se := wantCode(t, err, 409, "BucketNotEmpty"); se.EC != "0015-00000301" {
		t.Errorf("EC %q", se.EC)
	}
	for _, k := range []string{"k1", "k2"} {
		if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("alpha"), Key: oss.Ptr(k)}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr("alpha")})
	if err != nil || d.StatusCode != 204 {
		t.Fatalf("DeleteBucket %v, %v", d, err)
	}
	for name, call := range map[string]func() error{
		"DeleteBucket": func() error {
			_, err := c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr("alpha")}, noRetry)
			return err
		},
		"GetBucketInfo": func() error {
			_, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr("alpha")}, noRetry)
			return err
		},
		"GetBucketLocation": func() error {
			_, err := c.GetBucketLocation(ctx, &oss.GetBucketLocationRequest{Bucket: oss.Ptr("alpha")}, noRetry)
			return err
		},
		"GetBucketStat": func() error {
			_, err := c.GetBucketStat(ctx, &oss.GetBucketStatRequest{Bucket: oss.Ptr("alpha")}, noRetry)
			return err
		},
		"ListObjects": func() error {
			_, err := c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr("alpha")}, noRetry)
			return err
		},
		"ListObjectsV2": func() error {
			_, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("alpha")}, noRetry)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			se := wantCode(t, call(), 404, "NoSuchBucket")
			if se.Message != "The specified bucket does not exist." || se.EC != "0015-00000101" {
				t.Errorf("message %q, EC %q", se.Message, se.EC)
			}
		})
	}
	exists, err := c.IsBucketExist(ctx, "alpha")
	if err != nil || exists {
		t.Errorf("IsBucketExist = %v, %v", exists, err)
	}
}

func TestBucketACLAndTags(t *testing.T) {
	_, c, b := newBucket(t)
	if _, err := c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: oss.Ptr(b), Acl: oss.BucketACLPublicReadWrite}); err != nil {
		t.Fatal(err)
	}
	acl, err := c.GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: oss.Ptr(b)})
	if err != nil || oss.ToString(acl.ACL) != "public-read-write" {
		t.Errorf("GetBucketAcl %v, %v", acl, err)
	}
	if _, err := c.PutBucketTags(ctx, &oss.PutBucketTagsRequest{Bucket: oss.Ptr(b), Tagging: &oss.Tagging{TagSet: &oss.TagSet{
		Tags: []oss.Tag{{Key: oss.Ptr("team"), Value: oss.Ptr("storage")}}}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetBucketTags(ctx, &oss.GetBucketTagsRequest{Bucket: oss.Ptr(b)})
	if err != nil || len(tags.Tagging.TagSet.Tags) != 1 {
		t.Fatalf("GetBucketTags %v, %v", tags, err)
	}
	list, err := c.ListBuckets(ctx, &oss.ListBucketsRequest{TagKey: oss.Ptr("team"), TagValue: oss.Ptr("storage")})
	if err != nil || len(list.Buckets) != 1 {
		t.Fatalf("ListBuckets by tag: %v, %v", list, err)
	}
	list, err = c.ListBuckets(ctx, &oss.ListBucketsRequest{Tagging: oss.Ptr(`"team":"other"`)})
	if err != nil || len(list.Buckets) != 0 {
		t.Fatalf("ListBuckets by tagging: %v, %v", list, err)
	}
	if _, err := c.DeleteBucketTags(ctx, &oss.DeleteBucketTagsRequest{Bucket: oss.Ptr(b)}); err != nil {
		t.Fatal(err)
	}
}

func TestListBuckets(t *testing.T) {
	s := newServer(t)
	c := s.Client()
	for _, name := range []string{"logs-1", "logs-2", "logs-3", "other"} {
		if err := s.CreateBucket(name); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := c.NewListBucketsPaginator(&oss.ListBucketsRequest{Prefix: oss.Ptr("logs-"), MaxKeys: 2})
	pages := 0
	for p.HasNext() {
		r, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, b := range r.Buckets {
			names = append(names, oss.ToString(b.Name))
			if oss.ToString(b.Region) != Region || oss.ToString(b.Location) != "oss-"+Region || b.CreationDate == nil ||
				!strings.Contains(s.Endpoint(), oss.ToString(b.ExtranetEndpoint)) {
				t.Errorf("bucket entry %+v", b)
			}
		}
	}
	if strings.Join(names, ",") != "logs-1,logs-2,logs-3" || pages != 2 {
		t.Errorf("listed %v in %d pages", names, pages)
	}
	_, err := c.ListBuckets(ctx, &oss.ListBucketsRequest{MaxKeys: 5000}, noRetry)
	wantCode(t, err, 400, "InvalidArgument")
}
