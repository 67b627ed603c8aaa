package ossappend_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/retry"
)

// TestNewWriterRejectsBadArguments checks that every bad argument or option
// gets ErrInvalidArgument, naming the problem, before any request.
func TestNewWriterRejectsBadArguments(t *testing.T) {
	srv := newServer(t)
	client := srv.Client()
	for _, tc := range []struct {
		name   string
		client ossappend.Client
		bucket string
		key    string
		opts   []ossappend.Option
		says   string // the message names the problem
	}{
		{name: "nil client", bucket: bucket, key: "a.log", says: "nil client"},
		{name: "empty bucket", bucket: "", key: "a.log", says: "empty"},
		{name: "short bucket", bucket: "ab", key: "a.log", says: "3 to 63"},
		{name: "long bucket", bucket: strings.Repeat("b", 64), key: "a.log", says: "3 to 63"},
		{name: "uppercase bucket", bucket: "My-Bucket", key: "a.log", says: "lowercase"},
		{name: "bucket ending in -", bucket: "bucket-", key: "a.log", says: "begin and end"},
		{name: "empty key", bucket: bucket, key: "", says: "empty"},
		{name: "long key", bucket: bucket, key: strings.Repeat("k", 1024), says: "1024 bytes"},
		{name: "key with leading slash", bucket: bucket, key: "/a.log", says: "begin with"},
		{name: "key with leading backslash", bucket: bucket, key: `\a.log`, says: "begin with"},
		{name: "key not UTF-8", bucket: bucket, key: "a\xffb", says: "UTF-8"},
		{name: "flush size 0", opts: []ossappend.Option{ossappend.WithFlushSize(0)}, says: "flush size 0"},
		{name: "negative flush size", opts: []ossappend.Option{ossappend.WithFlushSize(-1)}, says: "flush size -1"},
		{name: "flush size over 5 GiB", opts: []ossappend.Option{ossappend.WithFlushSize(wide(5<<30 + 1))}, says: "larger than the object size limit"},
		{name: "flush size over the object size", opts: []ossappend.Option{ossappend.WithFlushSize(2000), ossappend.WithMaxObjectSize(1000)}, says: "larger than the object size limit"},
		{name: "object size over 5 GiB", opts: []ossappend.Option{ossappend.WithMaxObjectSize(5<<30 + 1)}, says: "max object size"},
		{name: "negative flush interval", opts: []ossappend.Option{ossappend.WithFlushInterval(-time.Second)}, says: "flush interval"},
		{name: "max inflight 0", opts: []ossappend.Option{ossappend.WithMaxInflight(0)}, says: "max inflight 0"},
		{name: "concurrency 0", opts: []ossappend.Option{ossappend.WithConcurrency(0)}, says: "concurrency 0"},
		{name: "unknown zstd level", opts: []ossappend.Option{ossappend.WithCodec(compress.Zstd(99))}, says: "zstd level 99"},
		{name: "unknown gzip level", opts: []ossappend.Option{ossappend.WithCodec(compress.Gzip(42))}, says: "gzip level 42"},
		{name: "nil codec", opts: []ossappend.Option{ossappend.WithCodec(nil)}, says: "nil codec"},
		{name: "bad retry policy", opts: []ossappend.Option{ossappend.WithRetry(retry.Policy{MinBackoff: time.Second, MaxBackoff: time.Millisecond})}, says: "retry policy"},
		{name: "nil rotate function", opts: []ossappend.Option{ossappend.WithRotateKey(nil)}, says: "rotate key"},
		{name: "object options with a body", opts: []ossappend.Option{ossappend.WithObjectOptions(&oss.AppendObjectRequest{Body: strings.NewReader("x")})}, says: "set by the writer"},
		{name: "max inflight MaxInt", opts: []ossappend.Option{ossappend.WithMaxInflight(math.MaxInt)}, says: "max inflight"},
		{name: "max inflight MaxInt-1", opts: []ossappend.Option{ossappend.WithMaxInflight(math.MaxInt - 1)}, says: "max inflight"},
		{name: "frames over 64 GiB", opts: []ossappend.Option{ossappend.WithMaxInflight(64), ossappend.WithFlushSize(1 << 30)}, says: "more than"},
		{name: "more frames than 65536", opts: []ossappend.Option{ossappend.WithMaxInflight(1 << 20), ossappend.WithFlushSize(1)}, says: "max inflight 1048576: want 1 to 65536"},
		{name: "concurrency MaxInt", opts: []ossappend.Option{ossappend.WithConcurrency(math.MaxInt)}, says: "concurrency"},
		{name: "5 GiB frames with a codec", opts: []ossappend.Option{ossappend.WithFlushSize(wide(5 << 30)), ossappend.WithCodec(compress.Zstd(1))}, says: "incompressible"},
		{name: "key too long to rotate", bucket: bucket, key: strings.Repeat("k", 1022), says: "rotated name"},
		{name: "rotate function naming bad names", opts: []ossappend.Option{ossappend.WithRotateKey(func(string, int) string { return "/abs" })}, says: "rotated name"},
		{name: "seal without a sealer", client: headAppendOnly{client}, opts: []ossappend.Option{ossappend.WithSealOnClose()}, says: "SealAppendObject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.name, "5 GiB") && strconv.IntSize < 64 {
				t.Skip("a flush size of 5 GiB is no int here")
			}
			c, b, k := tc.client, tc.bucket, tc.key
			if c == nil && tc.name != "nil client" {
				c = client
			}
			if b == "" && !strings.Contains(tc.name, "bucket") {
				b = bucket
			}
			if k == "" && !strings.Contains(tc.name, "key") {
				k = "a.log"
			}
			srv.ResetCounts()
			w, err := ossappend.NewWriter(context.Background(), c, b, k, tc.opts...)
			if !errors.Is(err, ossappend.ErrInvalidArgument) {
				t.Fatalf("NewWriter = %v, %v; want ErrInvalidArgument", w, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %q does not say %q", err, tc.says)
			}
			if n := len(srv.Counts().Requests); n != 0 {
				t.Fatalf("%d kinds of requests reached OSS before the argument was refused", n)
			}
		})
	}
}

