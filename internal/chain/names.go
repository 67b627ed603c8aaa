package chain

import (
	"path"
	"strconv"
	"strings"
)

// compressionExts are the extensions Rotate keeps at the end of a key.
var compressionExts = []string{".gz", ".zst", ".s2"}

// Rotate names rotation n of key: it puts ".n" before the key's extension,
// keeping a compression extension last. n is at least 1: the key itself is
// the chain's first object.
//
//	logs/app.log      → logs/app.1.log
//	logs/app.log.zst  → logs/app.1.log.zst
//	logs/app          → logs/app.1
func Rotate(key string, n int) string {
	stem, tail := split(key)
	return stem + "." + strconv.Itoa(n) + tail
}

// split cuts key where Rotate puts the rotation number: before its
// extension and compression extension.
func split(key string) (stem, tail string) {
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
	return base[:len(base)-len(ext)], ext + comp
}

// Parse is the inverse of Rotate: it returns the key and rotation number
// that Rotate turns into key, and ok = false when key is no rotation (no
// number where Rotate puts one, or a number Rotate would not write, such
// as 0 or 01).
//
//	logs/app.1.log.zst → logs/app.log.zst, 1
//	logs/app.10        → logs/app, 10
//	logs/app.log       → not a rotation
func Parse(key string) (base string, n int, ok bool) {
	body, comp := key, ""
	for _, ext := range compressionExts {
		if strings.HasSuffix(body, ext) && len(body) > len(ext) {
			body, comp = body[:len(body)-len(ext)], ext
			break
		}
	}
	// The number stands before the extension Rotate kept, or at the end
	// when the key had none.
	if ext := path.Ext(body); ext != "" {
		if base, n, ok := unrotate(key, body[:len(body)-len(ext)], ext+comp); ok {
			return base, n, true
		}
	}
	return unrotate(key, body, comp)
}

// unrotate reads head as stem + "." + n and checks that Rotate(stem+tail,
// n) is key.
func unrotate(key, head, tail string) (string, int, bool) {
	dot := strings.LastIndexByte(head, '.')
	if dot < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(head[dot+1:])
	if err != nil || n < 1 {
		return "", 0, false
	}
	base := head[:dot] + tail
	if Rotate(base, n) != key {
		return "", 0, false
	}
	return base, n, true
}

// Prefix returns the longest prefix that base and all its rotations share:
// the prefix to list the chain of base with.
//
//	logs/app.log.zst → logs/app.
//	logs/app         → logs/app
func Prefix(base string) string {
	stem, tail := split(base)
	if tail == "" {
		return stem
	}
	return stem + "." // tail begins with the extension's dot
}
