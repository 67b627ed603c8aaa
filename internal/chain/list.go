package chain

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// pageSize is how many keys one ListObjectsV2 request asks for: the most
// OSS returns.
var pageSize int32 = 1000

// List returns the members of the chain of base in bucket, in order: base,
// if it exists, then its rotations by number. It lists the keys that begin
// with Prefix(base), one level deep (rotations add no '/'): one
// ListObjectsV2 request per 1000 of them. Its errors come from
// ossapi.Describe.
func List(ctx context.Context, c ossapi.ListClient, bucket, base string) ([]Member, error) {
	var members []Member
	err := list(ctx, c, bucket, Prefix(base), "/", func(key string) {
		if m, ok := Of(base, key); ok {
			members = append(members, m)
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(members, Compare) // keys come in byte order: app.10.log before app.2.log
	return members, nil
}

// ListPrefix returns every object under prefix in bucket, at any depth, in
// series order (see Group), leaving out keys that end in '/' (folder
// markers). It sends one ListObjectsV2 request per 1000 objects.
func ListPrefix(ctx context.Context, c ossapi.ListClient, bucket, prefix string) ([]Member, error) {
	var all []string
	err := list(ctx, c, bucket, prefix, "", func(key string) {
		if !strings.HasSuffix(key, "/") {
			all = append(all, key)
		}
	})
	if err != nil {
		return nil, err
	}
	return Group(all), nil
}

// Newest returns the key and rotation number of the newest object of the
// chain of base, the one a writer resuming the chain appends to; base and
// 0 when the chain has no object yet.
func Newest(ctx context.Context, c ossapi.ListClient, bucket, base string) (key string, n int, err error) {
	members, err := List(ctx, c, bucket, base)
	if err != nil {
		return "", 0, err
	}
	if len(members) == 0 {
		return base, 0, nil
	}
	last := members[len(members)-1]
	return last.Key, last.N, nil
}

// list calls each with the key of every object under prefix, page by page.
func list(ctx context.Context, c ossapi.ListClient, bucket, prefix, delimiter string, each func(key string)) error {
	req := &oss.ListObjectsV2Request{Bucket: &bucket, Prefix: &prefix, MaxKeys: pageSize}
	if delimiter != "" {
		req.Delimiter = &delimiter
	}
	for {
		res, err := c.ListObjectsV2(ctx, req)
		if err == nil {
			err = ossapi.CheckAnswer(res.Headers) // an empty 200 reads as an empty listing
		}
		if err != nil {
			return fmt.Errorf("list the bucket: %w", ossapi.Describe(err))
		}
		for _, o := range res.Contents {
			each(oss.ToString(o.Key))
		}
		token := oss.ToString(res.NextContinuationToken)
		if !res.IsTruncated || token == "" {
			return nil
		}
		req.ContinuationToken = &token
	}
}
