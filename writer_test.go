package ossappend_test

// Integration tests: the writer, the real SDK client and osstest, an
// OSS-protocol server on loopback.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

const bucket = "ossappend-test"

// newServer starts an osstest server with the test bucket, closed with t.
func newServer(t testing.TB, opts ...osstest.Option) *osstest.Server {
	t.Helper()
	srv := osstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	if err := srv.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	return srv
}

func newWriter(t testing.TB, c ossappend.Client, key string, opts ...ossappend.Option) *ossappend.Writer {
	t.Helper()
	w, err := ossappend.NewWriter(context.Background(), c, bucket, key, append([]ossappend.Option{fastRetry}, opts...)...)
	if err != nil {
		t.Fatalf("NewWriter(%s): %v", key, err)
	}
	return w
}

// getObject reads an object back through the SDK, byte for byte.
func getObject(t testing.TB, c *oss.Client, key string) []byte {
	t.Helper()
	res, err := c.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObject(%s): %v", key, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GetObject(%s): %v", key, err)
	}
	return b
}

// decode decodes an object with compress.NewReader and, where the command
// is installed, with gzip -dc or zstd -dc, and checks that they agree.
func decode(t testing.TB, codec compress.Codec, obj []byte) []byte {
	t.Helper()
	r := compress.NewReader(bytes.NewReader(obj))
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s object: %v", codec.Name(), err)
	}
	tool := map[string][]string{"gzip": {"gzip", "-dc"}, "zstd": {"zstd", "-dc"}}[codec.Name()]
	if tool != nil {
		if _, err := exec.LookPath(tool[0]); err != nil && os.Getenv("OSSAPPEND_CI") == "1" {
			t.Fatalf("OSSAPPEND_CI=1, but %s is not installed to check the object with", tool[0])
		}
		if _, err := exec.LookPath(tool[0]); err == nil {
			cmd := exec.Command(tool[0], tool[1:]...)
			cmd.Stdin = bytes.NewReader(obj)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %v", tool, err)
			}
			if !bytes.Equal(out, got) {
				t.Fatalf("%v and compress.NewReader disagree", tool)
			}
		}
	}
	return got
}

var allCodecs = []compress.Codec{compress.None(), compress.Gzip(compress.DefaultGzipLevel), compress.Zstd(compress.DefaultZstdLevel), compress.S2()}

func TestLogSetOutput(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "logs/log.log")
	logger := log.New(w, "app: ", 0)
	var want strings.Builder
	for i := range 1000 {
		logger.Printf("request %d served", i)
		fmt.Fprintf(&want, "app: request %d served\n", i)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, srv.Client(), "logs/log.log"); string(got) != want.String() {
		t.Fatalf("object differs from the log: %d bytes, want %d", len(got), want.Len())
	}
	checkNoLeaks(t)
}

func TestSlogFromManyGoroutines(t *testing.T) {
	for _, codec := range allCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			key := "logs/slog.json" + codec.Extension()
			w := newWriter(t, srv.Client(), key, ossappend.WithCodec(codec), ossappend.WithFlushSize(64<<10))
			const gs, n = 16, 2000
			logSlogLines(w, gs, n)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			checkSlogLines(t, decode(t, codec, getObject(t, srv.Client(), key)), gs, n)
			if st := w.Stats(); st.Pending != 0 || st.BytesStored != st.BytesWritten {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// logSlogLines logs n JSON records through slog from each of gs goroutines
// at once; checkSlogLines checks them.
func logSlogLines(w io.Writer, gs, n int) {
	logger := slog.New(slog.NewJSONHandler(w, nil))
	var wg sync.WaitGroup
	for g := range gs {
		wg.Go(func() {
			for i := range n {
				logger.Info("request served", "g", g, "i", i, "path", "/api/v1/items", "status", 200)
			}
		})
	}
	wg.Wait()
}

// checkSlogLines checks that data holds n JSON records from each of gs
// goroutines, exactly once each, every goroutine's in order.
func checkSlogLines(t testing.TB, data []byte, gs, n int) {
	t.Helper()
	next := make([]int, gs)
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var rec struct {
			Msg  string `json:"msg"`
			G, I int
		}
		if err := dec.Decode(&rec); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("record %d: %v", sum(next), err)
		}
		if rec.G < 0 || rec.G >= gs || rec.Msg != "request served" {
			t.Fatalf("foreign record %+v", rec)
		}
		if rec.I != next[rec.G] {
			t.Fatalf("goroutine %d: record %d where %d was due (lost, doubled or reordered)", rec.G, rec.I, next[rec.G])
		}
		next[rec.G]++
	}
	for g, got := range next {
		if got != n {
			t.Fatalf("goroutine %d: %d records stored, want %d", g, got, n)
		}
	}
}

