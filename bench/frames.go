package bench

import "github.com/ossappend/ossappend/compress"

// FrameSizes are the frame sizes of scenario 5, 64 KiB to 16 MiB.
var FrameSizes = []int{64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20}

// FrameCodec is a codec of scenario 5, by the name it has in the table.
type FrameCodec struct {
	Name  string
	Codec compress.Codec
}

// FrameCodecs are the codecs of scenario 5 at the levels users pick.
func FrameCodecs() []FrameCodec {
	return []FrameCodec{
		{"gzip (default)", compress.Gzip(compress.DefaultGzipLevel)},
		{"zstd 1 (fastest)", compress.Zstd(1)},
		{"zstd 3 (default)", compress.Zstd(compress.DefaultZstdLevel)},
		{"s2", compress.S2()},
	}
}

// FrameRun encodes text frame by frame with codec from one goroutine, as
// ossappend's compressors do each frame, and checks the frames decode to
// text. Its result gives the ratio and the single-core speed.
func FrameRun(c FrameCodec, frameSize int, text []byte) (BulkResult, error) {
	if _, err := c.Codec.Encode(nil, text[:min(len(text), 1<<16)]); err != nil {
		return BulkResult{}, err // also builds the codec's encoder before timing
	}
	return EncodeFrames(c.Name, frameSize, c.Codec.Encode).Run(text)
}
