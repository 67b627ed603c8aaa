package ossread_test

// Helpers of the Reader tests: writers that rotate often, numbered lines,
// and a client that counts, and can hold, the Reader's requests.

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/retry"
)

// Small frames and objects, so that a few thousand lines make a chain of
// more than ten objects (app.10.log sorts before app.2.log by bytes).
const (
	seriesFlushSize = 256
	seriesMaxObject = 1024
)

// newSeriesWriter returns a Writer on key that rotates every few frames.
func newSeriesWriter(t *testing.T, c *oss.Client, key string, codec compress.Codec, opts ...ossappend.Option) *ossappend.Writer {
	t.Helper()
	opts = append([]ossappend.Option{
		ossappend.WithCodec(codec),
		ossappend.WithFlushSize(seriesFlushSize),
		ossappend.WithMaxObjectSize(seriesMaxObject),
		ossappend.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxElapsed: time.Minute}),
	}, opts...)
	w, err := ossappend.NewWriter(context.Background(), c, followBucket, key, opts...)
	if err != nil {
		t.Fatalf("NewWriter(%s): %v", key, err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// numbered is line i of a stream tagged tag: a counter and 16 hex digits
// that compress poorly, so that compressed objects rotate too.
func numbered(tag string, i int) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s %d", tag, i)
	return fmt.Sprintf("%s %06d %016x", tag, i, h.Sum64())
}

// writeNumbered writes lines from to to-1 of tag through w.
func writeNumbered(t *testing.T, w io.Writer, tag string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := fmt.Fprintln(w, numbered(tag, i)); err != nil {
			t.Fatal(err)
		}
	}
}

// expectNumbered waits for lines from to to-1 of tag.
func (lr *followLineReader) expectNumbered(t *testing.T, tag string, from, to int) {
	t.Helper()
	want := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		want = append(want, numbered(tag, i))
	}
	lr.expect(t, want...)
}

// readLines reads r to its end and returns its lines.
func readLines(t *testing.T, r io.Reader) []string {
	t.Helper()
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("after %d lines: %v", len(lines), err)
	}
	return lines
}

func checkNumbered(t *testing.T, lines []string, tag string, from, to int) []string {
	t.Helper()
	for i := from; i < to; i++ {
		if len(lines) == 0 {
			t.Fatalf("read up to line %d of %s, want up to %d", i, tag, to)
		}
		if want := numbered(tag, i); lines[0] != want {
			t.Fatalf("read %q, want %q", lines[0], want)
		}
		lines = lines[1:]
	}
	return lines
}

func newTestReader(t *testing.T, c ossread.ListClient, key string, opts ...ossread.Option) *ossread.Reader {
	t.Helper()
	r, err := ossread.NewReader(context.Background(), c, followBucket, key, append(fastFollow[:len(fastFollow):len(fastFollow)], opts...)...)
	if err != nil {
		t.Fatalf("NewReader(%s): %v", key, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// rotations returns the writer's rotation count once it has stored all it
// was given.
func rotations(t *testing.T, w *ossappend.Writer) int64 {
	t.Helper()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return w.Stats().Rotations
}

// watchClient counts the requests a Reader sends, by operation and key,
// and calls hold, if set, before each: a test can make it wait there.
type watchClient struct {
	*oss.Client
	mu     sync.Mutex
	counts map[string]int // "HeadObject app.log", "GetObject app.log", "ListObjectsV2"
	hold   func(op string, n int)
}

func newWatchClient(c *oss.Client) *watchClient {
	return &watchClient{Client: c, counts: map[string]int{}}
}

func (w *watchClient) count(op string) {
	w.mu.Lock()
	w.counts[op]++
	n, hold := w.counts[op], w.hold
	w.mu.Unlock()
	if hold != nil {
		hold(op, n)
	}
}

// setHold sets the function called before each request.
func (w *watchClient) setHold(hold func(op string, n int)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hold = hold
}

// snapshot returns the counts so far.
func (w *watchClient) snapshot() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := make(map[string]int, len(w.counts))
	for k, v := range w.counts {
		m[k] = v
	}
	return m
}

func (w *watchClient) HeadObject(ctx context.Context, req *oss.HeadObjectRequest, optFns ...func(*oss.Options)) (*oss.HeadObjectResult, error) {
	w.count("HeadObject " + oss.ToString(req.Key))
	return w.Client.HeadObject(ctx, req, optFns...)
}

func (w *watchClient) GetObject(ctx context.Context, req *oss.GetObjectRequest, optFns ...func(*oss.Options)) (*oss.GetObjectResult, error) {
	w.count("GetObject " + oss.ToString(req.Key))
	return w.Client.GetObject(ctx, req, optFns...)
}

func (w *watchClient) ListObjectsV2(ctx context.Context, req *oss.ListObjectsV2Request, optFns ...func(*oss.Options)) (*oss.ListObjectsV2Result, error) {
	w.count("ListObjectsV2")
	return w.Client.ListObjectsV2(ctx, req, optFns...)
}
