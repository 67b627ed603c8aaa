package ossread_test

// Tests of Reader without WithFollow, against osstest through the real SDK
// client: chains, prefixes, one object, where to start, and errors.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/osstest"
)

// chainLines is enough lines for more than ten rotations with any codec.
const chainLines = 1500

// writeChain writes chainLines numbered lines through a rotating writer,
// closes it and returns the keys of its chain.
func writeChain(t *testing.T, c *oss.Client, key string, codec compress.Codec, tag string) []string {
	t.Helper()
	w := newSeriesWriter(t, c, key, codec)
	writeNumbered(t, w, tag, 0, chainLines)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	n := int(w.Stats().Rotations)
	if n < 11 {
		t.Fatalf("%d rotations: the chain does not reach rotation 10", n)
	}
	keys := []string{key}
	for i := 1; i <= n; i++ {
		keys = append(keys, ossappend.RotateKey(key, i))
	}
	if w.Key() != keys[n] {
		t.Fatalf("the writer ended in %s, want %s", w.Key(), keys[n])
	}
	return keys
}

func getObject(t *testing.T, c *oss.Client, key string) []byte {
	t.Helper()
	res, err := c.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(followBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObject(%s): %v", key, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadChain reads a chain of more than ten objects, decoded, next to
// keys that are not in it.
func TestReadChain(t *testing.T) {
	for _, codec := range followCodecs {
		t.Run(codec.Name(), func(t *testing.T) {
			_, c := newFollowServer(t)
			key := "logs/app.log" + codec.Extension()
			keys := writeChain(t, c, key, codec, "chain")
			followAppend(t, c, "logs/app.err.log"+codec.Extension(), []byte("another chain\n"))
			followAppend(t, c, "logs/app.log.bak", []byte("another key\n"))

			r := newTestReader(t, c, key, ossread.WithDecode())
			if r.Key() != key {
				t.Errorf("before reading, Key() = %q, want %q", r.Key(), key)
			}
			lines := readLines(t, r)
			if rest := checkNumbered(t, lines, "chain", 0, chainLines); len(rest) > 0 {
				t.Fatalf("read %d lines more than written, first %q", len(rest), rest[0])
			}
			if last := keys[len(keys)-1]; r.Key() != last {
				t.Errorf("at the end, Key() = %q, want %q", r.Key(), last)
			}
		})
	}
}

// TestReadChainRaw reads a chain's bytes as stored, and checks Key and
// Offset at the end.
func TestReadChainRaw(t *testing.T) {
	_, c := newFollowServer(t)
	keys := writeChain(t, c, "app.log.zst", compress.Zstd(1), "raw")
	var want []byte
	for _, k := range keys {
		want = append(want, getObject(t, c, k)...)
	}
	r := newTestReader(t, c, "app.log.zst")
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, want the %d bytes of the %d objects in order", len(got), len(want), len(keys))
	}
	last := keys[len(keys)-1]
	if r.Key() != last || r.Offset() != int64(len(getObject(t, c, last))) {
		t.Errorf("at the end, Key() = %q, Offset() = %d; want %q and its length", r.Key(), r.Offset(), last)
	}
	// One codec throughout: the stored bytes decode as a whole too.
	checkNumbered(t, readLines(t, compress.NewReader(bytes.NewReader(got))), "raw", 0, chainLines)
}

// TestReadChainMixedCodecs reads a chain whose objects use different
// codecs: each object is decoded alone.
func TestReadChainMixedCodecs(t *testing.T) {
	_, c := newFollowServer(t)
	for i, codec := range followCodecs {
		key := "mixed.log"
		if i > 0 {
			key = ossappend.RotateKey(key, i)
		}
		w := newSeriesWriter(t, c, key, codec)
		writeNumbered(t, w, codec.Name(), 0, 20)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	lines := readLines(t, newTestReader(t, c, "mixed.log", ossread.WithDecode()))
	for _, codec := range followCodecs {
		lines = checkNumbered(t, lines, codec.Name(), 0, 20)
	}
	if len(lines) > 0 {
		t.Fatalf("read lines more than written: %q", lines)
	}
}

// TestReadPrefix reads the objects under a prefix: periods in key order,
// each period's chain in rotation order, a Normal object among them, and
// nothing outside the prefix.
func TestReadPrefix(t *testing.T) {
	_, c := newFollowServer(t)
	const day = "logs/dt=2026-11-30/"
	hours := []string{"hour=00", "hour=01", "hour=02"}
	for _, h := range hours {
		w := newSeriesWriter(t, c, day+h+"/host.log.zst", compress.Zstd(1))
		writeNumbered(t, w, h, 0, 200)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if w.Stats().Rotations < 1 {
			t.Fatalf("%s: no rotation", h)
		}
	}
	followPutNormal(t, c, day+"hour=03/notes.txt", "a Normal object\n")
	followPutNormal(t, c, day, "")                                                      // a folder marker
	followAppend(t, c, "logs/dt=2026-12-01/hour=00/host.log", []byte("the next day\n")) // outside

	lines := readLines(t, newTestReader(t, c, day, ossread.WithDecode()))
	for _, h := range hours {
		lines = checkNumbered(t, lines, h, 0, 200)
	}
	if len(lines) != 1 || lines[0] != "a Normal object" {
		t.Fatalf("after the hours, read %q, want the Normal object's line", lines)
	}
}

// TestReadOnly reads one object of a chain alone, and a Normal object.
func TestReadOnly(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "app.log", []byte("zero\n"))
	followAppend(t, c, "app.1.log", []byte("one\n"))
	followPutNormal(t, c, "normal.log", "put\n")
	if lines := readLines(t, newTestReader(t, c, "app.log", ossread.Only())); strings.Join(lines, ",") != "zero" {
		t.Errorf("Only: read %q, want zero", lines)
	}
	if lines := readLines(t, newTestReader(t, c, "normal.log", ossread.Only())); strings.Join(lines, ",") != "put" {
		t.Errorf("Only, a Normal object: read %q, want put", lines)
	}
	_, err := ossread.NewReader(context.Background(), c, followBucket, "normal.log", ossread.Only(), ossread.WithFollow())
	if !errors.Is(err, ossappend.ErrNotAppendable) {
		t.Errorf("Only and WithFollow, a Normal object: %v, want ErrNotAppendable", err)
	}
}

// TestReadSkipsDeleted deletes an object of the chain after the Reader
// listed it: it is skipped.
func TestReadSkipsDeleted(t *testing.T) {
	_, c := newFollowServer(t)
	for i, line := range []string{"zero\n", "one\n", "two\n"} {
		key := "app.log"
		if i > 0 {
			key = ossappend.RotateKey(key, i)
		}
		followAppend(t, c, key, []byte(line))
	}
	r := newTestReader(t, c, "app.log")
	followDelete(t, c, "app.1.log")
	if lines := readLines(t, r); strings.Join(lines, ",") != "zero,two" {
		t.Fatalf("read %q, want zero and two", lines)
	}
}

// TestReadStartAt resumes a chain where an earlier Reader stopped, in the
// middle of an object.
func TestReadStartAt(t *testing.T) {
	_, c := newFollowServer(t)
	keys := writeChain(t, c, "app.log", compress.None(), "resume")
	r := newTestReader(t, c, "app.log")
	var got []byte
	buf := make([]byte, 100)
	for r.Key() != keys[3] || r.Offset() == 0 {
		n, err := r.Read(buf)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		got = append(got, buf[:n]...)
	}
	r.Close()
	if _, err := r.Read(buf); !errors.Is(err, ossread.ErrClosed) {
		t.Errorf("Read after Close: %v, want ErrClosed", err)
	}
	s := newTestReader(t, c, "app.log", ossread.WithStartAt(r.Key(), r.Offset()))
	rest, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	checkNumbered(t, readLines(t, bytes.NewReader(append(got, rest...))), "resume", 0, chainLines)

	// A start key that is gone: from the start of the next object.
	followDelete(t, c, keys[3])
	s = newTestReader(t, c, "app.log", ossread.WithStartAt(keys[3], 10))
	if first := readLines(t, s)[0]; !bytes.HasPrefix(getObject(t, c, keys[4]), []byte(first+"\n")) {
		t.Errorf("after a deleted start key, read %q first, want the first line of %s", first, keys[4])
	}
}

// TestReadRequests counts the requests of a Reader of a chain: one
// listing, then one HeadObject and one GetObject an object.
func TestReadRequests(t *testing.T) {
	_, c := newFollowServer(t)
	keys := writeChain(t, c, "app.log", compress.None(), "count")
	wc := newWatchClient(c)
	if _, err := io.Copy(io.Discard, newTestReader(t, wc, "app.log")); err != nil {
		t.Fatal(err)
	}
	got := wc.snapshot()
	want := map[string]int{"ListObjectsV2": 1}
	for _, k := range keys {
		want["HeadObject "+k], want["GetObject "+k] = 1, 1
	}
	if len(got) != len(want) {
		t.Errorf("requests of %d kinds, want %d: %v", len(got), len(want), got)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%d × %s, want %d", got[k], k, n)
		}
	}
	t.Logf("a chain of %d objects: %d requests, 1 ListObjectsV2", len(keys), len(want))
}

