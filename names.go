package ossappend

import "github.com/ossappend/ossappend/internal/chain"

// RotateKey is the default naming of rotated objects: it puts ".seq"
// before the key's extension, keeping a compression extension last.
//
//	logs/app.log      → logs/app.1.log
//	logs/app.log.zst  → logs/app.1.log.zst
//	logs/app          → logs/app.1
func RotateKey(key string, seq int) string { return chain.Rotate(key, seq) }
