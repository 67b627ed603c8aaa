package ossappend

import (
	"context"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// An Observer hears of a writer's life as it happens, for metrics and
// tracing (package github.com/ossappend/ossappend/metrics is one): give
// it to NewWriter with WithObserver. Its methods are called from the
// writer's goroutines, for many writers at once if they share it; they
// must be safe for concurrent use, return quickly and not call the
// writer's Close or Shutdown.
type Observer interface {
	// Opened is called once NewWriter has made w, before w makes any
	// request of its own and before NewWriter returns it.
	Opened(w *Writer)
	// Requested is called after each request w makes to OSS once it is
	// open, with how it went.
	Requested(w *Writer, r Request)
	// Closed is called when the first Close or Shutdown of w has
	// finished, before it returns.
	Closed(w *Writer)
}

// A Request is one request a writer made to OSS, as its Observer hears
// of it.
type Request struct {
	// Op names the operation as the SDK does: "AppendObject",
	// "HeadObject", "GetObject", "SealAppendObject", "ListObjectsV2".
	Op string
	// Key is the object it was about.
	Key string
	// Bytes is the length of the body an AppendObject sent; 0 otherwise.
	Bytes int64
	// Duration is how long the request took, from being sent to its
	// answer (or its failure); waits for a RequestBudget are not in it.
	Duration time.Duration
	// Err is why it failed; nil if it succeeded.
	Err error
}

// WithObserver makes the writer tell o of its life: when it opens, each
// request it makes to OSS, and when it closes (see Observer). Given more
// than once, it adds observers, each told in turn.
func WithObserver(o Observer) Option {
	return func(c *config) {
		if o != nil {
			c.observers = append(c.observers, o)
		}
	}
}

// Info says what a writer writes: the bucket, the key or layout given to
// NewWriter, and the codec. It is fixed for the writer's life, so that
// metrics can label a writer with it.
type Info struct {
	Bucket string
	// Key is the key given to NewWriter, or the layout with WithKeyLayout;
	// Writer.Key says which object the writer is writing now.
	Key string
	// Layout says whether Key is a layout (see WithKeyLayout).
	Layout bool
	// Codec is the name of the writer's codec: "none", "gzip", "zstd",
	// "s2", or a codec of one's own.
	Codec string
}

// Info returns what the writer writes.
func (w *Writer) Info() Info {
	return Info{Bucket: w.bucket, Key: w.name, Layout: w.cfg.keyLayout, Codec: w.cfg.codec.Name()}
}

// request makes one request to OSS for the writer once it is open: send
// is the request. It waits for the writer's RequestBudget first, if it
// shares one, and tells the budget and the observer how the request went.
// It returns send's error, or ctx's if ctx ends while it waits.
func (w *Writer) request(ctx context.Context, op, key string, n int64, send func() error) error {
	if err := w.cfg.requestBudget.take(ctx); err != nil {
		return err
	}
	start := time.Now()
	if w.open {
		w.requests.sent = w.cfg.clock.Now() // the append loop's, as every request once the writer is open
	}
	err := send()
	w.noteSkew(err)
	w.cfg.requestBudget.answered(err)
	if w.open && len(w.cfg.observers) > 0 {
		r := Request{Op: op, Key: key, Bytes: n, Duration: time.Since(start), Err: err}
		for _, o := range w.cfg.observers {
			o.Requested(w, r)
		}
	}
	return err
}

// head asks HeadObject about key, as a request of the writer. A missing
// object is no error (see ossapi.Head).
func (w *Writer) head(ctx context.Context, key string, optFns ...func(*oss.Options)) (ossapi.Object, error) {
	var obj ossapi.Object
	err := w.request(ctx, "HeadObject", key, 0, func() error {
		req := &oss.HeadObjectRequest{Bucket: &w.bucket, Key: &key}
		w.date(&req.RequestCommon)
		res, err := w.client.HeadObject(ctx, req, optFns...)
		switch {
		case ossapi.IsNoSuchKey(err):
			return nil
		case err != nil:
			return ossapi.Describe(err)
		}
		obj, err = ossapi.ObjectOf(res)
		return err
	})
	return obj, err
}
