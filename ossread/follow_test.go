package ossread_test

// Tests of Follower against osstest through the real SDK
// client. They never sleep to order events: a test that waits for the
// follower waits for what it reads, under a generous deadline.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/osstest"
	"github.com/ossappend/ossappend/retry"
)

const followBucket = "follow-test"

// followDeadline bounds every wait for the follower: far longer than it
// takes on a loaded machine, reached only when something is broken.
const followDeadline = 60 * time.Second

// fastFollow polls and retries within milliseconds, to keep tests quick.
var fastFollow = []ossread.Option{
	ossread.WithPollInterval(5 * time.Millisecond),
	ossread.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxAttempts: 20}),
}

var followCodecs = []compress.Codec{compress.None(), compress.Gzip(-1), compress.Zstd(3), compress.S2()}

func newFollowServer(t *testing.T, opts ...osstest.Option) (*osstest.Server, *oss.Client) {
	t.Helper()
	srv := osstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	if err := srv.CreateBucket(followBucket); err != nil {
		t.Fatal(err)
	}
	return srv, srv.Client()
}

func newTestFollower(t *testing.T, c ossread.Client, key string, opts ...ossread.Option) *ossread.Follower {
	t.Helper()
	f, err := ossread.NewFollower(context.Background(), c, followBucket, key, append(fastFollow[:len(fastFollow):len(fastFollow)], opts...)...)
	if err != nil {
		t.Fatalf("NewFollower(%s): %v", key, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// followAppend appends b to key at its end, as another writer would. It
// finds the end with GetObjectMeta, so that faults injected into HeadObject
// leave it alone.
func followAppend(t *testing.T, c *oss.Client, key string, b []byte) {
	t.Helper()
	var pos int64
	if h, err := c.GetObjectMeta(context.Background(), &oss.GetObjectMetaRequest{Bucket: oss.Ptr(followBucket), Key: oss.Ptr(key)}); err == nil {
		pos = h.ContentLength
	}
	_, err := c.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(followBucket), Key: oss.Ptr(key), Position: oss.Ptr(pos), Body: bytes.NewReader(b),
	})
	if err != nil {
		t.Fatalf("AppendObject(%s): %v", key, err)
	}
}

func followPutNormal(t *testing.T, c *oss.Client, key, body string) {
	t.Helper()
	_, err := c.PutObject(context.Background(), &oss.PutObjectRequest{
		Bucket: oss.Ptr(followBucket), Key: oss.Ptr(key), Body: strings.NewReader(body),
	})
	if err != nil {
		t.Fatalf("PutObject(%s): %v", key, err)
	}
}

func followDelete(t *testing.T, c *oss.Client, key string) {
	t.Helper()
	_, err := c.DeleteObject(context.Background(), &oss.DeleteObjectRequest{Bucket: oss.Ptr(followBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("DeleteObject(%s): %v", key, err)
	}
}

// followLineReader delivers the lines a reader yields on a channel, closed
// once the reader has stopped, so that a test can wait for them with a
// deadline; the error the reader stopped with is then in err.
type followLineReader struct {
	lines chan string
	err   error // set before lines is closed
}

func followLines(r io.Reader) *followLineReader {
	lr := &followLineReader{lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lr.lines <- sc.Text()
		}
		lr.err = sc.Err()
		if lr.err == nil {
			lr.err = io.EOF
		}
		close(lr.lines)
	}()
	return lr
}

// expect waits for the next lines to be want, in order.
func (lr *followLineReader) expect(t *testing.T, want ...string) {
	t.Helper()
	timeout := time.After(followDeadline)
	for _, w := range want {
		select {
		case got, ok := <-lr.lines:
			if !ok {
				t.Fatalf("reader stopped with %v while waiting for line %q", lr.err, w)
			}
			if got != w {
				t.Fatalf("read line %q, want %q", got, w)
			}
		case <-timeout:
			t.Fatalf("line %q not read within %v", w, followDeadline)
		}
	}
}

// end waits for the reader to stop and returns its error.
func (lr *followLineReader) end(t *testing.T) error {
	t.Helper()
	select {
	case got, ok := <-lr.lines:
		if ok {
			t.Fatalf("read unexpected line %q", got)
		}
		return lr.err
	case <-time.After(followDeadline):
		t.Fatalf("reader did not stop within %v", followDeadline)
	}
	return nil
}

// followWaitFor waits until cond holds, failing t after followDeadline.
func followWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(followDeadline); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", followDeadline, what)
		}
	}
}

func followBatch(k int) []string {
	lines := make([]string, 50)
	for i := range lines {
		lines[i] = fmt.Sprintf("batch %d line %02d %s", k, i, strings.Repeat("x", i))
	}
	return lines
}

