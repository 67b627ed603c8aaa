package compress

import (
	"errors"
	"fmt"
)

// A Codec encodes buffers into self-contained compressed frames.
//
// Implementations must be safe for concurrent use by multiple goroutines.
type Codec interface {
	// Name is the codec's short name: "none", "gzip", "zstd" or "s2".
	Name() string
	// Extension is the file-name extension conventionally used for the
	// codec's output, with its leading dot (".gz"), or "" for none.
	Extension() string
	// MediaType is the Content-Type of an object made of the codec's
	// frames ("application/zstd"), or "" when the codec leaves the bytes
	// as they are.
	MediaType() string
	// MaxEncodedLen is the largest frame Encode makes of n bytes, however
	// incompressible they are.
	MaxEncodedLen(n int) int
	// Encode appends one self-contained frame holding src to dst and
	// returns the extended buffer. It does not retain src or dst.
	Encode(dst, src []byte) ([]byte, error)
}

// validator is implemented by the codecs of this package that can be built
// with settings they cannot honour, such as an unknown level.
type validator interface {
	Validate() error
}

// ErrInvalidLevel is reported, wrapped, by Validate and Encode of a codec
// built with a level it does not support.
var ErrInvalidLevel = errors.New("compress: invalid level")

// Validate reports whether c can encode: it returns an error for a nil
// codec and for a codec of this package built with a level it does not
// support (wrapping ErrInvalidLevel). ossappend calls it before it talks to
// the network, so that a bad codec fails fast.
func Validate(c Codec) error {
	if c == nil {
		return errors.New("compress: nil codec")
	}
	if v, ok := c.(validator); ok {
		return v.Validate()
	}
	return nil
}

// IsNone reports whether c is the identity codec of None, whose frames
// need no encoding at all.
func IsNone(c Codec) bool {
	_, ok := c.(none)
	return ok
}

// ByName returns the codec called name ("none", "gzip", "zstd", "s2") at
// its default level, for command-line flags and configuration files.
func ByName(name string) (Codec, error) {
	switch name {
	case "none", "":
		return None(), nil
	case "gzip", "gz":
		return Gzip(DefaultGzipLevel), nil
	case "zstd", "zst":
		return Zstd(DefaultZstdLevel), nil
	case "s2":
		return S2(), nil
	}
	return nil, fmt.Errorf("compress: unknown codec %q (want none, gzip, zstd or s2)", name)
}

// ByExtension returns the codec whose Extension ends key, or None if no
// codec's does; "app.log.zst" gives Zstd. It lets a key choose its codec.
func ByExtension(key string) Codec {
	for _, c := range []Codec{Gzip(DefaultGzipLevel), Zstd(DefaultZstdLevel), S2()} {
		if ext := c.Extension(); len(key) > len(ext) && key[len(key)-len(ext):] == ext {
			return c
		}
	}
	return None()
}

type none struct{}

// None returns the identity codec: frames are the bytes as written.
func None() Codec { return none{} }

func (none) Name() string            { return "none" }
func (none) Extension() string       { return "" }
func (none) MediaType() string       { return "" }
func (none) MaxEncodedLen(n int) int { return n }

func (none) Encode(dst, src []byte) ([]byte, error) { return append(dst, src...), nil }

// appendWriter is an io.Writer that appends to a slice; the streaming
// encoders write their frames through it straight into the caller's dst.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
