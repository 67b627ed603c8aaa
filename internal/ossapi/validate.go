package ossapi

import (
	"fmt"
	"unicode/utf8"
)

// MaxKeyLength is the longest object key OSS accepts, in bytes.
const MaxKeyLength = 1023

// CheckTarget checks what a writer or reader is pointed at: a client, a
// bucket name and an object key. Its errors wrap ErrInvalidArgument.
func CheckTarget(client any, bucket, key string) error {
	if client == nil {
		return fmt.Errorf("%w: nil client", ErrInvalidArgument)
	}
	if err := CheckBucket(bucket); err != nil {
		return err
	}
	return CheckKey(key)
}

// CheckBucket checks OSS's bucket naming rule: 3 to 63 characters of
// lowercase letters, digits and hyphens, beginning and ending with a letter
// or digit.
func CheckBucket(b string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: bucket name %q: %s", ErrInvalidArgument, b, why)
	}
	if b == "" {
		return bad("empty")
	}
	if len(b) < 3 || len(b) > 63 {
		return bad("want 3 to 63 characters")
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return bad("want only lowercase letters, digits and '-'")
		}
	}
	if b[0] == '-' || b[len(b)-1] == '-' {
		return bad("must begin and end with a letter or digit")
	}
	return nil
}

// CheckKey checks OSS's object naming rule: 1 to MaxKeyLength bytes of
// UTF-8, not beginning with '/' or '\'.
func CheckKey(k string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: object key %.64q: %s", ErrInvalidArgument, k, why)
	}
	switch {
	case k == "":
		return bad("empty")
	case len(k) > MaxKeyLength:
		return bad(fmt.Sprintf("%d bytes, want at most %d", len(k), MaxKeyLength))
	case k[0] == '/' || k[0] == '\\':
		return bad("must not begin with '/' or '\\'")
	case !utf8.ValidString(k):
		return bad("not valid UTF-8")
	}
	return nil
}