// TestFollowSeesAppendsAfterStart writes batches of lines through a Writer
// while a Follower decodes them, and checks that each batch is read in full
// before the next one is written: a decoder that held a frame back until
// the next arrived would stall here.
func TestFollowSeesAppendsAfterStart(t *testing.T) {
	for _, codec := range followCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			_, c := newFollowServer(t)
			key := "app.log" + codec.Extension()
			w, err := ossappend.NewWriter(context.Background(), c, followBucket, key, ossappend.WithCodec(codec))
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			writeBatch := func(k int) []string {
				lines := followBatch(k)
				for _, l := range lines {
					fmt.Fprintln(w, l)
				}
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				return lines
			}
			first := writeBatch(0)

			f := newTestFollower(t, c, key)
			dec := compress.NewReader(f)
			defer dec.Close()
			lr := followLines(dec)
			lr.expect(t, first...)
			for k := 1; k <= 3; k++ {
				lr.expect(t, writeBatch(k)...)
			}
			followWaitFor(t, "Offset() to reach the object's end", func() bool { return f.Offset() == w.Stats().BytesAppended })
			f.Close()
			if err := lr.end(t); !errors.Is(err, ossread.ErrClosed) {
				t.Errorf("after Close the reader stopped with %v, want ErrFollowerClosed", err)
			}
		})
	}
}

// TestFollowSealedObjectEnds checks that a Follower reads a sealed object to
// its end and returns io.EOF.
func TestFollowSealedObjectEnds(t *testing.T) {
	_, c := newFollowServer(t)
	w, err := ossappend.NewWriter(context.Background(), c, followBucket, "sealed.log.zst",
		ossappend.WithCodec(compress.Zstd(3)), ossappend.WithSealOnClose())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(w, "first")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f := newTestFollower(t, c, "sealed.log.zst")
	dec := compress.NewReader(f)
	lr := followLines(dec)
	lr.expect(t, "first")
	fmt.Fprintln(w, "last")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lr.expect(t, "last")
	if err := lr.end(t); err != io.EOF {
		t.Fatalf("reader stopped with %v, want io.EOF", err)
	}
}

func TestFollowStartAtEnd(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "k.log", []byte("old\n"))
	f := newTestFollower(t, c, "k.log", ossread.WithStartAtEnd())
	if got := f.Offset(); got != 4 {
		t.Fatalf("Offset() = %d, want 4", got)
	}
	lr := followLines(f)
	followAppend(t, c, "k.log", []byte("new\n"))
	lr.expect(t, "new")
}

// TestFollowStartOffsetResumes resumes a second Follower where the first
// stopped.
func TestFollowStartOffsetResumes(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "k.log", []byte("one\n"))
	f := newTestFollower(t, c, "k.log")
	buf := make([]byte, 100)
	n, err := io.ReadAtLeast(f, buf, 4)
	if err != nil || string(buf[:n]) != "one\n" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	f.Close()
	followAppend(t, c, "k.log", []byte("two\n"))
	g := newTestFollower(t, c, "k.log", ossread.WithStartOffset(f.Offset()))
	followLines(g).expect(t, "two")
}

func TestFollowStartOffsetPastEnd(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "k.log", []byte("one\n"))
	_, err := ossread.NewFollower(context.Background(), c, followBucket, "k.log", ossread.WithStartOffset(5))
	if !errors.Is(err, ossappend.ErrInvalidArgument) {
		t.Fatalf("NewFollower past the end: %v, want ErrInvalidArgument", err)
	}
}

func TestFollowBadArguments(t *testing.T) {
	_, c := newFollowServer(t)
	for name, tc := range map[string]struct {
		bucket, key string
		opt         ossread.Option
	}{
		"poll interval": {followBucket, "k", ossread.WithPollInterval(0)},
		"start offset":  {followBucket, "k", ossread.WithStartOffset(-1)},
		"retry":         {followBucket, "k", ossread.WithRetry(retry.Policy{})},
		"bucket":        {"B", "k", nil},
		"key":           {followBucket, "", nil},
	} {
		_, err := ossread.NewFollower(context.Background(), c, tc.bucket, tc.key, tc.opt)
		if !errors.Is(err, ossappend.ErrInvalidArgument) {
			t.Errorf("%s: NewFollower = %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestFollowMissingObject(t *testing.T) {
	_, c := newFollowServer(t)
	_, err := ossread.NewFollower(context.Background(), c, followBucket, "missing.log")
	if !errors.Is(err, ossread.ErrNoSuchKey) {
		t.Fatalf("NewFollower of a missing object: %v, want ErrNoSuchKey", err)
	}
	_, err = ossread.NewFollower(context.Background(), c, "no-such-bucket", "k.log")
	if !errors.Is(err, ossappend.ErrNoSuchBucket) {
		t.Fatalf("NewFollower in a missing bucket: %v, want ErrNoSuchBucket", err)
	}
}

func TestFollowWaitsForObject(t *testing.T) {
	_, c := newFollowServer(t)
	// WithStartAtEnd has no effect on an object created after the start.
	f := newTestFollower(t, c, "later.log", ossread.WithWaitForObject(), ossread.WithStartAtEnd())
	lr := followLines(f)
	followAppend(t, c, "later.log", []byte("hello\n"))
	lr.expect(t, "hello")
}

func TestFollowNormalObject(t *testing.T) {
	_, c := newFollowServer(t)
	followPutNormal(t, c, "normal.log", "hi\n")
	_, err := ossread.NewFollower(context.Background(), c, followBucket, "normal.log")
	if !errors.Is(err, ossappend.ErrNotAppendable) {
		t.Fatalf("NewFollower of a Normal object: %v, want ErrNotAppendable", err)
	}
}

func TestFollowAccessDenied(t *testing.T) {
	srv, _ := newFollowServer(t)
	cfg := srv.Config().WithCredentialsProvider(credentials.NewStaticCredentialsProvider(osstest.AccessKeyID, "wrong-secret"))
	_, err := ossread.NewFollower(context.Background(), oss.NewClient(cfg), followBucket, "k.log")
	if !errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("NewFollower with a wrong secret: %v, want ErrAccessDenied", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("the error shows the secret: %v", err)
	}
}

// TestFollowObjectGoesAway deletes the followed object, or replaces it by
// a Normal one.
func TestFollowObjectGoesAway(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(t *testing.T, c *oss.Client)
		want   []error
	}{
		"deleted": {
			func(t *testing.T, c *oss.Client) { followDelete(t, c, "k.log") },
			[]error{ossread.ErrObjectReplaced},
		},
		"Normal": {
			func(t *testing.T, c *oss.Client) { followPutNormal(t, c, "k.log", "one\ntwo\n") },
			[]error{ossread.ErrObjectReplaced, ossappend.ErrNotAppendable},
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, c := newFollowServer(t)
			followAppend(t, c, "k.log", []byte("one\n"))
			lr := followLines(newTestFollower(t, c, "k.log"))
			lr.expect(t, "one")
			tc.change(t, c)
			err := lr.end(t)
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("follower stopped with %v, want %v", err, want)
				}
			}
		})
	}
}

