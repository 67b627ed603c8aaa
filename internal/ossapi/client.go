package ossapi

import (
	"context"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// The OSS operations the writer and the readers call, one interface each,
// so that each side asks for what it uses. *oss.Client implements them all.
type (
	// HeadClient asks for an object's type, length and CRC-64.
	HeadClient interface {
		HeadObject(ctx context.Context, req *oss.HeadObjectRequest, optFns ...func(*oss.Options)) (*oss.HeadObjectResult, error)
	}
	// AppendClient appends to an appendable object.
	AppendClient interface {
		AppendObject(ctx context.Context, req *oss.AppendObjectRequest, optFns ...func(*oss.Options)) (*oss.AppendObjectResult, error)
	}
	// GetClient reads an object, or a range of it.
	GetClient interface {
		GetObject(ctx context.Context, req *oss.GetObjectRequest, optFns ...func(*oss.Options)) (*oss.GetObjectResult, error)
	}
	// SealClient seals an appendable object.
	SealClient interface {
		SealAppendObject(ctx context.Context, req *oss.SealAppendObjectRequest, optFns ...func(*oss.Options)) (*oss.SealAppendObjectResult, error)
	}
	// ListClient lists the objects of a bucket.
	ListClient interface {
		ListObjectsV2(ctx context.Context, req *oss.ListObjectsV2Request, optFns ...func(*oss.Options)) (*oss.ListObjectsV2Result, error)
	}
)

// NoSDKRetry turns off the SDK's own retries for one request. AppendObject
// is not idempotent: after a lost response the SDK would send the bytes
// again blindly. Callers retry themselves, with a Backoff, after deciding
// what a failure means.
func NoSDKRetry(o *oss.Options) {
	one := 1
	o.RetryMaxAttempts = &one
}