func sum(xs []int) (s int) {
	for _, x := range xs {
		s += x
	}
	return s
}

// logData returns n bytes of log text, deterministic from seed.
func logData(seed int64, n int) []byte {
	rng := rand.New(rand.NewSource(seed))
	b := make([]byte, 0, n+256)
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, "2026-11-25T17:%02d:%02d.%03dZ INFO request id=%08x user=%d path=/api/v%d/items/%d status=%d bytes=%d\n",
			i/60%60, i%60, i%1000, rng.Uint32(), rng.Intn(10000), rng.Intn(3), rng.Intn(1e6), 200+rng.Intn(4)*100, rng.Intn(1e5))
	}
	return b[:n]
}

func TestIOCopy(t *testing.T) {
	size := 16 << 20 // four frames; OSSAPPEND_BULK_MIB for more
	if testing.Short() {
		size = 8 << 20
	}
	if s := os.Getenv("OSSAPPEND_BULK_MIB"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("OSSAPPEND_BULK_MIB=%q: want a positive number", s)
		}
		size = n << 20
	}
	for _, codec := range allCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			src := logData(1, size)
			key := "bulk.log" + codec.Extension()
			// No timer: on a slow machine it could queue a frame short.
			w := newWriter(t, srv.Client(), key, ossappend.WithCodec(codec), ossappend.WithFlushInterval(0))
			n, err := io.Copy(w, &chunkReader{data: src, chunk: 32 << 10})
			if err != nil || n != int64(len(src)) {
				t.Fatalf("io.Copy = %d, %v", n, err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			obj := getObject(t, srv.Client(), key)
			if got := decode(t, codec, obj); !bytes.Equal(got, src) {
				t.Fatalf("decoded object: %d bytes, want %d equal to the input", len(got), len(src))
			}
			st := w.Stats()
			if st.BytesAppended != int64(len(obj)) || st.BytesStored != int64(len(src)) {
				t.Fatalf("stats %+v; object %d bytes", st, len(obj))
			}
			if wantFrames := int64((len(src) + ossappend.DefaultFlushSize - 1) / ossappend.DefaultFlushSize); st.Frames != wantFrames {
				t.Fatalf("%d frames, want %d full frames of DefaultFlushSize", st.Frames, wantFrames)
			}
			// Frames that queue up behind an append go out together.
			if c := srv.Counts().Requests["AppendObject"]; c != st.Appends || c > st.Frames {
				t.Fatalf("server saw %d appends, the writer counted %d, for %d frames", c, st.Appends, st.Frames)
			}
		})
	}
}

