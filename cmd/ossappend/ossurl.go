package main

import (
	"fmt"
	"strings"
)

// objectURL names an object: oss://BUCKET/KEY.
type objectURL struct {
	Bucket, Key string
}

func (u objectURL) String() string { return "oss://" + u.Bucket + "/" + u.Key }

// parseObjectURL parses oss://BUCKET/KEY. The key is taken as it is, with
// any '?', '#' or '%' in it: object keys are not URL-encoded.
func parseObjectURL(s string) (objectURL, error) {
	rest, ok := strings.CutPrefix(s, "oss://")
	bucket, key, _ := strings.Cut(rest, "/")
	if !ok || bucket == "" || key == "" || strings.HasSuffix(key, "/") {
		return objectURL{}, usagef("bad object URL %q: want oss://BUCKET/KEY", s)
	}
	return objectURL{Bucket: bucket, Key: key}, nil
}

// validBucketName checks OSS's bucket naming rule, as the ossappend
// library does: 3 to 63 characters of lowercase letters, digits and
// hyphens, beginning and ending with a letter or digit.
func validBucketName(b string) error {
	ok := len(b) >= 3 && len(b) <= 63 && b[0] != '-' && b[len(b)-1] != '-'
	for i := 0; ok && i < len(b); i++ {
		c := b[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return fmt.Errorf("bad bucket name %q: want 3 to 63 lowercase letters, digits and '-', beginning and ending with a letter or digit", b)
	}
	return nil
}
