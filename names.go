package ossappend

import (
	"path"
	"strconv"
	"strings"
)

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
