package ossread_test

// Tests of objects of an archive storage class, which OSS reads only once
// they are restored.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/osstest"
)

// appendArchived creates key as an appendable object of the Archive class
// holding b.
func appendArchived(t *testing.T, c *oss.Client, key string, b []byte) {
	t.Helper()
	_, err := c.AppendObject(context.Background(), &oss.AppendObjectRequest{
		Bucket: oss.Ptr(followBucket), Key: oss.Ptr(key), Position: oss.Ptr(int64(0)), Body: bytes.NewReader(b),
		StorageClass: oss.StorageClassArchive,
	})
	if err != nil {
		t.Fatalf("AppendObject(%s): %v", key, err)
	}
}

func restore(t *testing.T, c *oss.Client, key string) {
	t.Helper()
	if _, err := c.RestoreObject(context.Background(), &oss.RestoreObjectRequest{Bucket: oss.Ptr(followBucket), Key: oss.Ptr(key)}); err != nil {
		t.Fatalf("RestoreObject(%s): %v", key, err)
	}
}

// checkArchived checks that err reports key as archived, not restored as
// state says, and how to read it.
func checkArchived(t *testing.T, err error, key, state string) {
	t.Helper()
	if !errors.Is(err, ossread.ErrArchived) || !errors.Is(err, ossappend.ErrArchived) || errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("error %v: want ErrArchived, not ErrAccessDenied", err)
	}
	for _, want := range []string{"ossread: " + followBucket + "/" + key + ":", "storage class is Archive", state, "RestoreObject"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestReadArchivedInASeries: a Reader stops at an archived object of its
// chain, naming it, rather than skip its bytes; once it is restored, a
// Reader made WithStartAt the first one's Key and Offset reads on.
func TestReadArchivedInASeries(t *testing.T) {
	for _, follow := range []bool{false, true} {
		_, c := newFollowServer(t)
		followAppend(t, c, "app.log", []byte("one\n"))
		appendArchived(t, c, "app.1.log", []byte("two\n"))
		followAppend(t, c, "app.2.log", []byte("three\n"))
		opts := []ossread.Option{ossread.WithDecode()}
		if follow {
			opts = append(opts, ossread.WithFollow())
		}
		r := newTestReader(t, c, "app.log", opts...)
		lr := followLines(r)
		lr.expect(t, "one")
		checkArchived(t, lr.end(t), "app.1.log", "no restore of it is under way")
		if r.Key() != "app.1.log" || r.Offset() != 0 {
			t.Errorf("follow %v: Key() = %q, Offset() = %d; want the archived object, at 0", follow, r.Key(), r.Offset())
		}

		restore(t, c, "app.1.log")
		r2 := newTestReader(t, c, "app.log", append(opts, ossread.WithStartAt(r.Key(), r.Offset()))...)
		lr = followLines(r2)
		lr.expect(t, "two", "three")
		if !follow {
			if err := lr.end(t); err != io.EOF {
				t.Errorf("after the restore: %v, want the end of the chain", err)
			}
		}
	}
}

// TestFollowArchived: a Follower of an archived object says so at its
// first Read, and whether a restore is under way.
func TestFollowArchived(t *testing.T) {
	_, c := newFollowServer(t, osstest.WithRestoreDelay(time.Hour))
	appendArchived(t, c, "cold.log", []byte("frozen\n"))
	f := newTestFollower(t, c, "cold.log")
	_, err := f.Read(make([]byte, 64))
	checkArchived(t, err, "cold.log", "no restore of it is under way")

	restore(t, c, "cold.log") // done in an hour
	f = newTestFollower(t, c, "cold.log", ossread.WithDecode())
	_, err = f.Read(make([]byte, 64))
	checkArchived(t, err, "cold.log", "its restore is under way")
}