// followGatedClient holds each HeadObject until the test lets it through, so
// that the test can change the object between two polls.
type followGatedClient struct {
	*oss.Client
	gate chan struct{}
}

func (g followGatedClient) HeadObject(ctx context.Context, req *oss.HeadObjectRequest, optFns ...func(*oss.Options)) (*oss.HeadObjectResult, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Client.HeadObject(ctx, req, optFns...)
}

// TestFollowObjectReplacedByLonger replaces the object, between two polls,
// by a longer appendable one that does not begin with what was read: only
// the CRC-64 tells.
func TestFollowObjectReplacedByLonger(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "k.log", []byte("one\n"))
	gate := make(chan struct{}, 1)
	gate <- struct{}{} // NewFollower's HeadObject
	f := newTestFollower(t, followGatedClient{Client: c, gate: gate}, "k.log")
	buf := make([]byte, 100)
	n, err := io.ReadAtLeast(f, buf, 4) // a GetObject, no HeadObject
	if err != nil || string(buf[:n]) != "one\n" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	// The next Read polls, and waits at the gate: replace the object.
	followDelete(t, c, "k.log")
	followAppend(t, c, "k.log", []byte("ONE\ntwo\n"))
	close(gate)
	for err == nil {
		_, err = f.Read(buf)
	}
	if !errors.Is(err, ossread.ErrObjectReplaced) {
		t.Fatalf("Read = %v, want ErrObjectReplaced", err)
	}
}

// TestFollowRidesOutFailures makes HeadObject fail for a while under a
// Follower, which keeps going.
func TestFollowRidesOutFailures(t *testing.T) {
	srv, c := newFollowServer(t)
	followAppend(t, c, "k.log", []byte("one\n"))
	f := newTestFollower(t, oss.NewClient(srv.Config().WithRetryMaxAttempts(1)), "k.log")
	lr := followLines(f)
	lr.expect(t, "one")
	srv.SetFaults(1, osstest.Fault{Op: "HeadObject", Kind: osstest.FaultError503, Limit: 5})
	followAppend(t, c, "k.log", []byte("two\n"))
	lr.expect(t, "two")
	if got := srv.Counts().Faults[osstest.FaultError503]; got != 5 {
		t.Errorf("%d faults injected, want 5", got)
	}
}

// TestFollowGivesUp checks that a Follower whose requests keep failing
// stops with ErrRetriesExhausted.
func TestFollowGivesUp(t *testing.T) {
	srv, c := newFollowServer(t)
	followAppend(t, c, "k.log", []byte("one\n"))
	c = oss.NewClient(srv.Config().WithRetryMaxAttempts(1)) // only the Follower retries
	f := newTestFollower(t, c, "k.log", ossread.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxAttempts: 3}))
	lr := followLines(f)
	lr.expect(t, "one")
	srv.SetFaults(1, osstest.Fault{Op: "HeadObject", Kind: osstest.FaultError503})
	if err := lr.end(t); !errors.Is(err, ossappend.ErrRetriesExhausted) {
		t.Fatalf("follower stopped with %v, want ErrRetriesExhausted", err)
	}
}

func TestFollowContextEnds(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "k.log", []byte("one\n"))
	ctx, cancel := context.WithCancel(context.Background())
	f, err := ossread.NewFollower(ctx, c, followBucket, "k.log", fastFollow...)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lr := followLines(f)
	lr.expect(t, "one")
	cancel()
	if err := lr.end(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("follower stopped with %v, want context.Canceled", err)
	}
}
