// Package osstest provides an Alibaba Cloud OSS server for tests: an HTTP
// server on the loopback interface that speaks the OSS protocol, as
// net/http/httptest provides HTTP servers. The official SDK,
// github.com/aliyun/alibabacloud-oss-go-sdk-v2, talks to it unmodified, and
// so do the older github.com/aliyun/aliyun-oss-go-sdk and the Node.js SDK,
// ali-oss:
//
//	srv := osstest.NewServer()
//	defer srv.Close()
//	if err := srv.CreateBucket("logs"); err != nil { ... }
//	client := srv.Client() // an *oss.Client for srv
//
// The server checks V4 and V1 signatures, in headers or in presigned URLs,
// against the credentials AccessKeyID and AccessKeySecret (see
// WithCredentials), taking the signing time from x-oss-date or Date as OSS
// does, and refuses what OSS refuses: a request with neither, a V4
// credential scope that is not the signing day, the server's region, oss
// and aliyun_v4_request, a V4 payload hash other than UNSIGNED-PAYLOAD, a
// presigned URL used before its date or after its lifetime (at most seven
// days), a request signed more than 15 minutes away from the server's
// clock (403 RequestTimeTooSkewed, with the server's time in the Date
// header, from which the SDK corrects its clock), a query parameter given
// twice. It serves
// buckets (PutBucket, DeleteBucket, ListBuckets, GetBucketInfo,
// GetBucketLocation, GetBucketStat, GetBucketVersioning, GetBucketWorm,
// bucket ACL and tags) and objects
// (PutObject, GetObject with ranges, HeadObject, GetObjectMeta,
// DeleteObject, DeleteMultipleObjects, CopyObject, ListObjects,
// ListObjectsV2, ListObjectVersions, RestoreObject, object ACL and tagging,
// multipart uploads), with the errors OSS gives.
//
// Appendable objects get the most care: AppendObject and SealAppendObject
// follow OSS's rules on positions, object types, creation headers, sizes
// and CRC-64 checksums, and concurrent appends to one position race as they
// do on OSS: exactly one wins.
//
// Real OSS is stricter, and odder, than a test server need be; these
// switches make the server so, one behaviour at a time, for the tests of
// code that must cope:
//
//   - WithoutSeal: SealAppendObject is 400 OperationNotSupported, as on
//     accounts that did not ask for it.
//   - (*Server).SetClockOffset: the server's clock steps, as the client's
//     would under NTP or a suspended VM.
//   - WithLimitedCredentials: a second key pair, allowed only some RAM
//     actions, for a RAM user's refusals (403 AccessDenied).
//   - WithMaxAppendableSize: the size limit of appendable objects (5 GiB on
//     OSS), lowered.
//   - WithListingDelay and (*Server).SetListingDelay: listings that lag
//     behind new objects.
//   - WithThrottle: 503 SlowDown past a request rate, per bucket and per
//     key prefix.
//   - (*Server).ConfigureBucket: a bucket's storage class, versioning,
//     default encryption and retention policy, as GetBucketInfo,
//     GetBucketVersioning and GetBucketWorm report them. An object of the
//     Archive classes answers GetObject with 403 InvalidObjectState until
//     RestoreObject restores it, at once or after WithRestoreDelay.
//
// These follow OSS always: AppendObject refuses the storage classes
// ColdArchive and DeepColdArchive and a KMS key ID of the user's; a later
// append's x-oss-object-acl sets the object's ACL; a Range that does not
// lie within the object is ignored (200, the whole object) unless the
// request asks for x-oss-range-behavior: standard, under which it is cut
// at the end, or refused with 416 InvalidRange if it starts past it.
//
// Objects live in memory unless WithDir makes the server persist them,
// durably and crash-safely, in a directory that one server at a time may
// use. Such a server keeps object bytes in files, not in memory, checks
// every object against its CRC-64 when it starts, and never deletes or cuts
// what it cannot tell is its own leftover from a crash: damaged objects are
// moved aside to the directory's _quarantine folder and reported (see
// WithWarnings), an appendable one being served again from its longest
// part that verifies. WithFaults and SetFaults inject failures, each a
// FaultKind: FaultLatency, FaultError500 and FaultError503 (nothing
// applied), FaultDropResponse (applied, answer lost), FaultResetMidBody,
// FaultBandwidth, and FaultApplyThenError500 and FaultApplyThenError503
// (applied, then an error answered), deterministically from a seed; Counts
// tells what was requested, injected and throttled.
package osstest