// headAppendOnly hides the client's SealAppendObject.
type headAppendOnly struct{ ossappend.Client }

// TestWritesOfEverySize checks the defined results for writes of unusual
// sizes: nothing for zero bytes, split in order past FlushSize, spread over
// rotated objects past MaxObjectSize.
func TestWritesOfEverySize(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "sizes.log", ossappend.WithFlushSize(1000), ossappend.WithMaxObjectSize(2500))
	if n, err := w.Write(nil); n != 0 || err != nil {
		t.Fatalf("Write(nil) = %d, %v; want 0, nil", n, err)
	}
	if n, err := w.Write([]byte{}); n != 0 || err != nil {
		t.Fatalf("Write(empty) = %d, %v; want 0, nil", n, err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if st, c := w.Stats(), srv.Counts().Requests["AppendObject"]; st.Frames != 0 || c != 0 {
		t.Fatalf("empty writes made %d frames and %d appends", st.Frames, c)
	}
	big := logData(3, 6000) // over FlushSize and over MaxObjectSize
	if n, err := w.Write(big); n != len(big) || err != nil {
		t.Fatalf("Write(6000 bytes) = %d, %v", n, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, k := range []string{"sizes.log", "sizes.1.log", "sizes.2.log"} {
		obj, ok := srv.Object(bucket, k)
		if !ok || len(obj) > 2500 {
			t.Fatalf("%s: %d bytes, exists %v", k, len(obj), ok)
		}
		all = append(all, obj...)
	}
	if !bytes.Equal(all, big) {
		t.Fatal("the objects together differ from the write")
	}
	if st := w.Stats(); st.Frames != 6 {
		t.Fatalf("%d frames, want 6 of at most 1000 bytes", st.Frames)
	}
}

func TestShutdownWithExpiredContext(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "expired.log")
	w.WriteString("stored\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	w.WriteString("abandoned\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := w.Shutdown(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "10 bytes not stored") {
		t.Fatalf("Shutdown(expired) = %v, want context.Canceled naming 10 bytes", err)
	}
	if st := w.Stats(); st.Pending != 10 {
		t.Fatalf("Pending = %d, want 10", st.Pending)
	}
	if got := getObject(t, srv.Client(), "expired.log"); string(got) != "stored\n" {
		t.Fatalf("object = %q", got)
	}
	if err2 := w.Close(); err2 != err {
		t.Fatalf("Close after Shutdown = %v, want %v", err2, err)
	}
	if err := w.Flush(); !errors.Is(err, ossappend.ErrClosed) {
		t.Fatalf("Flush after Shutdown = %v, want ErrClosed", err)
	}
	checkNoLeaks(t)
}

// wide returns n as an int, as it is where int has 64 bits; the cases
// that use it are skipped where it has fewer.
func wide(n int64) int { return int(n) }
