package ossappend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/internal/chain"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// This file is where a writer starts in a chain: the key given to
// NewWriter, or the key of a new period, and the objects rotated from it.
// A writer resumes at the newest object of the chain, never at an older
// one, so that a chain never interleaves two runs; if that object takes no
// more appends, the writer starts the next.

// origin is where a writer appends in a chain.
type origin struct {
	key      string        // the object
	rotation int           // its rotation number; 0 for the chain's base
	obj      ossapi.Object // what HeadObject said of it
}

// refusal is why a writer cannot resume an object: a Normal object, or
// one of another codec. NewWriter reports it; the append loop, arriving at
// a new period, moves past the object instead.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }
func (r refusal) Unwrap() error { return r.err }

// originOf finds where to append in the chain of base: its newest object,
// if it takes appends of the writer's codec; the next rotation if the
// newest is sealed, or archived and of a codec the writer cannot read;
// base itself if the chain has no object. A Normal object or an object of
// another codec comes back as a refusal, with the origin after it.
func (w *Writer) originOf(ctx context.Context, base string, optFns ...func(*oss.Options)) (origin, error) {
	o, err := w.newest(ctx, base, optFns...)
	if err != nil {
		return origin{}, err
	}
	key, n, obj := o.key, o.rotation, o.obj
	switch {
	case !obj.Exists:
		return o, nil
	case obj.Sealed:
		return w.after(ctx, base, n, optFns...)
	case !obj.Appendable():
		next, err := w.after(ctx, base, n, optFns...)
		if err != nil {
			return origin{}, err
		}
		return next, refusal{fmt.Errorf("%s/%s: %w: it is a %s object", w.bucket, key, ErrNotAppendable, obj.Kind())}
	}
	if err := w.checkCodec(ctx, key, obj, optFns...); err != nil {
		next, aerr := w.after(ctx, base, n, optFns...)
		if aerr != nil {
			return origin{}, aerr
		}
		if errors.Is(err, ErrArchived) {
			// Nothing wrong with it: it is only out of reach. The writer
			// starts the next object of the chain and says so.
			w.report(fmt.Errorf("ossappend: %w; the writer goes on in %s/%s", err, w.bucket, next.key))
			return next, nil
		}
		return next, refusal{err}
	}
	return o, nil
}

// newest returns the newest object of the chain of base: found by listing
// when the client can list (and the credentials may) and the rotation
// names are RotateKey's, by asking for each key in turn otherwise, from
// base (a chain without its base is new).
func (w *Writer) newest(ctx context.Context, base string, optFns ...func(*oss.Options)) (origin, error) {
	head := func(key string, n int) (origin, error) {
		obj, err := w.head(ctx, key, optFns...)
		if err != nil {
			return origin{}, fmt.Errorf("head %s/%s: %w", w.bucket, key, err)
		}
		return origin{key: key, rotation: n, obj: obj}, nil
	}
	if lc, ok := w.client.(ossapi.ListClient); ok && w.cfg.defaultRotate && !w.listDenied.Load() {
		var key string
		var n int
		err := w.request(ctx, "ListObjectsV2", base, 0, func() (err error) {
			key, n, err = chain.Newest(ctx, datedLister{lc, w}, w.bucket, base)
			return err
		})
		if errors.Is(err, ErrAccessDenied) {
			// Credentials without oss:ListObjects: ask key by key, from
			// now on.
			w.listDenied.Store(true)
			return w.newest(ctx, base, optFns...)
		}
		if err != nil {
			return origin{}, fmt.Errorf("find the newest object of %s/%s: %w", w.bucket, base, err)
		}
		// A listing may lag behind a rotation just made: the keys after
		// the one it names are looked up too, so that a writer never goes
		// back to an older object.
		last, err := head(key, n)
		for probes := 0; err == nil && last.obj.Exists && probes < maxRotateProbes; probes++ {
			next, err := head(w.cfg.rotateKey(base, last.rotation+1), last.rotation+1)
			if err != nil {
				return origin{}, err
			}
			if !next.obj.Exists {
				break
			}
			last = next
		}
		return last, err
	}
	last, err := head(base, 0)
	if err != nil || !last.obj.Exists {
		return last, err
	}
	for n := 1; n <= maxRotateProbes; n++ {
		next, err := head(w.cfg.rotateKey(base, n), n)
		if err != nil || !next.obj.Exists {
			return last, err
		}
		last = next
	}
	return origin{}, fmt.Errorf("find the newest object of %s/%s: the %d keys after it all exist", w.bucket, base, maxRotateProbes)
}

// after returns the first free key of the chain of base after rotation n.
func (w *Writer) after(ctx context.Context, base string, n int, optFns ...func(*oss.Options)) (origin, error) {
	for probes := 0; probes < maxRotateProbes && n < maxRotation; probes++ {
		n++
		key := w.cfg.rotateKey(base, n)
		obj, err := w.head(ctx, key, optFns...)
		if err != nil {
			return origin{}, fmt.Errorf("head %s/%s: %w", w.bucket, key, err)
		}
		if !obj.Exists {
			return origin{key: key, rotation: n, obj: obj}, nil
		}
	}
	return origin{}, fmt.Errorf("find a free key after %s/%s: the %d keys after it all exist", w.bucket, base, maxRotateProbes)
}

// checkCodec refuses to append frames of the writer's codec to an object
// that holds another codec's, or uncompressed bytes: the mixture would
// decode neither with compress.NewReader nor with the codec's own tool.
// The codec recorded with the object when it was created decides; only an
// object without a record is judged by its first bytes, if the client can
// read them, and takes any codec while it is empty.
func (w *Writer) checkCodec(ctx context.Context, key string, obj ossapi.Object, optFns ...func(*oss.Options)) error {
	want := w.cfg.codec.Name()
	if obj.Codec != "" {
		if obj.Codec != want {
			return codecRefusal(w.bucket, key, obj.Codec, want)
		}
		return nil
	}
	gc, ok := w.client.(ossapi.GetClient)
	if !ok || obj.Length == 0 {
		return nil
	}
	req := &oss.GetObjectRequest{Bucket: &w.bucket, Key: &key, Range: oss.Ptr("bytes=0-15"), RangeBehavior: oss.Ptr("standard")}
	w.date(&req.RequestCommon)
	res, err := gc.GetObject(ctx, req, optFns...)
	if ossapi.IsArchived(err) {
		return fmt.Errorf("%s/%s: %w: the writer cannot read its first bytes to tell its codec", w.bucket, key, ErrArchived)
	}
	if err != nil {
		return fmt.Errorf("read the first bytes of %s/%s: %w", w.bucket, key, ossapi.Describe(err))
	}
	defer res.Body.Close()
	var head bytes.Buffer
	if _, err := io.Copy(&head, io.LimitReader(res.Body, 16)); err != nil {
		return fmt.Errorf("read the first bytes of %s/%s: %w", w.bucket, key, err)
	}
	if got := compress.Detect(head.Bytes()); got != want {
		return codecRefusal(w.bucket, key, got, want)
	}
	return nil
}

// codecRefusal is the error of an object of codec got, to which a writer
// of codec want cannot append.
func codecRefusal(bucket, key, got, want string) error {
	return fmt.Errorf("%s/%s: %w: it holds %s, and appending %s would leave it undecodable; write it with codec %s, or to another key",
		bucket, key, ErrNotAppendable, encodedName(got), encodedName(want), got)
}

// encodedName names what a codec makes: "zstd frames", "uncompressed bytes".
func encodedName(codec string) string {
	if codec == "none" {
		return "uncompressed bytes"
	}
	return codec + " frames"
}
