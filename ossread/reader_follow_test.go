package ossread_test

// Tests of Reader with WithFollow, against osstest through the real SDK
// client, while writers rotate and roll. They never sleep to order events:
// they wait for what the reader reads, or for the request it is held at,
// under a generous deadline.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/osstest"
)

// writeBatches writes lines from to to-1 of tag through w in batches of
// 1 to 37 lines, flushing each; with lr, it waits for each batch to be read
// before it writes the next, so that the reader follows the newest object
// as the writer appends to it and rotates.
func writeBatches(t *testing.T, w *ossappend.Writer, lr *followLineReader, tag string, from, to int) {
	t.Helper()
	for i := from; i < to; {
		k := min(1+i%37, to-i)
		writeNumbered(t, w, tag, i, i+k)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if lr != nil {
			lr.expectNumbered(t, tag, i, i+k)
		}
		i += k
	}
}

// TestFollowChainWhileWriting follows a chain while its writer appends and
// rotates more than ten times: every line once, in order.
func TestFollowChainWhileWriting(t *testing.T) {
	for _, tc := range []struct {
		name   string
		codec  compress.Codec
		raw    bool // without WithDecode
		paced  bool // the writer waits for the reader after each batch
		sealed bool // the writer seals each object it leaves
	}{
		{"none raw", compress.None(), true, true, false},
		{"none", compress.None(), false, true, false},
		{"gzip", compress.Gzip(-1), false, true, false},
		{"zstd", compress.Zstd(1), false, true, false},
		{"s2", compress.S2(), false, true, false},
		{"zstd sealed", compress.Zstd(1), false, true, true},
		{"zstd ahead of the reader", compress.Zstd(1), false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFollowServer(t)
			key := "logs/app.log" + tc.codec.Extension()
			var opts []ossappend.Option
			if tc.sealed {
				opts = append(opts, ossappend.WithSealOnClose())
			}
			w := newSeriesWriter(t, c, key, tc.codec, opts...)
			writeBatches(t, w, nil, "live", 0, 10) // the chain exists

			ropts := []ossread.Option{ossread.WithFollow()}
			if !tc.raw {
				ropts = append(ropts, ossread.WithDecode())
			}
			r := newTestReader(t, c, key, ropts...)
			lr := followLines(r)
			lr.expectNumbered(t, "live", 0, 10)
			if tc.paced {
				writeBatches(t, w, lr, "live", 10, chainLines)
			} else {
				writeBatches(t, w, nil, "live", 10, chainLines)
				lr.expectNumbered(t, "live", 10, chainLines)
			}
			if n := rotations(t, w); n < 11 {
				t.Fatalf("%d rotations: the chain does not reach rotation 10", n)
			}
			last := w.Key()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			followWaitFor(t, "Key() to name the writer's last object", func() bool { return r.Key() == last })
			if tc.raw {
				size := int64(len(getObject(t, c, last)))
				followWaitFor(t, "Offset() to reach the end of the last object", func() bool { return r.Offset() == size })
			}
			r.Close()
			if err := lr.end(t); !errors.Is(err, ossread.ErrClosed) {
				t.Errorf("after Close the reader stopped with %v, want ErrClosed", err)
			}
		})
	}
}

