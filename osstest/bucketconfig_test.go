package osstest

import (
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestConfigureBucket: the settings of ConfigureBucket show where OSS
// reports them: GetBucketInfo, GetBucketVersioning, GetBucketWorm.
func TestConfigureBucket(t *testing.T) {
	s, c, b := newBucket(t)
	_, err := c.GetBucketWorm(ctx, &oss.GetBucketWormRequest{Bucket: oss.Ptr(b)}, noRetry)
	wantCode(t, err, 404, "NoSuchWORMConfiguration")
	v, err := c.GetBucketVersioning(ctx, &oss.GetBucketVersioningRequest{Bucket: oss.Ptr(b)})
	if err != nil || v.VersionStatus != nil {
		t.Fatalf("versioning of a new bucket: %v, %v", v, err)
	}
	if err := s.ConfigureBucket(b, BucketConfig{StorageClass: "IA", Versioning: "Enabled", SSEAlgorithm: "KMS", KMSKeyID: "key-1", RetentionDays: 30}); err != nil {
		t.Fatal(err)
	}
	info, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(b)})
	if err != nil {
		t.Fatal(err)
	}
	bi := info.BucketInfo
	if oss.ToString(bi.StorageClass) != "IA" || oss.ToString(bi.Versioning) != "Enabled" ||
		oss.ToString(bi.SseRule.SSEAlgorithm) != "KMS" || oss.ToString(bi.SseRule.KMSMasterKeyID) != "key-1" {
		t.Errorf("GetBucketInfo: class %q, versioning %q, SSE %q key %q", oss.ToString(bi.StorageClass), oss.ToString(bi.Versioning),
			oss.ToString(bi.SseRule.SSEAlgorithm), oss.ToString(bi.SseRule.KMSMasterKeyID))
	}
	if v, err = c.GetBucketVersioning(ctx, &oss.GetBucketVersioningRequest{Bucket: oss.Ptr(b)}); err != nil || oss.ToString(v.VersionStatus) != "Enabled" {
		t.Errorf("GetBucketVersioning: %v, %v", v, err)
	}
	w, err := c.GetBucketWorm(ctx, &oss.GetBucketWormRequest{Bucket: oss.Ptr(b)})
	if err != nil || w.WormConfiguration == nil || w.WormConfiguration.RetentionPeriodInDays == nil || *w.WormConfiguration.RetentionPeriodInDays != 30 {
		t.Fatalf("GetBucketWorm: %+v, %v", w, err)
	}
	// A new object takes the bucket's class.
	put(t, c, b, "k", "v")
	h, err := c.HeadObject(ctx, headReq(b, "k"))
	if err != nil || h.Headers.Get("x-oss-storage-class") != "IA" {
		t.Errorf("class of a new object: %q, %v", h.Headers.Get("x-oss-storage-class"), err)
	}
	if err := s.ConfigureBucket("missing", BucketConfig{}); err == nil {
		t.Error("ConfigureBucket of a missing bucket succeeded")
	}
	if err := s.ConfigureBucket(b, BucketConfig{StorageClass: "Gold"}); err == nil {
		t.Error("ConfigureBucket took an invalid class")
	}
}
