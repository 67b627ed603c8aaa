package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/crc64"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/klauspost/compress/zstd"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// BulkResult is one bulk copy (scenario 3): In bytes of log text in, Out
// bytes out (compressed for a codec), in Elapsed, NewWriter and Close
// included.
type BulkResult struct {
	Peer    string
	In, Out int64
	Appends int64 // AppendObject requests the destination answered
	Frames  int64 // ossappend's frames (Stats().Frames); 0 for other peers
	Elapsed time.Duration
	Others  float64 // cores other work took during the run (see cpuMeter)
}

// MBps is the throughput in MB/s (10⁶ bytes) of input.
func (r BulkResult) MBps() float64 { return float64(r.In) / 1e6 / r.Elapsed.Seconds() }

// Ratio is the compression ratio, input over output.
func (r BulkResult) Ratio() float64 { return float64(r.In) / float64(r.Out) }

// Counts are the run's appends and frames.
func (r BulkResult) Counts() Counts { return Counts{Appends: r.Appends, Frames: r.Frames} }

// A BulkPeer copies src somewhere, checks that it arrived whole and says
// how long it took.
type BulkPeer struct {
	Name string
	Run  func(src []byte) (BulkResult, error)
}

// source is what every bulk peer copies from: a plain io.Reader, without
// WriterTo, so that io.Copy takes the destination's ReadFrom (or its own
// 32 KiB buffer) for every peer alike.
func source(src []byte) io.Reader { return onlyReader{bytes.NewReader(src)} }

