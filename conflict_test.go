package ossappend_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
)

// appendForeign appends data to key as another program would, at the
// object's current end.
func appendForeign(t *testing.T, c *oss.Client, key, data string) {
	t.Helper()
	head, err := c.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Position: oss.Ptr(head.ContentLength), Body: strings.NewReader(data),
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConflictMovesUnsentFramesToFreshKey(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	var mu sync.Mutex
	var reports []error
	w := newWriter(t, c, "shared/app.log", ossappend.WithFlushInterval(0),
		ossappend.WithErrorHandler(func(err error) { mu.Lock(); reports = append(reports, err); mu.Unlock() }))
	w.WriteString("ours 1\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	appendForeign(t, c, "shared/app.log", "theirs\n") // a second deployment, by mistake
	for i := 2; i <= 4; i++ {
		w.WriteString("ours " + string(rune('0'+i)) + "\n")
		if err := w.Flush(); err != nil {
			t.Fatalf("Flush after the conflict: %v", err)
		}
	}
	appendForeign(t, c, "shared/app.log", "theirs again\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := string(getObject(t, c, "shared/app.log")); got != "ours 1\ntheirs\ntheirs again\n" {
		t.Fatalf("the shared object = %q: the writer appended to it after the conflict", got)
	}
	if got := string(getObject(t, c, "shared/app.1.log")); got != "ours 2\nours 3\nours 4\n" {
		t.Fatalf("the fresh object = %q", got)
	}
	st := w.Stats()
	if st.Conflicts != 1 || st.Rotations != 1 || st.Pending != 0 || w.Key() != "shared/app.1.log" {
		t.Fatalf("stats %+v, key %q", st, w.Key())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 1 || !errors.Is(reports[0], ossappend.ErrConflict) {
		t.Fatalf("the error handler heard %v, want one ErrConflict", reports)
	}
	// The report says, in words, what was found and where the bytes go now.
	msg := reports[0].Error()
	for _, want := range []string{"shared/app.log at 7", "goes on in " + bucket + "/shared/app.1.log"} {
		if !strings.Contains(msg, want) || strings.Count(msg, "ossappend:") != 1 {
			t.Fatalf("the conflict report %q does not say %q once", msg, want)
		}
	}
}

func TestFailOnConflict(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	w := newWriter(t, c, "shared/strict.log", ossappend.WithFailOnConflict(), ossappend.WithFlushInterval(0))
	w.WriteString("ours\n")
	w.Flush()
	if _, err := c.PutObject(context.Background(), &oss.PutObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr("shared/strict.log"), Body: strings.NewReader("replaced\n"),
	}); err != nil {
		t.Fatal(err)
	}
	w.WriteString("lost\n")
	if err := w.Flush(); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Flush = %v, want ErrConflict", err)
	}
	if _, err := w.WriteString("more\n"); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Write = %v, want the sticky ErrConflict", err)
	}
	if err := w.Close(); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Close = %v, want ErrConflict", err)
	}
	if st := w.Stats(); st.Pending != int64(len("lost\n")) || st.Rotations != 0 {
		t.Fatalf("stats %+v: want the 5 unsent bytes pending and no rotation", st)
	}
	if got := string(getObject(t, c, "shared/strict.log")); got != "replaced\n" {
		t.Fatalf("object = %q", got)
	}
}

// TestCRCMismatchMovesToFreshKey: an object replaced behind the writer's
// back by another of the same length takes the writer's next append at
// the position it expects, but the CRC-64 OSS answers is not the one the
// writer's bytes make: the writer cannot trust that object, and sends the
// append again to a fresh key, and reports the conflict.
func TestCRCMismatchMovesToFreshKey(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	var mu sync.Mutex
	var reports []error
	w := newWriter(t, c, "shared/crc.log", ossappend.WithFlushInterval(0),
		ossappend.WithErrorHandler(func(err error) { mu.Lock(); reports = append(reports, err); mu.Unlock() }))
	w.WriteString("ours 1\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(context.Background(), &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("shared/crc.log")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr("shared/crc.log"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("ours X\n"),
	}); err != nil {
		t.Fatal(err)
	}
	w.WriteString("ours 2\n")
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush after the mismatch: %v", err)
	}
	w.WriteString("ours 3\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := string(getObject(t, c, "shared/crc.log")); got != "ours X\nours 2\n" {
		t.Fatalf("the replaced object = %q", got)
	}
	if got := string(getObject(t, c, "shared/crc.1.log")); got != "ours 2\nours 3\n" {
		t.Fatalf("the fresh object = %q, want the append sent again and what followed", got)
	}
	if st := w.Stats(); st.Conflicts != 1 || st.Rotations != 1 || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 1 || !errors.Is(reports[0], ossappend.ErrConflict) {
		t.Fatalf("the error handler heard %v, want one ErrConflict", reports)
	}
}
