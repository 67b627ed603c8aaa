package ossread_test

// Tests of WithDecode: the codec recorded with an object decides how it is
// decoded; its first bytes decide only for an object without a record.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
)

// gzipped returns text as one gzip member, as a .tgz or a .gz file holds.
func gzipped(t *testing.T, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, text)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeWith(t *testing.T, c *oss.Client, key string, codec compress.Codec, b []byte) {
	t.Helper()
	w, err := ossappend.NewWriter(context.Background(), c, followBucket, key, ossappend.WithCodec(codec))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeRecordedNoneAsStored: an archive written without a codec
// reads back byte for byte, not gunzipped, whole or alone; so do bytes
// that begin as a zstd frame does.
func TestDecodeRecordedNoneAsStored(t *testing.T) {
	_, c := newFollowServer(t)
	archive := gzipped(t, strings.Repeat("a file in the archive\n", 500))
	writeWith(t, c, "backup.tgz", compress.None(), archive)
	fakeZstd := []byte("\x28\xb5\x2f\xfdhello\n")
	writeWith(t, c, "fz.bin", compress.None(), fakeZstd)
	for _, tc := range []struct {
		key  string
		want []byte
		opts []ossread.Option
	}{
		{"backup.tgz", archive, nil},
		{"backup.tgz", archive, []ossread.Option{ossread.Only()}},
		{"fz.bin", fakeZstd, nil},
		{"fz.bin", fakeZstd, []ossread.Option{ossread.Only()}},
	} {
		r := newTestReader(t, c, tc.key, append(tc.opts, ossread.WithDecode())...)
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", tc.key, err)
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s (%d options): read %d bytes, want the %d stored", tc.key, len(tc.opts), len(got), len(tc.want))
		}
	}
}

// TestDecodeByRecordAcrossASeries: objects of one prefix, each decoded by
// its own record, or detected when it has none.
func TestDecodeByRecordAcrossASeries(t *testing.T) {
	_, c := newFollowServer(t)
	writeWith(t, c, "day/a.log.gz", compress.Gzip(1), []byte("one\n"))
	writeWith(t, c, "day/b.bin", compress.None(), gzipped(t, "two\n"))
	followAppend(t, c, "day/c.log.gz", gzipped(t, "three\n")) // no record: detected
	r := newTestReader(t, c, "day/", ossread.WithDecode())
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := "one\n" + string(gzipped(t, "two\n")) + "three\n"; string(got) != want {
		t.Errorf("read %q, want %q", got, want)
	}
}

// TestDecodeRecordMustMatchTheBytes: an object recorded as zstd whose
// bytes are no zstd frame is an error, not text passed through.
func TestDecodeRecordMustMatchTheBytes(t *testing.T) {
	_, c := newFollowServer(t)
	_, err := c.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(followBucket), Key: oss.Ptr("liar.log.zst"), Position: oss.Ptr(int64(0)),
		Body: strings.NewReader("plain text, not zstd\n"), Metadata: map[string]string{"ossappend-codec": "zstd"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := newTestReader(t, c, "liar.log.zst", ossread.Only(), ossread.WithDecode())
	if _, err := io.ReadAll(r); err == nil || !strings.Contains(err.Error(), "recorded as zstd") {
		t.Fatalf("ReadAll = %v, want an error naming the record", err)
	}
}

// TestFollowerDecodesByRecord: a Follower made with WithDecode decodes by
// the codec recorded with its object, which Codec reports: an archive
// stored without a codec reads as stored, not gunzipped; a zstd object
// decodes frame by frame as it grows; an object without a record is
// decoded by its first bytes.
func TestFollowerDecodesByRecord(t *testing.T) {
	_, c := newFollowServer(t)
	archive := gzipped(t, strings.Repeat("a file in the archive\n", 500))
	writeWith(t, c, "backup.tgz", compress.None(), archive)
	f := newTestFollower(t, c, "backup.tgz", ossread.WithDecode())
	if f.Codec() != "none" {
		t.Errorf("Codec() = %q, want none", f.Codec())
	}
	got := make([]byte, len(archive))
	if _, err := io.ReadFull(f, got); err != nil || !bytes.Equal(got, archive) {
		t.Fatalf("read the archive: %v; equal to the stored bytes: %v", err, bytes.Equal(got, archive))
	}
	if f.Offset() != int64(len(archive)) {
		t.Errorf("Offset() = %d, want %d", f.Offset(), len(archive))
	}

	w := newSeriesWriter(t, c, "app.log.zst", compress.Zstd(1))
	writeNumbered(t, w, "zstd", 0, 3)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f = newTestFollower(t, c, "app.log.zst", ossread.WithDecode())
	if f.Codec() != "zstd" {
		t.Errorf("Codec() = %q, want zstd", f.Codec())
	}
	lr := followLines(f)
	lr.expectNumbered(t, "zstd", 0, 3)
	writeNumbered(t, w, "zstd", 3, 6) // appended while followed
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lr.expectNumbered(t, "zstd", 3, 6)

	followAppend(t, c, "other.log.gz", gzipped(t, "no record\n"))
	f = newTestFollower(t, c, "other.log.gz", ossread.WithDecode())
	if f.Codec() != "" {
		t.Errorf("Codec() of an object without a record = %q", f.Codec())
	}
	followLines(f).expect(t, "no record")
}

// TestFollowerDecodeWaitsAndCloses: a decoding Follower that waits for its
// object knows no codec until the object exists, then reads by its record;
// Close ends a Read under way with ErrClosed.
func TestFollowerDecodeWaitsAndCloses(t *testing.T) {
	_, c := newFollowServer(t)
	f := newTestFollower(t, c, "later.tgz", ossread.WithDecode(), ossread.WithWaitForObject())
	if f.Codec() != "" {
		t.Errorf("Codec() before the object exists = %q", f.Codec())
	}
	lr := followLines(f)
	writeWith(t, c, "later.tgz", compress.None(), []byte("stored as is\n"))
	lr.expect(t, "stored as is")
	if f.Codec() != "none" {
		t.Errorf("Codec() once read = %q, want none", f.Codec())
	}
	f.Close()
	if err := lr.end(t); !errors.Is(err, ossread.ErrClosed) {
		t.Errorf("after Close the Follower stopped with %v, want ErrClosed", err)
	}
}