// timed collects garbage, then runs fn and measures it.
func timed(name string, in int64, fn func() (out int64, err error)) (BulkResult, error) {
	runtime.GC()
	m := readCPU()
	start := time.Now()
	out, err := fn()
	r := BulkResult{Peer: name, In: in, Out: out, Elapsed: time.Since(start), Others: m.othersCores()}
	if err != nil {
		return r, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// CopyToBufioDiscard is the floor: io.Copy into a bufio.Writer in
// front of io.Discard. bufio.Writer hands the copy to io.Discard's
// ReadFrom, which reads 8 KiB at a time into one buffer that stays in the
// CPU cache and keeps nothing.
func CopyToBufioDiscard(src []byte) (BulkResult, error) {
	return timed("io.Copy → bufio.Writer → io.Discard", int64(len(src)), func() (int64, error) {
		bw := bufio.NewWriter(io.Discard)
		n, err := io.Copy(bw, source(src))
		if err == nil {
			err = bw.Flush()
		}
		if err == nil && n != int64(len(src)) {
			err = fmt.Errorf("copied %d bytes of %d", n, len(src))
		}
		return n, err
	})
}

// CopyToBufioFrames is the like-for-like floor: a bufio.Writer of
// FlushSize bytes in front of a discarding writer without ReadFrom, so
// every byte is copied into a FlushSize buffer as ossappend copies it into
// a frame.
func CopyToBufioFrames(src []byte) (BulkResult, error) {
	return timed("io.Copy → bufio.Writer 4 MiB → discard", int64(len(src)), func() (int64, error) {
		d := &Discard{}
		bw := bufio.NewWriterSize(d, ossappend.DefaultFlushSize)
		_, err := io.Copy(bw, source(src))
		if err == nil {
			err = bw.Flush()
		}
		if err == nil && d.Len() != int64(len(src)) {
			err = fmt.Errorf("discard got %d bytes of %d", d.Len(), len(src))
		}
		return d.Len(), err
	})
}

// CopyToInstant is io.Copy into an ossappend.Writer with codec (default
// options otherwise) over an Instant client. Without a codec and with crc
// the client's CRC-64 is compared with want; without crc the byte count is
// checked; with a codec the client keeps the frames, which are decoded and
// compared with src after the clock stops.
func CopyToInstant(name string, codec compress.Codec, crc bool, want uint64) BulkPeer {
	return copyToInstant(name, codec, crc, false, want)
}

// CopyToInstantSpooled is CopyToInstant without a codec or the CRC-64,
// with a spool in a fresh temporary directory, made before the clock
// starts and removed after it stops.
func CopyToInstantSpooled(name string, want uint64) BulkPeer {
	return copyToInstant(name, compress.None(), false, true, want)
}

func copyToInstant(name string, codec compress.Codec, crc, spool bool, want uint64) BulkPeer {
	return BulkPeer{name, func(src []byte) (BulkResult, error) {
		c := &Instant{CRC: crc, Keep: codec.Name() != "none"}
		opts := []ossappend.Option{ossappend.WithCodec(codec)}
		if spool {
			dir, err := os.MkdirTemp("", "ossbench-spool-")
			if err != nil {
				return BulkResult{}, err
			}
			defer os.RemoveAll(dir)
			opts = append(opts, ossappend.WithSpool(dir))
		}
		var w *ossappend.Writer
		r, err := timed(name, int64(len(src)), func() (int64, error) {
			var err error
			w, err = ossappend.NewWriter(context.Background(), c, "bench", "bulk.log", opts...)
			if err != nil {
				return 0, err
			}
			_, err = io.Copy(w, source(src))
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			return c.Size(), err
		})
		r.Appends = c.Appends()
		if w != nil {
			r.Frames = w.Stats().Frames
		}
		if err != nil {
			return r, err
		}
		switch {
		case c.Keep:
			if got, err := decode(c.Data()); err != nil || !bytes.Equal(got, src) {
				return r, fmt.Errorf("%s: stored frames do not decode to the source (%v)", name, err)
			}
		case crc:
			if got := c.CRC64("bulk.log"); got != want {
				return r, fmt.Errorf("%s: stored CRC-64 %x, source's %x", name, got, want)
			}
		case c.Size() != int64(len(src)):
			return r, fmt.Errorf("%s: stored %d bytes of %d", name, c.Size(), len(src))
		}
		return r, nil
	}}
}

// EncodeFrames is the single-goroutine peer of a codec: the source cut into
// frames of frameSize, each encoded in turn into one reused buffer by
// encode. The frames are checked by decoding them after the clock stops.
func EncodeFrames(name string, frameSize int, encode func(dst, src []byte) ([]byte, error)) BulkPeer {
	return BulkPeer{name, func(src []byte) (BulkResult, error) {
		var all []byte // every frame, for the check
		var dst []byte
		r, err := timed(name, int64(len(src)), func() (int64, error) {
			var out int64
			for off := 0; off < len(src); off += frameSize {
				var err error
				if dst, err = encode(dst[:0], src[off:min(off+frameSize, len(src))]); err != nil {
					return out, err
				}
				out += int64(len(dst))
				all = append(all, dst...)
			}
			return out, nil
		})
		if err != nil {
			return r, err
		}
		if got, err := decode(all); err != nil || !bytes.Equal(got, src) {
			return r, fmt.Errorf("%s: frames do not decode to the source (%v)", name, err)
		}
		return r, nil
	}}
}

// ZstdEncodeAll is the zstd peer: one zstd.Encoder at the given
// speed, with the codec's settings (CRC on), used by one goroutine calling
// EncodeAll frame by frame.
func ZstdEncodeAll(level zstd.EncoderLevel, frameSize int) BulkPeer {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	if err != nil {
		panic(err) // constant, valid options
	}
	return EncodeFrames(fmt.Sprintf("zstd.Encoder.EncodeAll, 1 goroutine (%s)", level), frameSize,
		func(dst, src []byte) ([]byte, error) { return enc.EncodeAll(src, dst), nil })
}

// CodecFrames is the single-goroutine peer of any compress.Codec.
func CodecFrames(codec compress.Codec, frameSize int) BulkPeer {
	return EncodeFrames(fmt.Sprintf("%s Encode, 1 goroutine", codec.Name()), frameSize, codec.Encode)
}

// CopyToOSS is io.Copy into an ossappend.Writer (default options, then
// opts) over the SDK and loopback to srv, under the given name; the object
// is read back and compared.
func CopyToOSS(srv *osstest.Server, name, key string, opts ...ossappend.Option) BulkPeer {
	return copyToOSS(srv, name, key, false, opts...)
}

// CopyToOSSSpooled is CopyToOSS with a spool in a fresh temporary
// directory, made before the clock starts and removed after it stops.
func CopyToOSSSpooled(srv *osstest.Server, name, key string, opts ...ossappend.Option) BulkPeer {
	return copyToOSS(srv, name, key, true, opts...)
}

func copyToOSS(srv *osstest.Server, name, key string, spool bool, opts ...ossappend.Option) BulkPeer {
	return BulkPeer{name, func(src []byte) (BulkResult, error) {
		c := srv.Client()
		srv.ResetCounts()
		if spool {
			dir, err := os.MkdirTemp("", "ossbench-spool-")
			if err != nil {
				return BulkResult{}, err
			}
			defer os.RemoveAll(dir)
			opts = append(opts[:len(opts):len(opts)], ossappend.WithSpool(dir))
		}
		var w *ossappend.Writer
		r, err := timed(name, int64(len(src)), func() (int64, error) {
			var err error
			w, err = ossappend.NewWriter(context.Background(), c, NetBucket, key, opts...)
			if err != nil {
				return 0, err
			}
			n, err := io.Copy(w, source(src))
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			return n, err
		})
		r.Appends = srv.Counts().Requests["AppendObject"]
		if w != nil {
			r.Frames = w.Stats().Frames
		}
		return r, checkObject(srv, c, key, src, err)
	}}
}

// WriteFromToOSS is the SDK's own bulk path: AppendOnlyFile.WriteFrom,
// one AppendObject streaming the whole reader.
func WriteFromToOSS(srv *osstest.Server, key string) BulkPeer {
	name := bulkWriteFrom
	return BulkPeer{name, func(src []byte) (BulkResult, error) {
		c := srv.Client()
		srv.ResetCounts()
		r, err := timed(name, int64(len(src)), func() (int64, error) {
			f, err := c.AppendFile(context.Background(), NetBucket, key)
			if err != nil {
				return 0, err
			}
			n, err := f.WriteFrom(source(src))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			return n, err
		})
		r.Appends = srv.Counts().Requests["AppendObject"]
		return r, checkObject(srv, c, key, src, err)
	}}
}

// checkObject compares the object at key with src, then deletes it.
func checkObject(srv *osstest.Server, c *oss.Client, key string, src []byte, err error) error {
	if err != nil {
		return err
	}
	obj, ok := srv.Object(NetBucket, key)
	if _, err := c.DeleteObject(context.Background(), &oss.DeleteObjectRequest{Bucket: oss.Ptr(NetBucket), Key: oss.Ptr(key)}); err != nil {
		return err
	}
	if !ok || !bytes.Equal(obj, src) {
		return fmt.Errorf("object %s holds %d bytes, not the %d copied", key, len(obj), len(src))
	}
	return nil
}

// crcOf is the CRC-64/ECMA of b, as OSS computes it.
func crcOf(b []byte) uint64 { return crc64.Checksum(b, crcTable) }
