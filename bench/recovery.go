package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
)

// RecoveryResult is one run of scenario 8: a spool left holding Bytes of
// log text by a writer whose appends OSS refused, then a writer opened on
// it again, on a client that works.
type RecoveryResult struct {
	Bytes  int64 // log text the spool held
	Frames int64 // frames the second writer found (Stats().SpoolRecovered)
	// Fill is the io.Copy of the text into the first writer, while OSS
	// refused its appends: the spool absorbing an outage.
	Fill time.Duration
	// Open is NewWriter on the spool: the frames scanned and checked, and
	// the append the first writer recorded last looked up (HeadObject).
	Open time.Duration
	// Close is the second writer's Close: every frame read back from the
	// spool and appended, and removed once stored.
	Close  time.Duration
	Others float64 // cores other work took during Open and Close (see cpuMeter)
}

// recoveryKey is the object scenario 8 writes.
const recoveryKey = "spool/recovered.log"

// Recovery fills a spool in a fresh temporary directory with text through
// a writer whose appends are all refused, abandons that writer (Shutdown
// with a context already canceled, which leaves the frames in the spool),
// then times NewWriter on the spool and its Close over an Instant client.
// It checks that the first writer stored nothing and left every byte
// pending, and that the object holds text, every byte once and in order.
func Recovery(text []byte) (RecoveryResult, error) {
	r := RecoveryResult{Bytes: int64(len(text))}
	dir, err := os.MkdirTemp("", "ossbench-spool-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	c := &Instant{}
	if r.Fill, err = abandonSpool(c, dir, text); err != nil {
		return r, err
	}

	check := &comparing{Instant: c, want: text}
	runtime.GC()
	m := readCPU()
	start := time.Now()
	w, err := ossappend.NewWriter(context.Background(), check, "bench", recoveryKey, ossappend.WithSpool(dir))
	r.Open = time.Since(start)
	if err != nil {
		return r, fmt.Errorf("open the spool again: %w", err)
	}
	start = time.Now()
	err = w.Close()
	r.Close = time.Since(start)
	r.Others = m.othersCores()
	if err != nil {
		return r, fmt.Errorf("close the writer that recovered the spool: %w", err)
	}
	st := w.Stats()
	r.Frames = st.SpoolRecovered
	switch {
	case check.failed() != nil:
		return r, check.failed()
	case c.Size() != int64(len(text)) || len(c.Keys()) != 1:
		return r, fmt.Errorf("the recovered spool stored %d bytes in %d objects, want %d in one", c.Size(), len(c.Keys()), len(text))
	case st.BytesStored != int64(len(text)) || st.Pending != 0 || st.SpooledBytes != 0 || r.Frames == 0:
		return r, fmt.Errorf("stats of the writer that recovered the spool: %+v", st)
	}
	return r, nil
}

// abandonSpool copies text into a writer on dir over a client that
// refuses every append, then abandons the writer, and says how long the
// copy took. It checks that nothing was stored and everything is pending.
func abandonSpool(c *Instant, dir string, text []byte) (time.Duration, error) {
	w, err := ossappend.NewWriter(context.Background(), refusing{c}, "bench", recoveryKey, ossappend.WithSpool(dir))
	if err != nil {
		return 0, err
	}
	start := time.Now()
	_, err = io.Copy(w, source(text))
	fill := time.Since(start)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	serr := w.Shutdown(ctx)
	if err != nil {
		return fill, fmt.Errorf("fill the spool: %w", err)
	}
	if !errors.Is(serr, context.Canceled) {
		return fill, fmt.Errorf("abandon the writer: Shutdown = %v, want the bytes not stored counted", serr)
	}
	if st := w.Stats(); st.BytesStored != 0 || st.Pending != int64(len(text)) || c.Appends() != 0 {
		return fill, fmt.Errorf("the abandoned writer stored %d bytes and left %d pending, want 0 and %d", st.BytesStored, st.Pending, len(text))
	}
	return fill, nil
}

// EmptyOpen times NewWriter on an empty spool in a fresh temporary
// directory, or without a spool, over an Instant client.
func EmptyOpen(spool bool) (time.Duration, error) {
	var opts []ossappend.Option
	if spool {
		dir, err := os.MkdirTemp("", "ossbench-spool-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		opts = append(opts, ossappend.WithSpool(dir))
	}
	start := time.Now()
	w, err := ossappend.NewWriter(context.Background(), &Instant{}, "bench", recoveryKey, opts...)
	took := time.Since(start)
	if err != nil {
		return took, err
	}
	return took, w.Close()
}

// refusing is a client whose appends all fail with 503
// ServiceUnavailable, which the writer retries until it is shut down;
// HeadObject is the wrapped client's.
type refusing struct{ ossappend.Client }

func (refusing) AppendObject(context.Context, *oss.AppendObjectRequest, ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	return nil, &oss.ServiceError{StatusCode: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "Please reduce your request rate."}
}

// comparing is an Instant that compares each append's body, as it
// consumes it, with want from the append's position on. An append that
// differs is applied all the same and the first difference remembered:
// with the Instant's check of positions, an object of len(want) bytes with
// no difference holds want, every byte once and in order.
type comparing struct {
	*Instant
	want []byte

	mu  sync.Mutex
	err error
}

func (c *comparing) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, opts ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	if req.Position != nil && req.Body != nil {
		r := *req
		r.Body = &compareReader{r: req.Body, c: c, off: *req.Position}
		req = &r
	}
	return c.Instant.AppendObject(ctx, req, opts...)
}

// failed is the first difference found, or nil.
func (c *comparing) failed() error { c.mu.Lock(); defer c.mu.Unlock(); return c.err }

// compareReader reads an append's body and compares it with the
// comparing client's want from off on.
type compareReader struct {
	r   io.Reader
	c   *comparing
	off int64
}

func (r *compareReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if end := r.off + int64(n); end > int64(len(r.c.want)) || !bytes.Equal(p[:n], r.c.want[r.off:end]) {
		r.c.mu.Lock()
		if r.c.err == nil {
			r.c.err = fmt.Errorf("the append of %d bytes at %d differs from the source there", n, r.off)
		}
		r.c.mu.Unlock()
	}
	r.off += int64(n)
	return n, err
}
