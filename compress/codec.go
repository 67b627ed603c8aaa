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
	// ContentEncoding is the HTTP Content-Encoding token of the codec's
	// format ("gzip", "zstd"), or "" where HTTP defines none.
	ContentEncoding() string
	// Encode appends one self-contained frame holding src to dst and
	// returns the extended buffer. It does not retain src or dst.
	Encode(dst, src []byte) ([]byte, error)
}

// Validator is implemented by codecs that can be built with settings they
// cannot honour, such as an unknown level. ossappend calls Validate before
// it talks to the network, so a bad codec fails fast.
type Validator interface {
	Validate() error
}

// ErrInvalidLevel is reported, wrapped, by Validate and Encode of a codec
// built with a level it does not support.
var ErrInvalidLevel = errors.New("compress: invalid level")

// Validate reports whether c can encode: it returns an error for a nil
// codec and the result of Validate for codecs that implement Validator.
func Validate(c Codec) error {
	if c == nil {
		return errors.New("compress: nil codec")
	}
	if v, ok := c.(Validator); ok {
		return v.Validate()
	}
	return nil
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
func (none) ContentEncoding() string { return "" }

func (none) Encode(dst, src []byte) ([]byte, error) { return append(dst, src...), nil }

// appendWriter is an io.Writer that appends to a slice; the streaming
// encoders write their frames through it straight into the caller's dst.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
