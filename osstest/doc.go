// Package osstest provides an Alibaba Cloud OSS server for tests: an HTTP
// server on the loopback interface that speaks the OSS protocol, as
// net/http/httptest provides HTTP servers. The official SDK,
// github.com/aliyun/alibabacloud-oss-go-sdk-v2, talks to it unmodified, and
// so does the older github.com/aliyun/aliyun-oss-go-sdk:
//
//	srv := osstest.NewServer()
//	defer srv.Close()
//	client := srv.Client() // an *oss.Client for srv
//
// The server checks V4 and V1 signatures, in headers or in presigned URLs,
// against the credentials AccessKeyID and AccessKeySecret (see
// WithCredentials), and refuses what OSS refuses: a V4 payload hash other
// than UNSIGNED-PAYLOAD, a presigned URL used before its date or after its
// lifetime (at most seven days), a request signed more than 15 minutes
// away from the server's clock, a query parameter given twice. It serves
// buckets (PutBucket, DeleteBucket, ListBuckets, GetBucketInfo,
// GetBucketLocation, GetBucketStat, bucket ACL and tags) and objects
// (PutObject, GetObject with ranges, HeadObject, GetObjectMeta,
// DeleteObject, DeleteMultipleObjects, CopyObject, ListObjects,
// ListObjectsV2, ListObjectVersions, object ACL and tagging, multipart
// uploads), with the errors OSS gives.
//
// Appendable objects get the most care: AppendObject and SealAppendObject
// follow OSS's rules on positions, object types, creation headers, sizes
// and CRC-64 checksums, and concurrent appends to one position race as they
// do on OSS: exactly one wins.
//
// Objects live in memory unless WithDir makes the server persist them,
// durably and crash-safely, in a directory that one server at a time may
// use. Such a server keeps object bytes in files, not in memory, checks
// every object against its CRC-64 when it starts, and never deletes or cuts
// what it cannot tell is its own leftover from a crash: damaged objects are
// moved aside to the directory's _quarantine folder and reported (see
// WithWarnings), an appendable one being served again from its longest
// part that verifies. WithFaults and SetFaults inject failures (latency,
// 500 and 503 errors, lost responses, connection resets, low bandwidth),
// deterministically from a seed, and Counts tells what was requested and
// injected.
package osstest