func TestReadErrors(t *testing.T) {
	srv, c := newFollowServer(t)
	followAppend(t, c, "app.log", []byte("x\n"))
	ctx := context.Background()
	for name, tc := range map[string]struct {
		bucket, key string
		opts        []ossread.Option
		want        error
		says        string
	}{
		"no chain":            {followBucket, "none.log", nil, ossread.ErrNoSuchKey, "none.1.log"},
		"no object":           {followBucket, "none.log", []ossread.Option{ossread.Only()}, ossread.ErrNoSuchKey, "none.log"},
		"no prefix":           {followBucket, "none/", nil, ossread.ErrNoSuchKey, "no object under the prefix"},
		"no bucket":           {"no-such-bucket", "app.log", nil, ossappend.ErrNoSuchBucket, "no-such-bucket"},
		"bad key":             {followBucket, "/app.log", nil, ossappend.ErrInvalidArgument, "object key"},
		"end without follow":  {followBucket, "app.log", []ossread.Option{ossread.WithStartAtEnd()}, ossappend.ErrInvalidArgument, "WithFollow"},
		"wait without follow": {followBucket, "app.log", []ossread.Option{ossread.WithWaitForObject()}, ossappend.ErrInvalidArgument, "WithFollow"},
		"start key elsewhere": {followBucket, "app.log", []ossread.Option{ossread.WithStartAt("other.log", 0)}, ossappend.ErrInvalidArgument, "other.log"},
		"start past the end":  {followBucket, "app.log", []ossread.Option{ossread.WithStartOffset(3)}, ossappend.ErrInvalidArgument, "past the end"},
	} {
		_, err := ossread.NewReader(ctx, c, tc.bucket, tc.key, tc.opts...)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: NewReader = %v, want %v saying %q", name, err, tc.want, tc.says)
			continue
		}
		if !strings.HasPrefix(err.Error(), "ossread: ") || strings.Count(err.Error(), "ossread") != 1 || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %q: want one line that begins with \"ossread: \", once", name, err)
		}
	}
	if _, err := ossread.NewFollower(ctx, c, followBucket, "app.log", ossread.WithStartAt("app.log", 0)); !errors.Is(err, ossappend.ErrInvalidArgument) {
		t.Errorf("NewFollower with WithStartAt: %v, want ErrInvalidArgument", err)
	}
	cfg := srv.Config().WithCredentialsProvider(credentials.NewStaticCredentialsProvider(osstest.AccessKeyID, "wrong-secret"))
	_, err := ossread.NewReader(ctx, oss.NewClient(cfg), followBucket, "app.log")
	if !errors.Is(err, ossappend.ErrAccessDenied) || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("NewReader with a wrong secret: %v, want ErrAccessDenied without the secret", err)
	}
}
