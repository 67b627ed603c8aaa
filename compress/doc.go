// Package compress provides the frame codecs used by ossappend.
//
// A Codec turns one buffer of bytes into one self-contained compressed
// frame: a gzip member, a zstd frame or an S2 stream. Because every frame
// stands alone, an object built by appending frames one after another is a
// valid multi-frame file that the standard tools decode as a whole:
//
//	gzip -dc app.log.gz
//	zstd -dc app.log.zst
//
// and NewReader decodes it in Go, detecting the codec from the first bytes.
//
// Codecs are safe for concurrent use: they keep their expensive encoder
// state in pools, so encoding a frame allocates nothing in steady state.
package compress
