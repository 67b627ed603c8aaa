package ossapi

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// CodecMetadata is the user metadata, x-oss-meta-ossappend-codec, in
// which a writer records the codec of its frames (compress.Codec's Name:
// "none", "gzip", "zstd", "s2") when it creates an object.
const CodecMetadata = "ossappend-codec"

// Object is what HeadObject tells about a key.
type Object struct {
	Exists bool
	// Type is OSS's object type: "Appendable", "Normal", "Multipart",
	// "Symlink"; "Normal" when OSS names none.
	Type   string
	Sealed bool // an appendable object sealed by SealAppendObject
	// Length is the object's size, which for an appendable object is the
	// position of the next append.
	Length int64
	CRC    uint64 // the object's CRC-64/ECMA-182, if HasCRC
	HasCRC bool
	// Codec is the codec recorded in CodecMetadata, "" when the object
	// has no record (another tool, or an older writer, created it).
	Codec string
	// StorageClass is the object's storage class (x-oss-storage-class):
	// "Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive", ...
	StorageClass string
	// Restore is x-oss-restore, which OSS sends for an object of an
	// archive class being or having been restored: ongoing-request="true"
	// while the restore is under way, ongoing-request="false" and its
	// expiry date once it is done.
	Restore string
}

// Appendable reports whether the object takes appends: an Appendable
// object that is not sealed.
func (o Object) Appendable() bool { return o.Exists && o.Type == "Appendable" && !o.Sealed }

// Kind names the object for messages: "Appendable", "sealed Appendable",
// "Normal", ...
func (o Object) Kind() string {
	if o.Sealed {
		return "sealed " + o.Type
	}
	return o.Type
}

// Head asks OSS about bucket/key. A missing object is not an error: it
// returns the zero Object. Other failures come back as from Describe, and
// an answer that does not come from OSS, 404 included, as an error
// wrapping ErrNotOSS (see ObjectOf, NotOSS).
func Head(ctx context.Context, c HeadClient, bucket, key string, optFns ...func(*oss.Options)) (Object, error) {
	res, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: &bucket, Key: &key}, optFns...)
	if err != nil {
		if IsNoSuchKey(err) {
			return Object{}, nil
		}
		return Object{}, Describe(err)
	}
	obj, err := ObjectOf(res)
	if err != nil {
		return Object{}, Describe(err)
	}
	return obj, nil
}

// ObjectOf reads a HeadObject answer. An answer that names no object type
// and carries no other x-oss- header does not come from OSS, which names
// the type of every object: ObjectOf returns an error wrapping ErrNotOSS
// rather than an object of some length (a web server answers HEAD with
// 200 for anything).
func ObjectOf(res *oss.HeadObjectResult) (Object, error) {
	if res.ObjectType == nil {
		if err := CheckAnswer(res.Headers); err != nil {
			return Object{}, err
		}
	}
	o := Object{Exists: true, Type: oss.ToString(res.ObjectType), Length: res.ContentLength, Codec: res.Metadata[CodecMetadata],
		StorageClass: oss.ToString(res.StorageClass), Restore: oss.ToString(res.Restore)}
	if o.Type == "" {
		o.Type = "Normal"
	}
	o.Sealed = res.Headers.Get("x-oss-sealed-time") != ""
	var err error
	if p := oss.ToString(res.NextAppendPosition); p != "" {
		if o.Length, err = strconv.ParseInt(p, 10, 64); err != nil || o.Length < 0 {
			return Object{}, fmt.Errorf("bad x-oss-next-append-position %q", p)
		}
	}
	if h := oss.ToString(res.HashCRC64); h != "" {
		if o.CRC, err = strconv.ParseUint(h, 10, 64); err != nil {
			return Object{}, fmt.Errorf("bad x-oss-hash-crc64ecma %q", h)
		}
		o.HasCRC = true
	}
	return o, nil
}
