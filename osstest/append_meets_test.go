package osstest

import (
	"io"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestAppendMeetsChange: an append whose object is replaced, deleted or
// sealed while its body comes in (or before it is checked: the outcome is
// the same) is refused, and leaves the object as the other request made it.
func TestAppendMeetsChange(t *testing.T) {
	for _, mode := range []string{"memory", "disk"} {
		t.Run(mode, func(t *testing.T) {
			var opts []Option
			if mode == "disk" {
				opts = append(opts, WithDir(t.TempDir()))
			}
			s, c, b := newBucket(t, opts...)
			for _, tc := range []struct {
				name   string
				change func(key string) error
				status int
				code   string
				want   string // the object afterwards, "" if gone
			}{
				{"replaced", func(key string) error {
					_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr(key), Body: strings.NewReader("whole")})
					return err
				}, 409, "ObjectNotAppendable", "whole"},
				{"deleted", func(key string) error {
					_, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr(key)})
					return err
				}, 409, "PositionNotEqualToLength", ""},
				{"sealed", func(key string) error {
					_, err := c.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr(key), Position: oss.Ptr(int64(5))})
					return err
				}, 409, "ObjectNotAppendable", "first"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					key := "meets-" + tc.name
					if _, err := appendAt(c, b, key, 0, "first"); err != nil {
						t.Fatal(err)
					}
					body, feed := io.Pipe()
					done := make(chan error, 1)
					go func() {
						_, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr(key),
							Position: oss.Ptr(int64(5)), Body: body}, noRetry)
						done <- err
					}()
					if _, err := feed.Write([]byte("-half")); err != nil {
						t.Fatal(err)
					}
					if err := tc.change(key); err != nil {
						t.Fatal(err)
					}
					if _, err := feed.Write([]byte("-rest")); err != nil {
						t.Fatal(err)
					}
					feed.Close()
					wantCode(t, <-done, tc.status, tc.code)
					got, ok := s.Object(b, key)
					if tc.want == "" && ok || tc.want != "" && string(got) != tc.want {
						t.Errorf("object holds %q (%v), want %q", got, ok, tc.want)
					}
				})
			}
		})
	}
}

// TestReadWhileReplaced: a GetObject under way keeps reading the bytes the
// object had when it began, while the object is replaced or deleted.
func TestReadWhileReplaced(t *testing.T) {
	for _, mode := range []string{"memory", "disk"} {
		t.Run(mode, func(t *testing.T) {
			var opts []Option
			if mode == "disk" {
				opts = append(opts, WithDir(t.TempDir()))
			}
			_, c, b := newBucket(t, opts...)
			old := strings.Repeat("old bytes ", 800<<10) // 8 MB: more than the connection buffers
			for _, change := range []string{"replace", "delete"} {
				put(t, c, b, "k", old)
				g, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
				if err != nil {
					t.Fatal(err)
				}
				first := make([]byte, 10)
				if _, err := io.ReadFull(g.Body, first); err != nil {
					t.Fatal(err)
				}
				if change == "replace" {
					put(t, c, b, "k", "new")
				} else if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}); err != nil {
					t.Fatal(err)
				}
				rest, err := io.ReadAll(g.Body)
				g.Body.Close()
				if err != nil || string(first)+string(rest) != old {
					t.Errorf("%s: read %d bytes (%v), not the old ones", change, len(first)+len(rest), err)
				}
			}
		})
	}
}
