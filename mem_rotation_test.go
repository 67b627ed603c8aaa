package ossappend_test

// Unit tests of rotation and resumption against memClient, an in-memory
// OSS.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
)

func TestMemRotationBySize(t *testing.T) {
	for _, codec := range []compress.Codec{compress.None(), compress.Zstd(1)} {
		t.Run(codec.Name(), func(t *testing.T) {
			c := newMemClient(memBucket)
			w := newMemWriter(t, c, "logs/app.log"+codec.Extension(), ossappend.WithCodec(codec),
				ossappend.WithFlushSize(1000), ossappend.WithMaxObjectSize(2500), ossappend.WithSealOnClose())
			var want bytes.Buffer
			for i := range 1500 {
				want.WriteString(numberedLine(0, i))
				w.WriteString(numberedLine(0, i))
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			var all bytes.Buffer
			for seq := 0; ; seq++ {
				key := "logs/app.log" + codec.Extension()
				if seq > 0 {
					key = rotated(key, seq)
				}
				obj, ok := c.object(key)
				if !ok {
					if seq < 3 {
						t.Fatalf("only %d objects", seq)
					}
					if w.Key() != rotated("logs/app.log"+codec.Extension(), seq-1) {
						t.Fatalf("Key() = %q after %d objects", w.Key(), seq)
					}
					break
				}
				if len(obj) > 2500 {
					t.Fatalf("%s has %d bytes, over the 2500 limit", key, len(obj))
				}
				if !c.objects[key].sealed {
					t.Fatalf("%s was not sealed", key)
				}
				r := compress.NewReader(bytes.NewReader(obj)) // each decodes alone
				if _, err := io.Copy(&all, r); err != nil {
					t.Fatalf("%s: %v", key, err)
				}
			}
			if !bytes.Equal(all.Bytes(), want.Bytes()) {
				t.Fatal("the objects together differ from the input")
			}
			if st := w.Stats(); st.Rotations < 2 {
				t.Fatalf("Rotations = %d", st.Rotations)
			}
		})
	}
}

func TestMemResumeAndRefuse(t *testing.T) {
	c := newMemClient(memBucket)
	c.put("resume.log", []byte("before\n"), true)
	w := newMemWriter(t, c, "resume.log")
	w.WriteString("after\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.object("resume.log"); string(got) != "before\nafter\n" {
		t.Fatalf("resumed object = %q", got)
	}
	if len(c.created) != 0 {
		t.Fatal("resuming created the object anew")
	}

	c.put("normal.log", []byte("put\n"), false)
	if _, err := ossappend.NewWriter(context.Background(), c, memBucket, "normal.log"); !errors.Is(err, ossappend.ErrNotAppendable) {
		t.Fatalf("NewWriter on a Normal object = %v, want ErrNotAppendable", err)
	}
	// A sealed object is finished: the chain goes on after it.
	c.put("sealed.log", []byte("x"), true)
	c.objects["sealed.log"].sealed = true
	sw := newMemWriter(t, c, "sealed.log")
	if sw.Key() != "sealed.1.log" {
		t.Fatalf("NewWriter on a sealed object writes %s, want sealed.1.log", sw.Key())
	}
	sw.WriteString("next\n")
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.object("sealed.1.log"); string(got) != "next\n" {
		t.Fatalf("sealed.1.log = %q", got)
	}
	if _, err := ossappend.NewWriter(context.Background(), c, "other-bucket", "a.log"); !errors.Is(err, ossappend.ErrNoSuchBucket) {
		t.Fatalf("NewWriter on a missing bucket = %v, want ErrNoSuchBucket", err)
	}
}

func TestMemRotationGivesUp(t *testing.T) {
	t.Run("rotate function repeats a key", func(t *testing.T) {
		c := newMemClient(memBucket)
		w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(10), ossappend.WithMaxObjectSize(10),
			ossappend.WithRotateKey(func(string, int) string { return "same.log" }))
		w.Write(bytes.Repeat([]byte("x"), 30)) // three objects' worth
		err := w.Close()
		if !errors.Is(err, ossappend.ErrInvalidArgument) || !strings.Contains(err.Error(), "twice") {
			t.Fatalf("Close = %v, want ErrInvalidArgument naming the repeated key", err)
		}
		if a, _ := c.object("a.log"); len(a) != 10 {
			t.Fatalf("a.log has %d bytes", len(a))
		}
		if s, _ := c.object("same.log"); len(s) != 10 {
			t.Fatalf("same.log has %d bytes", len(s))
		}
		if st := w.Stats(); st.Pending != 10 {
			t.Fatalf("Pending = %d, want the 10 bytes that found no key", st.Pending)
		}
	})
	t.Run("every key taken", func(t *testing.T) {
		c := &everyKeyExists{memClient: newMemClient(memBucket)}
		w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(10), ossappend.WithMaxObjectSize(10))
		w.Write(bytes.Repeat([]byte("x"), 20))
		if err := w.Close(); err == nil || !strings.Contains(err.Error(), "all exist") {
			t.Fatalf("Close = %v, want the rotation to give up", err)
		}
		if n := c.heads.Load(); n < 10000 || n > 10002 {
			t.Fatalf("%d HeadObject calls, want the 10000 probes and no more", n)
		}
	})
}

// everyKeyExists answers HeadObject for any key but a.log with an
// appendable object.
type everyKeyExists struct {
	*memClient
	heads atomic.Int64
}

func (c *everyKeyExists) HeadObject(ctx context.Context, req *oss.HeadObjectRequest, o ...func(*oss.Options)) (*oss.HeadObjectResult, error) {
	c.heads.Add(1)
	if *req.Key == "a.log" {
		return c.memClient.HeadObject(ctx, req, o...)
	}
	return &oss.HeadObjectResult{ObjectType: oss.Ptr("Appendable"), NextAppendPosition: oss.Ptr("1")}, nil
}

// lostThenFollowed wraps memClient: append number at lands, another writer
// appends after it, and the response is lost.