func TestSizeFlushes(t *testing.T) {
	srv := newServer(t)
	// No timer, so that only size queues frames, however slow the machine.
	w := newWriter(t, srv.Client(), "size.log", ossappend.WithFlushSize(1000), ossappend.WithFlushInterval(0))
	defer w.Close()
	// 10 writes of 250 bytes fill two frames and start a third.
	line := strings.Repeat("s", 249) + "\n"
	for range 10 {
		if _, err := w.WriteString(line); err != nil {
			t.Fatal(err)
		}
	}
	// Wait on the writer's count: the server holds the bytes a moment
	// before the writer hears so.
	waitFor(t, "the size-triggered appends", func() bool { return w.Stats().FramesStored == 2 })
	if st := w.Stats(); st.FramesStored != 2 || st.Pending != 500 {
		t.Fatalf("stats %+v: want 2 full frames stored and 500 bytes pending", st)
	}
	if got := getObject(t, srv.Client(), "size.log"); string(got) != strings.Repeat(line, 8) {
		t.Fatal("object differs from the writes")
	}
}

func TestTimeFlushes(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "time.log", ossappend.WithFlushSize(1000), ossappend.WithFlushInterval(20*time.Millisecond))
	defer w.Close()
	line := strings.Repeat("t", 499) + "\n"
	if _, err := w.WriteString(line); err != nil {
		t.Fatal(err)
	}
	// The 500 bytes, half a frame, go out without Flush.
	waitFor(t, "the time-triggered append", func() bool { return w.Stats().FramesStored == 1 })
	if st := w.Stats(); st.FramesStored != 1 || st.Pending != 0 {
		t.Fatalf("stats %+v: want the half frame queued by the timer and stored", st)
	}
	if got := getObject(t, srv.Client(), "time.log"); string(got) != line {
		t.Fatal("object differs from the write")
	}
}

func TestResumeExistingObject(t *testing.T) {
	for _, codec := range allCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			key := "resume.log" + codec.Extension()
			w := newWriter(t, srv.Client(), key, ossappend.WithCodec(codec))
			w.WriteString("first run\n")
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			w = newWriter(t, srv.Client(), key, ossappend.WithCodec(codec))
			w.WriteString("second run\n")
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got := decode(t, codec, getObject(t, srv.Client(), key)); string(got) != "first run\nsecond run\n" {
				t.Fatalf("decoded %q", got)
			}
			if c := srv.Counts().Requests["AppendObject"]; c != 2 {
				t.Fatalf("%d appends, want 2", c)
			}
		})
	}
}

func TestResumeAfterSDKAppends(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	_, err := c.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr("sdk.log"), Position: oss.Ptr(int64(0)),
		Body: strings.NewReader("written by the SDK\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	w := newWriter(t, c, "sdk.log")
	w.WriteString("written by ossappend\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := getObject(t, c, "sdk.log"); string(got) != "written by the SDK\nwritten by ossappend\n" {
		t.Fatalf("object = %q", got)
	}
}

func TestRotation(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "rot/app.log.zst", ossappend.WithCodec(compress.Zstd(1)),
		ossappend.WithFlushSize(16<<10), ossappend.WithMaxObjectSize(20<<10), ossappend.WithSealOnClose())
	src := logData(2, 1<<20)
	if _, err := w.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var all []byte
	keys := []string{"rot/app.log.zst"}
	for seq := 1; ; seq++ {
		k := rotated("rot/app.log.zst", seq)
		if _, ok := srv.Object(bucket, k); !ok {
			break
		}
		keys = append(keys, k)
	}
	if len(keys) < 3 || w.Key() != keys[len(keys)-1] {
		t.Fatalf("objects %v, Key() = %q", keys, w.Key())
	}
	for _, k := range keys {
		obj := getObject(t, srv.Client(), k)
		if len(obj) > 20<<10 {
			t.Fatalf("%s: %d bytes, over the limit", k, len(obj))
		}
		all = append(all, decode(t, compress.Zstd(1), obj)...)
		// Sealed: OSS refuses another append.
		_, err := srv.Client().AppendObject(context.Background(), &oss.AppendObjectRequest{
			Bucket: oss.Ptr(bucket), Key: oss.Ptr(k), Position: oss.Ptr(int64(len(obj))), Body: strings.NewReader("x"),
		})
		if err == nil {
			t.Fatalf("%s accepted an append after the writer sealed it", k)
		}
	}
	if !bytes.Equal(all, src) {
		t.Fatal("the rotated objects together differ from the input")
	}
	if st := w.Stats(); st.Rotations != int64(len(keys)-1) {
		t.Fatalf("Rotations = %d for %d objects", st.Rotations, len(keys))
	}
}

