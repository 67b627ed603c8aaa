package ossappend_test

// A process killed in the middle of an append may still have its request
// applied after its death: the bytes were in the socket, and OSS acts on
// them later, perhaps after the next writer on the spool has looked at
// the object and found the append absent. These tests hold a writer's
// request back, abandon the writer, and let the request land at chosen
// moments of the next writer's life.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

// heldAppends keeps the AppendObject requests made through it, their
// bodies read, and answers none of them until the writer gives up.
type heldAppends struct {
	*oss.Client
	mu   sync.Mutex
	held []*oss.AppendObjectRequest
	one  chan struct{} // closed once a request is held
}

func (h *heldAppends) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, _ ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	kept := *req
	kept.Body, kept.ProgressFn = bytes.NewReader(body), nil
	h.mu.Lock()
	h.held = append(h.held, &kept)
	if len(h.held) == 1 {
		close(h.one)
	}
	h.mu.Unlock()
	<-ctx.Done()
	return nil, ctx.Err()
}

// lateAppend lets a held request land just before (or after) the first
// append the writer makes through it.
type lateAppend struct {
	*oss.Client
	late    *oss.AppendObjectRequest
	before  bool
	once    sync.Once
	lateErr error // what OSS answered the late request
}

func (l *lateAppend) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, o ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	first := false
	l.once.Do(func() { first = true })
	if first && l.before {
		_, l.lateErr = l.Client.AppendObject(ctx, l.late)
	}
	res, err := l.Client.AppendObject(ctx, req, o...)
	if first && !l.before {
		_, l.lateErr = l.Client.AppendObject(ctx, l.late)
	}
	return res, err
}

// stampedGzip is gzip whose frames carry a modification time: two writers
// with different stamps encode the same bytes differently, as a writer
// built with another version of a compressor may.
type stampedGzip struct {
	compress.Codec
	mtime byte
}

func (s stampedGzip) Encode(dst, src []byte) ([]byte, error) {
	start := len(dst)
	out, err := s.Codec.Encode(dst, src)
	if err == nil {
		out[start+4] = s.mtime // MTIME, the first of its four bytes
	}
	return out, err
}

// TestSpoolLateAppendOfADeadWriter: the next writer on the spool sends
// the frames of the dead writer's last append again, as one append at the
// same place. Whether the dead writer's request lands before it or after,
// the object holds every line once, in order, with no conflict and no
// new key; when the two encodings differ, the late one is recognised from
// the spool's record of it.
func TestSpoolLateAppendOfADeadWriter(t *testing.T) {
	gz := compress.Gzip(compress.DefaultGzipLevel)
	codecs := []struct {
		name          string
		first, second compress.Codec
		differ        bool // the two writers encode the same frame differently
	}{
		{"none", compress.None(), compress.None(), false},
		{"zstd", compress.Zstd(compress.DefaultZstdLevel), compress.Zstd(compress.DefaultZstdLevel), false},
		{"gzip encoded otherwise", stampedGzip{gz, 1}, stampedGzip{gz, 2}, true},
	}
	for _, c := range codecs {
		for _, before := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/late-append-lands-first=%v", c.name, before), func(t *testing.T) {
				srv := newServer(t)
				dir := t.TempDir()
				key := "late.log" + c.first.Extension()
				opts := []ossappend.Option{ossappend.WithSpool(dir), ossappend.WithFlushSize(1 << 10), ossappend.WithFlushInterval(0), fastRetry}

				dead := &heldAppends{Client: srv.Client(), one: make(chan struct{})}
				w := newWriter(t, dead, key, append(opts, ossappend.WithCodec(c.first))...)
				var want bytes.Buffer
				for i := range 300 {
					want.WriteString(numberedLine(0, i))
					if _, err := w.WriteString(numberedLine(0, i)); err != nil {
						t.Fatal(err)
					}
				}
				select {
				case <-dead.one:
				case <-time.After(time.Minute):
					t.Fatal("the first writer sent no append")
				}
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				w.Shutdown(ctx) // dead, its first append in flight

				next := &lateAppend{Client: srv.Client(), late: dead.held[0], before: before}
				again := newWriter(t, next, key, append(opts, ossappend.WithCodec(c.second))...)
				for i := range 100 {
					want.WriteString(numberedLine(1, i))
					again.WriteString(numberedLine(1, i))
				}
				if err := again.Close(); err != nil {
					t.Fatal(err)
				}
				obj, _ := srv.Object(bucket, key)
				if got := decode(t, c.first, obj); !bytes.Equal(got, want.Bytes()) {
					t.Fatalf("object decodes to %d bytes, want %d: every line once, in order; stats %+v", len(got), want.Len(), again.Stats())
				}
				st := again.Stats()
				if st.Conflicts != 0 || st.Rotations != 0 {
					t.Fatalf("stats %+v: the late append was taken for another writer's", st)
				}
				var se *oss.ServiceError
				switch {
				case before && next.lateErr != nil:
					t.Fatalf("the late append, sent first: %v", next.lateErr)
				case !before && !(errors.As(next.lateErr, &se) && se.Code == "PositionNotEqualToLength"):
					t.Fatalf("the late append, sent after the next writer's: %v, want PositionNotEqualToLength", next.lateErr)
				case before && st.Reconciled == 0:
					t.Fatalf("stats %+v: the next writer did not look at the object after its append was refused", st)
				case before && c.differ && st.SpoolFoundStored == 0:
					t.Fatalf("stats %+v: the late append, encoded otherwise, not counted as found stored", st)
				}
			})
		}
	}
}