// TestFollowPrefixAcrossRolls follows a prefix while one writer a period
// writes each hour's object, rotating: every line once, in order, across
// rotations and rolls.
func TestFollowPrefixAcrossRolls(t *testing.T) {
	for _, tc := range []struct {
		name   string
		codec  compress.Codec
		sealed bool
	}{
		{"none", compress.None(), false},
		{"zstd", compress.Zstd(1), false},
		{"gzip sealed", compress.Gzip(-1), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFollowServer(t)
			const day = "logs/dt=2026-11-30/"
			followAppend(t, c, "logs/dt=2026-11-29/hour=23/host.log", []byte("the day before\n"))
			var lr *followLineReader
			for h := range 4 {
				tag := fmt.Sprintf("hour=%02d", h)
				var opts []ossappend.Option
				if tc.sealed {
					opts = append(opts, ossappend.WithSealOnClose())
				}
				w := newSeriesWriter(t, c, day+tag+"/host.log"+tc.codec.Extension(), tc.codec, opts...)
				from := 0
				if lr == nil {
					writeBatches(t, w, nil, tag, 0, 5) // the series exists
					lr = followLines(newTestReader(t, c, day, ossread.WithFollow(), ossread.WithDecode()))
					lr.expectNumbered(t, tag, 0, 5)
					from = 5
				}
				writeBatches(t, w, lr, tag, from, 300)
				if n := rotations(t, w); n < 2 {
					t.Fatalf("%s: %d rotations", tag, n)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestFollowSeriesFaults follows a chain, and a prefix across a roll,
// while OSS fails a fifth of the reader's requests or drops their answers:
// every line once, in order.
func TestFollowSeriesFaults(t *testing.T) {
	for _, tc := range []struct {
		name, series string
		objects      []string // one writer each, one after the other
	}{
		{"chain", "app.log.zst", []string{"app.log.zst"}},
		{"prefix", "logs/dt=2026-11-30/", []string{"logs/dt=2026-11-30/hour=00/host.log.zst", "logs/dt=2026-11-30/hour=01/host.log.zst"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newFollowServer(t)
			rc := oss.NewClient(srv.Config().WithRetryMaxAttempts(1)) // only the Reader retries
			// The faults hit the writers' HeadObject and ListObjectsV2 too,
			// when they look for where to start: the SDK retries those.
			c := oss.NewClient(srv.Config().WithRetryMaxAttempts(20))
			var lr *followLineReader
			for i, key := range tc.objects {
				tag := fmt.Sprintf("writer %d", i)
				w := newSeriesWriter(t, c, key, compress.Zstd(1))
				from := 0
				if lr == nil {
					writeBatches(t, w, nil, tag, 0, 5)
					lr = followLines(newTestReader(t, rc, tc.series, ossread.WithFollow(), ossread.WithDecode()))
					lr.expectNumbered(t, tag, 0, 5)
					from = 5
					srv.SetFaults(7,
						osstest.Fault{Op: "HeadObject", Kind: osstest.FaultError503, Probability: 0.2},
						osstest.Fault{Op: "ListObjectsV2", Kind: osstest.FaultError503, Probability: 0.2},
						osstest.Fault{Op: "GetObject", Kind: osstest.FaultError503, Probability: 0.1},
						osstest.Fault{Op: "GetObject", Kind: osstest.FaultDropResponse, Probability: 0.1},
					)
				}
				writeBatches(t, w, lr, tag, from, 800/len(tc.objects))
				if n := rotations(t, w); n < 3 {
					t.Fatalf("%s: %d rotations", key, n)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			}
			faults := srv.Counts().Faults
			if faults[osstest.FaultError503] == 0 || faults[osstest.FaultDropResponse] == 0 {
				t.Fatalf("faults injected: %v", faults)
			}
			t.Logf("faults injected: %d × 503, %d dropped answers", faults[osstest.FaultError503], faults[osstest.FaultDropResponse])
		})
	}
}

// TestFollowNextBeforeLastBytes holds the Reader's look for the next object
// while the writer appends to the current one and then moves on: the
// Reader must read those last bytes before the next object.
func TestFollowNextBeforeLastBytes(t *testing.T) {
	for _, tc := range []struct {
		name, key     string
		current, next string
		look          string // the request that finds the next object
		looks         int    // the first look the test holds
	}{
		{"chain", "app.log", "app.log", "app.1.log", "HeadObject app.1.log", 1},
		{"prefix", "p/", "p/a.log", "p/b.log", "ListObjectsV2", 2}, // NewReader sends the first
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFollowServer(t)
			followAppend(t, c, tc.current, []byte("one\n"))
			held, release := make(chan struct{}), make(chan struct{})
			wc := newWatchClient(c)
			wc.setHold(func(op string, n int) {
				if op == tc.look && n == tc.looks {
					close(held)
					<-release
				}
			})
			lr := followLines(newTestReader(t, wc, tc.key, ossread.WithFollow()))
			lr.expect(t, "one")
			select {
			case <-held:
			case <-time.After(followDeadline):
				t.Fatalf("the reader did not look for the next object within %v", followDeadline)
			}
			followAppend(t, c, tc.current, []byte("two\n"))
			followAppend(t, c, tc.next, []byte("three\n"))
			close(release)
			lr.expect(t, "two", "three")
		})
	}
}

// TestFollowPollCost counts the requests of a Reader that has read
// everything: one HeadObject of its object a poll, and one look for the
// next object, a HeadObject of the next rotation for a chain, a listing
// for a prefix.
func TestFollowPollCost(t *testing.T) {
	for _, tc := range []struct{ name, key, object, look string }{
		{"chain", "app.log", "app.log", "HeadObject app.1.log"},
		{"prefix", "p/", "p/a.log", "ListObjectsV2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFollowServer(t)
			followAppend(t, c, tc.object, []byte("one\n"))
			wc := newWatchClient(c)
			lr := followLines(newTestReader(t, wc, tc.key, ossread.WithFollow()))
			lr.expect(t, "one")
			const polls = 20
			head := "HeadObject " + tc.object
			followWaitFor(t, "polls", func() bool { return wc.snapshot()[head] >= polls })
			got := wc.snapshot()
			looks := got[tc.look]
			if tc.look == "ListObjectsV2" {
				looks-- // NewReader's listing
			}
			// NewReader's HeadObject and the first poll, which found the
			// object had not grown, came before any look; a look comes
			// before each later poll.
			if h := got[head]; looks < h-3 || looks > h-1 {
				t.Errorf("%d polls and %d looks for the next object, want one look a poll", h, looks)
			}
			want := map[string]bool{head: true, tc.look: true, "GetObject " + tc.object: true, "ListObjectsV2": true}
			if len(got) != len(want) || got["GetObject "+tc.object] != 1 || tc.look != "ListObjectsV2" && got["ListObjectsV2"] != 1 {
				t.Errorf("requests %v, want polls, looks, NewReader's listing and one GetObject", got)
			}
			t.Logf("%d polls: %v", got[head], got)
		})
	}
}

// TestFollowSeriesWaits follows a chain and a prefix that have no object
// yet.
func TestFollowSeriesWaits(t *testing.T) {
	for _, key := range []string{"later.log", "later/"} {
		t.Run(key, func(t *testing.T) {
			_, c := newFollowServer(t)
			wc := newWatchClient(c)
			r := newTestReader(t, wc, key, ossread.WithFollow(), ossread.WithWaitForObject(), ossread.WithStartAtEnd())
			if r.Key() != "" {
				t.Errorf("waiting, Key() = %q, want none", r.Key())
			}
			lr := followLines(r)
			followWaitFor(t, "the reader to look again", func() bool { return wc.snapshot()["ListObjectsV2"] >= 2 })
			obj := key
			if strings.HasSuffix(key, "/") {
				obj += "a.log"
			}
			followAppend(t, c, obj, []byte("hello\n"))
			lr.expect(t, "hello") // from its first byte, despite WithStartAtEnd
			followAppend(t, c, ossappend.RotateKey(obj, 1), []byte("world\n"))
			lr.expect(t, "world")
		})
	}
}

// TestFollowSeriesStartAtEnd starts at the end of a chain's newest object.
func TestFollowSeriesStartAtEnd(t *testing.T) {
	_, c := newFollowServer(t)
	w := newSeriesWriter(t, c, "app.log", compress.None())
	writeBatches(t, w, nil, "old", 0, 200)
	if rotations(t, w) < 2 {
		t.Fatal("no rotation")
	}
	r := newTestReader(t, c, "app.log", ossread.WithFollow(), ossread.WithStartAtEnd())
	if size := int64(len(getObject(t, c, w.Key()))); r.Key() != w.Key() || r.Offset() != size {
		t.Fatalf("Key() = %q, Offset() = %d; want %q, %d", r.Key(), r.Offset(), w.Key(), size)
	}
	lr := followLines(r)
	writeBatches(t, w, lr, "new", 0, 300)
}

// TestFollowOnly follows one object alone: what is appended to it, and not
// its rotations.
func TestFollowOnly(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "app.log", []byte("one\n"))
	lr := followLines(newTestReader(t, c, "app.log", ossread.Only(), ossread.WithFollow()))
	lr.expect(t, "one")
	followAppend(t, c, "app.1.log", []byte("rotated\n"))
	followAppend(t, c, "app.log", []byte("two\n"))
	lr.expect(t, "two")
}

// TestFollowSeriesObjectDeleted deletes the object a Reader follows.
func TestFollowSeriesObjectDeleted(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "app.log", []byte("one\n"))
	lr := followLines(newTestReader(t, c, "app.log", ossread.WithFollow()))
	lr.expect(t, "one")
	followDelete(t, c, "app.log")
	err := lr.end(t)
	if !errors.Is(err, ossread.ErrObjectReplaced) || !strings.HasPrefix(err.Error(), "ossread: ") {
		t.Fatalf("reader stopped with %v, want ErrObjectReplaced", err)
	}
}

// TestFollowContextEndsSaysWhere ends the context of a Reader, and of a
// Follower, that wait: the error wraps the context's and says which
// object it stopped at.
func TestFollowContextEndsSaysWhere(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "app.log", []byte("one\n"))
	for name, open := range map[string]func(ctx context.Context) (io.ReadCloser, error){
		"Reader": func(ctx context.Context) (io.ReadCloser, error) {
			return ossread.NewReader(ctx, c, followBucket, "app.log", append(fastFollow, ossread.WithFollow())...)
		},
		"Follower": func(ctx context.Context) (io.ReadCloser, error) {
			return ossread.NewFollower(ctx, c, followBucket, "app.log", fastFollow...)
		},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		r, err := open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lr := followLines(r)
		lr.expect(t, "one")
		cancel()
		err = lr.end(t)
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "ossread: "+followBucket+"/app.log: ") {
			t.Errorf("%s stopped with %q, want context.Canceled, saying where", name, err)
		}
		r.Close()
	}
}
