// Package osstest provides an Alibaba Cloud OSS server for tests: an HTTP
// server on the loopback interface that speaks the OSS protocol, as
// net/http/httptest provides HTTP servers. The official SDK,
// github.com/aliyun/alibabacloud-oss-go-sdk-v2, talks to it unmodified:
//
//	srv := osstest.NewServer()
//	defer srv.Close()
//	client := srv.Client() // an *oss.Client for srv
//
// The server checks V4 and V1 signatures, in headers or in presigned URLs,
// against the credentials AccessKeyID and AccessKeySecret (see
// WithCredentials), and serves buckets (PutBucket, DeleteBucket,
// ListBuckets, GetBucketInfo, GetBucketLocation, GetBucketStat, bucket ACL
// and tags) and objects (PutObject, GetObject with ranges, HeadObject,
// GetObjectMeta, DeleteObject, DeleteMultipleObjects, CopyObject,
// ListObjects, ListObjectsV2, ListObjectVersions, object ACL and tagging,
// multipart uploads), with the errors OSS gives.
//
// Appendable objects get the most care: AppendObject and SealAppendObject
// follow OSS's rules on positions, object types, creation headers, sizes
// and CRC-64 checksums, and concurrent appends to one position race as they
// do on OSS: exactly one wins.
//
// Objects live in memory unless WithDir makes the server persist them,
// durably and crash-safely, in a directory. WithFaults and SetFaults inject
// failures (latency, 500 and 503 errors, lost responses, connection resets,
// low bandwidth), deterministically from a seed, and Counts tells what was
// requested and injected.
package osstest
