package ossappend_test

// Tests of the codec a writer records with the objects it creates, and of
// the resume check that reads it.

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

// headMetadata returns the user metadata of bucket/key.
func headMetadata(t *testing.T, c *oss.Client, key string) map[string]string {
	t.Helper()
	res, err := c.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	return res.Metadata
}

// TestCodecRecordedAtCreation: the object a writer creates carries its
// codec's name in x-oss-meta-ossappend-codec, beside the metadata of
// WithObjectOptions.
func TestCodecRecordedAtCreation(t *testing.T) {
	srv := newServer(t)
	for _, codec := range allCodecs {
		key := "recorded.log" + codec.Extension()
		w := newWriter(t, srv.Client(), key, ossappend.WithCodec(codec),
			ossappend.WithObjectOptions(&oss.AppendObjectRequest{Metadata: map[string]string{"team": "infra"}}))
		w.WriteString("line\n")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		meta := headMetadata(t, srv.Client(), key)
		if meta["ossappend-codec"] != codec.Name() || meta["team"] != "infra" {
			t.Errorf("%s: metadata %v, want ossappend-codec=%s and team=infra", key, meta, codec.Name())
		}
	}
}

// TestCodecRecordLetsNoneResumeAnyBytes: a writer without a codec
// resumes an object it created itself, even when its bytes begin as a
// gzip, zstd or S2 frame does (a .tgz stored as it is).
func TestCodecRecordLetsNoneResumeAnyBytes(t *testing.T) {
	srv := newServer(t)
	for name, head := range map[string]string{
		"gzip": "\x1f\x8b\x08\x00archive",
		"zstd": "\x28\xb5\x2f\xfdhello\n",
		"s2":   "\xff\x06\x00\x00S2sTwO",
	} {
		key := "looks-like-" + name + ".bin"
		w := newWriter(t, srv.Client(), key)
		w.WriteString(head)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		again, err := ossappend.NewWriter(context.Background(), srv.Client(), bucket, key, fastRetry)
		if err != nil {
			t.Fatalf("%s: a writer without a codec refuses the object it created: %v", key, err)
		}
		again.WriteString("more\n")
		if err := again.Close(); err != nil {
			t.Fatal(err)
		}
		if obj, _ := srv.Object(bucket, key); string(obj) != head+"more\n" {
			t.Errorf("%s holds %q", key, obj)
		}
	}
}

// TestCodecRecordDecidesOverBytes: an object recorded with a codec is
// refused to a writer of another, whatever its bytes; the message names
// the recorded codec.
func TestCodecRecordDecidesOverBytes(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	_, err := srv.Client().AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr("recorded-gzip.log"), Position: oss.Ptr(int64(0)),
		Body: strings.NewReader("plain text\n"), Metadata: map[string]string{"ossappend-codec": "gzip"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ossappend.NewWriter(ctx, srv.Client(), bucket, "recorded-gzip.log", fastRetry)
	if !errors.Is(err, ossappend.ErrNotAppendable) || !strings.Contains(err.Error(), "holds gzip frames") {
		t.Fatalf("a writer without a codec on an object recorded as gzip: %v, want ErrNotAppendable naming gzip", err)
	}
	w, err := ossappend.NewWriter(ctx, srv.Client(), bucket, "recorded-gzip.log", fastRetry, ossappend.WithCodec(compress.Gzip(1)))
	if err != nil {
		t.Fatalf("a gzip writer on an object recorded as gzip: %v", err)
	}
	w.Close()
}

// TestCodecWithoutRecordIsDetected: an object another tool created, with
// no record, is still judged by its first bytes.
func TestCodecWithoutRecordIsDetected(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	frame, err := compress.Zstd(1).Encode(nil, []byte("from another tool\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = srv.Client().AppendObject(ctx, &oss.AppendObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr("foreign.log"), Position: oss.Ptr(int64(0)), Body: bytes.NewReader(frame),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ossappend.NewWriter(ctx, srv.Client(), bucket, "foreign.log", fastRetry); !errors.Is(err, ossappend.ErrNotAppendable) {
		t.Fatalf("a writer without a codec on unrecorded zstd frames: %v, want ErrNotAppendable", err)
	}
	w := newWriter(t, srv.Client(), "foreign.log", ossappend.WithCodec(compress.Zstd(1)))
	w.WriteString("and from us\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if meta := headMetadata(t, srv.Client(), "foreign.log"); meta["ossappend-codec"] != "" {
		t.Errorf("a resumed object gained a record: %v", meta)
	}
}

// TestCodecRecordKeyIsTheWriters: WithObjectOptions may not set the
// record itself.
func TestCodecRecordKeyIsTheWriters(t *testing.T) {
	srv := newServer(t)
	_, err := ossappend.NewWriter(context.Background(), srv.Client(), bucket, "k.log",
		ossappend.WithObjectOptions(&oss.AppendObjectRequest{Metadata: map[string]string{"Ossappend-Codec": "zstd"}}))
	if !errors.Is(err, ossappend.ErrInvalidArgument) || !strings.Contains(err.Error(), "Ossappend-Codec") {
		t.Fatalf("NewWriter with the record in Metadata: %v, want ErrInvalidArgument naming it", err)
	}
}