func TestNewWriterErrors(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	if _, err := c.PutObject(context.Background(), &oss.PutObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr("normal.log"), Body: strings.NewReader("put"),
	}); err != nil {
		t.Fatal(err)
	}
	_, err := ossappend.NewWriter(context.Background(), c, bucket, "normal.log")
	if !errors.Is(err, ossappend.ErrNotAppendable) {
		t.Fatalf("Normal object: %v, want ErrNotAppendable", err)
	}
	_, err = ossappend.NewWriter(context.Background(), c, "no-such-bucket", "a.log")
	if !errors.Is(err, ossappend.ErrNoSuchBucket) {
		t.Fatalf("missing bucket: %v, want ErrNoSuchBucket", err)
	}
	const secret = "the-wrong-secret-must-not-leak"
	for _, tc := range []struct{ name, id, secret string }{
		{"wrong secret", osstest.AccessKeyID, secret},
		{"unknown key id", "unknown-id", secret},
	} {
		cfg := srv.Config().WithCredentialsProvider(credentialsOf(tc.id, tc.secret))
		_, err := ossappend.NewWriter(context.Background(), oss.NewClient(cfg), bucket, "a.log")
		if !errors.Is(err, ossappend.ErrAccessDenied) {
			t.Fatalf("%s: %v, want ErrAccessDenied", tc.name, err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("%s: the error shows the secret: %v", tc.name, err)
		}
	}
}

func TestWriteAfterCloseAndCloseTwice(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "closed.log")
	w.WriteString("kept\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := w.WriteString("late\n"); !errors.Is(err, ossappend.ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
	if got := getObject(t, srv.Client(), "closed.log"); string(got) != "kept\n" {
		t.Fatalf("object = %q", got)
	}
	checkNoLeaks(t)
}

// TestConcurrentFlushAndWrite has goroutines write and flush at once; when
// a goroutine's Flush returns, its line must be in OSS.
func TestConcurrentFlushAndWrite(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "flush-race.log", ossappend.WithFlushInterval(0))
	const gs, n = 8, 50
	var wg sync.WaitGroup
	for g := range gs {
		wg.Go(func() {
			for i := range n {
				line := numberedLine(g, i)
				if _, err := w.WriteString(line); err != nil {
					t.Error(err)
					return
				}
				if err := w.Flush(); err != nil {
					t.Error(err)
					return
				}
				obj, _ := srv.Object(bucket, "flush-race.log")
				if !bytes.Contains(obj, []byte(line)) {
					t.Errorf("Flush returned before %q was stored", line)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	obj, _ := srv.Object(bucket, "flush-race.log")
	checkLines(t, obj, gs, n)
}

func TestObjectOptionsReachOSS(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "meta.log.zst", ossappend.WithCodec(compress.Zstd(3)),
		ossappend.WithObjectOptions(&oss.AppendObjectRequest{
			Metadata:     map[string]string{"user": "jack"},
			Tagging:      oss.Ptr("key=value"),
			CacheControl: oss.Ptr("no-cache"),
		}))
	w.WriteString("hello\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("meta.log.zst")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metadata["User"] != "jack" && res.Metadata["user"] != "jack" {
		t.Fatalf("metadata %v", res.Metadata)
	}
	if oss.ToString(res.ContentType) != "application/zstd" || oss.ToString(res.CacheControl) != "no-cache" ||
		res.TaggingCount != 1 || oss.ToString(res.ObjectType) != "Appendable" {
		t.Fatalf("head: type %q, cache %q, tags %d, object type %q", oss.ToString(res.ContentType),
			oss.ToString(res.CacheControl), res.TaggingCount, oss.ToString(res.ObjectType))
	}
}
