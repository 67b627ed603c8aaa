package ossappend

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// objectState is what HeadObject tells about a key.
type objectState struct {
	exists     bool
	appendable bool   // an Appendable object that is not sealed
	kind       string // "Appendable", "Normal", "sealed Appendable", ...
	length     int64
	crc        uint64
	hasCRC     bool
}

// headObject asks OSS about bucket/key. A missing object is not an error;
// a missing bucket, refused credentials and other failures are, with the
// sentinel that names them where there is one.
func headObject(ctx context.Context, c Client, bucket, key string, optFns ...func(*oss.Options)) (objectState, error) {
	res, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: &bucket, Key: &key}, optFns...)
	if err != nil {
		if isNoSuchKey(err) {
			return objectState{}, nil
		}
		return objectState{}, fmt.Errorf("ossappend: head %s/%s: %w", bucket, key, describe(err))
	}
	st, err := objectStateOf(res)
	if err != nil {
		return objectState{}, fmt.Errorf("ossappend: head %s/%s: %w", bucket, key, err)
	}
	return st, nil
}

// objectStateOf reads a HeadObject answer: the object's type, its length
// (the next append position, for an appendable object) and its CRC-64.
func objectStateOf(res *oss.HeadObjectResult) (objectState, error) {
	st := objectState{exists: true, kind: oss.ToString(res.ObjectType), length: res.ContentLength}
	if st.kind == "" {
		st.kind = "Normal"
	}
	st.appendable = st.kind == "Appendable"
	if st.appendable && res.Headers.Get("x-oss-sealed-time") != "" {
		st.appendable, st.kind = false, "sealed Appendable"
	}
	var err error
	if p := oss.ToString(res.NextAppendPosition); p != "" {
		if st.length, err = strconv.ParseInt(p, 10, 64); err != nil {
			return objectState{}, fmt.Errorf("bad x-oss-next-append-position %q", p)
		}
	}
	if h := oss.ToString(res.HashCRC64); h != "" {
		if st.crc, err = strconv.ParseUint(h, 10, 64); err != nil {
			return objectState{}, fmt.Errorf("bad x-oss-hash-crc64ecma %q", h)
		}
		st.hasCRC = true
	}
	return st, nil
}
