package osstest

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// A route is what a request asks for: the bucket and key it names and the
// operation, named as the SDK names it ("PutObject", "AppendObject", ...).
type route struct {
	bucket string
	key    string
	hasKey bool
	op     string
	handle handlerFunc
}

// handlerFunc serves one operation. An *ossError it returns is answered as
// OSS answers errors; any other error is answered as 500 InternalError.
type handlerFunc func(*Server, *call) error

// routeRequest works out the bucket, key and operation of r. The bucket is
// taken from the Host header for virtual-hosted requests (bucket.host) and
// from the first path segment otherwise.
func (s *Server) routeRequest(r *http.Request) route {
	var rt route
	path := r.URL.Path
	if b := hostBucket(r.Host, s.ln); b != "" {
		rt.bucket = b
		rt.key = strings.TrimPrefix(path, "/")
		rt.hasKey = rt.key != ""
	} else if p := strings.TrimPrefix(path, "/"); p != "" {
		rt.bucket, rt.key, rt.hasKey = strings.Cut(p, "/")
		rt.hasKey = rt.hasKey && rt.key != ""
	}
	rt.op, rt.handle = operation(r.Method, r.URL.Query(), r.Header, rt.bucket != "", rt.hasKey)
	return rt
}

// hostBucket returns the bucket a virtual-hosted request names in its Host
// header, or "" for a path-style request. A host is virtual-hosted when its
// first label is followed by the server's own host, an IP address,
// "localhost", or an OSS-style endpoint name (oss-...).
func hostBucket(hostport string, ln net.Listener) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || net.ParseIP(host) != nil || strings.HasPrefix(host, "[") {
		return ""
	}
	first, rest, ok := strings.Cut(host, ".")
	if !ok || first == "" {
		return ""
	}
	switch {
	case net.ParseIP(rest) != nil, rest == "localhost", strings.HasPrefix(rest, "oss-"):
		return first
	case ln != nil:
		if h, _, err := net.SplitHostPort(ln.Addr().String()); err == nil && h == rest {
			return first
		}
	}
	return ""
}

// operation names the operation a request asks for and the function that
// serves it. Operations the server does not implement are named but get
// 501 NotImplemented, so that faults and counts still see them.
func operation(method string, q url.Values, h http.Header, hasBucket, hasKey bool) (string, handlerFunc) {
	has := func(k string) bool { _, ok := q[k]; return ok }
	switch {
	case !hasBucket:
		if method == http.MethodGet {
			if has("regions") {
				return "DescribeRegions", notImplemented
			}
			return "ListBuckets", (*Server).listBuckets
		}
		return "Unknown", methodNotAllowed
	case !hasKey:
		return bucketOperation(method, has)
	}
	switch method {
	case http.MethodPut:
		switch {
		case has("acl"):
			return "PutObjectAcl", (*Server).putObjectACL
		case has("tagging"):
			return "PutObjectTagging", (*Server).putObjectTagging
		case has("uploadId") || has("partNumber"):
			if h.Get("x-oss-copy-source") != "" {
				return "UploadPartCopy", (*Server).uploadPartCopy
			}
			return "UploadPart", (*Server).uploadPart
		case has("symlink"):
			return "PutSymlink", notImplemented
		case h.Get("x-oss-copy-source") != "":
			return "CopyObject", (*Server).copyObject
		}
		return "PutObject", (*Server).putObject
	case http.MethodGet:
		switch {
		case has("acl"):
			return "GetObjectAcl", (*Server).getObjectACL
		case has("tagging"):
			return "GetObjectTagging", (*Server).getObjectTagging
		case has("uploadId"):
			return "ListParts", (*Server).listParts
		case has("symlink"):
			return "GetSymlink", notImplemented
		}
		return "GetObject", (*Server).getObject
	case http.MethodHead:
		if has("objectMeta") {
			return "GetObjectMeta", (*Server).getObjectMeta
		}
		return "HeadObject", (*Server).headObject
	case http.MethodDelete:
		switch {
		case has("tagging"):
			return "DeleteObjectTagging", (*Server).deleteObjectTagging
		case has("uploadId"):
			return "AbortMultipartUpload", (*Server).abortMultipartUpload
		}
		return "DeleteObject", (*Server).deleteObject
	case http.MethodPost:
		switch {
		case has("append"):
			return "AppendObject", (*Server).appendObject
		case has("seal"):
			return "SealAppendObject", (*Server).sealAppendObject
		case has("uploads"):
			return "InitiateMultipartUpload", (*Server).initiateMultipartUpload
		case has("uploadId"):
			return "CompleteMultipartUpload", (*Server).completeMultipartUpload
		case has("restore"):
			return "RestoreObject", (*Server).restoreObject
		case has("x-oss-process"):
			return "ProcessObject", notImplemented
		}
		return "PostObject", notImplemented
	}
	return "Unknown", methodNotAllowed
}

