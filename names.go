package ossappend

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// validBucket checks OSS's bucket naming rule: 3 to 63 characters of
// lowercase letters, digits and hyphens, beginning and ending with a letter
// or digit.
func validBucket(b string) error {
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

// MaxKeyLength is the longest object key OSS accepts, in bytes.
const MaxKeyLength = 1023

// validKey checks OSS's object naming rule: 1 to 1023 bytes of UTF-8, not
// beginning with '/' or '\'.
func validKey(k string) error {
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

// compressionExts are the extensions RotateKey keeps at the end of a key.
var compressionExts = []string{".gz", ".zst", ".s2"}

// RotateKey is the default naming of rotated objects: it puts ".seq"
// before the key's extension, keeping a compression extension last.
//
//	logs/app.log      → logs/app.1.log
//	logs/app.log.zst  → logs/app.1.log.zst
//	logs/app          → logs/app.1
func RotateKey(key string, seq int) string {
	base, comp := key, ""
	for _, ext := range compressionExts {
		if strings.HasSuffix(base, ext) && len(base) > len(ext) {
			base, comp = base[:len(base)-len(ext)], ext
			break
		}
	}
	ext := path.Ext(base)
	if name := path.Base(base); ext == name || ext == "." || strings.HasSuffix(base, "/") {
		ext = "" // ".hidden", "name.", "dir/": no extension to keep
	}
	return base[:len(base)-len(ext)] + "." + strconv.Itoa(seq) + ext + comp
}
