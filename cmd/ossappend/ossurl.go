package main

import "strings"

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