// bucketSubresources lists bucket configuration sub-resources the server
// does not implement; a request for one gets 501 NotImplemented rather than
// being taken for a plain bucket operation.
var bucketSubresources = []string{
	"cors", "lifecycle", "logging", "website", "referer", "policy", "encryption",
	"replication", "inventory", "cname", "requestPayment", "qos", "transferAcceleration",
	"accessPoint", "publicAccessBlock", "style", "metaQuery", "resourceGroup", "httpsConfig", "objectWorm",
}

func bucketOperation(method string, has func(string) bool) (string, handlerFunc) {
	if has("worm") && method != http.MethodGet {
		return "Bucket(worm)", notImplemented
	}
	for _, sub := range bucketSubresources {
		if has(sub) {
			return "Bucket(" + sub + ")", notImplemented
		}
	}
	switch method {
	case http.MethodPut:
		switch {
		case has("acl"):
			return "PutBucketAcl", (*Server).putBucketACL
		case has("tagging"):
			return "PutBucketTags", (*Server).putBucketTags
		case has("versioning"):
			return "PutBucketVersioning", notImplemented
		}
		return "PutBucket", (*Server).putBucket
	case http.MethodGet:
		switch {
		case has("bucketInfo"):
			return "GetBucketInfo", (*Server).getBucketInfo
		case has("location"):
			return "GetBucketLocation", (*Server).getBucketLocation
		case has("stat"):
			return "GetBucketStat", (*Server).getBucketStat
		case has("acl"):
			return "GetBucketAcl", (*Server).getBucketACL
		case has("tagging"):
			return "GetBucketTags", (*Server).getBucketTags
		case has("versioning"):
			return "GetBucketVersioning", (*Server).getBucketVersioning
		case has("versions"):
			return "ListObjectVersions", (*Server).listObjectVersions
		case has("worm"):
			return "GetBucketWorm", (*Server).getBucketWorm
		case has("uploads"):
			return "ListMultipartUploads", (*Server).listMultipartUploads
		case has("list-type"):
			return "ListObjectsV2", (*Server).listObjectsV2
		}
		return "ListObjects", (*Server).listObjects
	case http.MethodDelete:
		if has("tagging") {
			return "DeleteBucketTags", (*Server).deleteBucketTags
		}
		return "DeleteBucket", (*Server).deleteBucket
	case http.MethodPost:
		if has("delete") {
			return "DeleteMultipleObjects", (*Server).deleteMultipleObjects
		}
	case http.MethodHead:
		return "HeadBucket", (*Server).headBucket
	}
	return "Unknown", methodNotAllowed
}

func notImplemented(*Server, *call) error   { return errNotImplemented }
func methodNotAllowed(*Server, *call) error { return errMethodNotAllowed }

// validBucketName reports whether name is a valid bucket name: 3 to 63
// lowercase letters, digits and hyphens, starting and ending with a letter
// or digit.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validObjectName reports whether key is a valid object name: 1 to 1023
// bytes of UTF-8 not starting with '/' or '\'.
func validObjectName(key string) bool {
	return key != "" && len(key) <= 1023 && key[0] != '/' && key[0] != '\\' && utf8.ValidString(key)
}
