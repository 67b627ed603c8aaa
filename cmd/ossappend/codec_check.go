package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/compress"
)

// checkCodec refuses to append frames of codec to the object key if it
// holds frames of another codec, or uncompressed bytes: the mixture would
// decode neither with cat nor with the codec's own tool. It reads the
// object's first bytes with a ranged GetObject; a missing or empty object
// takes any codec.
func checkCodec(ctx context.Context, client *oss.Client, bucket, key string, codec compress.Codec) error {
	res, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: &bucket, Key: &key, Range: oss.Ptr("bytes=0-15")})
	if err != nil {
		var se *oss.ServiceError
		if errors.As(err, &se) && (se.Code == "NoSuchKey" || se.Code == "InvalidRange") {
			return nil // missing, or empty: OSS refuses a range of nothing
		}
		return fmt.Errorf("read the first bytes of %s: %w", key, err)
	}
	defer res.Body.Close()
	head, err := io.ReadAll(io.LimitReader(res.Body, 16))
	if err != nil {
		return fmt.Errorf("read the first bytes of %s: %w", key, err)
	}
	if got := compress.Detect(head); len(head) > 0 && got != codec.Name() {
		return fmt.Errorf("%s holds %s; appending %s would leave it unreadable: use --compress %s, or another key",
			key, encoded(got), encoded(codec.Name()), got)
	}
	return nil
}

// encoded names what a codec makes: "zstd frames", "uncompressed bytes".
func encoded(codec string) string {
	if codec == "none" {
		return "uncompressed bytes"
	}
	return codec + " frames"
}
