package ossappend_test

// Recovery of a spool at the edges: a dead writer's append that lands
// while the next writer is opening, opens interrupted after they set
// damaged frames aside, and a recorded append with more frames than the
// next writer keeps in memory. Each test forces its window with a client
// that wraps the real SDK client of an osstest server.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// scriptedClient is the SDK client of an osstest server whose appends
// and HeadObject requests a test can intercept: onAppend gets the number
// of the append (from 1), the request, and the function that sends it.
type scriptedClient struct {
	*oss.Client
	appends, heads atomic.Int64
	onAppend       func(ctx context.Context, n int64, req *oss.AppendObjectRequest, send func() (*oss.AppendObjectResult, error)) (*oss.AppendObjectResult, error)
	onHead         func(n int64) error // called before the nth HeadObject is sent; an error is its answer
	afterHead      func(n int64)       // called after the nth HeadObject has been answered
}

func (c *scriptedClient) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, o ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	n := c.appends.Add(1)
	send := func() (*oss.AppendObjectResult, error) { return c.Client.AppendObject(ctx, req, o...) }
	if c.onAppend != nil {
		return c.onAppend(ctx, n, req, send)
	}
	return send()
}

// keep reads the body of req, an append its writer is about to abandon,
// and returns a function that sends it later, as a process that died
// with the request in its socket has it applied after its death.
func keep(t *testing.T, c *oss.Client, req *oss.AppendObjectRequest) func() (*oss.AppendObjectResult, error) {
	t.Helper()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Error(err)
	}
	kept := *req
	kept.Body, kept.ProgressFn = bytes.NewReader(body), nil
	return func() (*oss.AppendObjectResult, error) { return c.AppendObject(context.Background(), &kept) }
}

func (c *scriptedClient) HeadObject(ctx context.Context, req *oss.HeadObjectRequest, o ...func(*oss.Options)) (*oss.HeadObjectResult, error) {
	n := c.heads.Add(1)
	if c.onHead != nil {
		if err := c.onHead(n); err != nil {
			return nil, err
		}
	}
	res, err := c.Client.HeadObject(ctx, req, o...)
	if c.afterHead != nil {
		c.afterHead(n)
	}
	return res, err
}

var errRefused = &oss.ServiceError{StatusCode: 403, Code: "AccessDenied", Message: "refused by the test"}

// TestSpoolLateAppendLandsWhileTheNextWriterOpens: a dead writer's
// request lands after the next writer has first looked at the object and
// before it has looked again. The frames of that append are sent only at
// the place the record names, where OSS refuses them and the record
// recognises the late one: every line once, in one object or across a
// rotated chain, with no conflict.
func TestSpoolLateAppendLandsWhileTheNextWriterOpens(t *testing.T) {
	cases := []struct {
		name    string
		codec   compress.Codec
		rotated bool // the dead writer's append was the first of a new rotation
	}{
		{"none", compress.None(), false},
		{"zstd", compress.Zstd(compress.DefaultZstdLevel), false},
		{"none/rotated", compress.None(), true},
		{"zstd/rotated", compress.Zstd(compress.DefaultZstdLevel), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t)
			dir := t.TempDir()
			key := "late/app.log" + c.codec.Extension()
			opts := []ossappend.Option{ossappend.WithSpool(dir), ossappend.WithFlushSize(1 << 10), ossappend.WithFlushInterval(0),
				ossappend.WithCodec(c.codec), ossappend.WithMaxAppendSize(1 << 10)}
			if c.rotated {
				opts = append(opts, ossappend.WithMaxObjectSize(4<<10))
			}

			// The dead writer: its appends pass until the first one to a
			// new key (rotated) or the third, which is held and never
			// answered.
			var held struct {
				sync.Mutex
				send func() (*oss.AppendObjectResult, error)
			}
			heldOne := make(chan struct{})
			dead := &scriptedClient{Client: srv.Client()}
			dead.onAppend = func(ctx context.Context, n int64, req *oss.AppendObjectRequest, send func() (*oss.AppendObjectResult, error)) (*oss.AppendObjectResult, error) {
				held.Lock()
				holding := held.send != nil
				held.Unlock()
				first := n == 3
				if c.rotated {
					first = *req.Key != key && *req.Position == 0
				}
				if holding || !first {
					if holding {
						<-ctx.Done()
						return nil, ctx.Err()
					}
					return send()
				}
				late := keep(t, srv.Client(), req)
				held.Lock()
				held.send = late
				held.Unlock()
				close(heldOne)
				<-ctx.Done()
				return nil, ctx.Err()
			}
			w := newWriter(t, dead, key, opts...)
			var want bytes.Buffer
			for i := 0; ; i++ {
				select {
				case <-heldOne:
				default:
					want.WriteString(numberedLine(0, i))
					if _, err := w.WriteString(numberedLine(0, i)); err != nil {
						t.Fatal(err)
					}
					continue
				}
				break
			}
			w.Shutdown(expiredContext()) // dead, with its append in flight

			// The late request lands right after the next writer's first
			// look at the object.
			var lateErr error
			next := &scriptedClient{Client: srv.Client()}
			next.afterHead = func(n int64) {
				if n == 1 {
					_, lateErr = held.send()
				}
			}
			again := newWriter(t, next, key, opts...)
			for i := range 100 {
				want.WriteString(numberedLine(1, i))
				again.WriteString(numberedLine(1, i))
			}
			if err := again.Close(); err != nil {
				t.Fatal(err)
			}
			if lateErr != nil {
				t.Fatalf("the late append: %v", lateErr)
			}
			got := decodeChain(t, srv, c.codec, key)
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("the chain decodes to %d bytes, want %d: every line once, in order; stats %+v", len(got), want.Len(), again.Stats())
			}
			if st := again.Stats(); st.Conflicts != 0 || st.SpoolFoundStored == 0 {
				t.Fatalf("stats %+v: want the late append found stored, and no conflict", st)
			}
		})
	}
}

// decodeChain decodes the objects of key's rotation chain, in order.
func decodeChain(t *testing.T, srv *osstest.Server, codec compress.Codec, key string) []byte {
	t.Helper()
	var out []byte
	for n := 0; ; n++ {
		k := key
		if n > 0 {
			k = rotated(key, n)
		}
		obj, ok := srv.Object(bucket, k)
		if !ok {
			return out
		}
		out = append(out, decode(t, codec, obj)...)
	}
}

// recordedAppend makes a writer on dir that stores frame 1, then records
// one append of frames 2 to frames (1 KiB each, all of key's bytes after
// the first) and sends it, and is abandoned with that append in flight:
// landed, if land is set (its answer lost), or not. It returns the
// frames' bytes, in order.
func recordedAppend(t *testing.T, srv *osstest.Server, key, dir string, frames int, land bool, opts ...ossappend.Option) [][]byte {
	t.Helper()
	const size = 1 << 10
	gate := make(chan struct{})
	sentAll := make(chan int64, 1)
	dead := &scriptedClient{Client: srv.Client()}
	dead.onAppend = func(ctx context.Context, n int64, req *oss.AppendObjectRequest, send func() (*oss.AppendObjectResult, error)) (*oss.AppendObjectResult, error) {
		switch {
		case n == 1:
			<-gate
			return send()
		case n == 2:
			sent := int64(req.Body.(interface{ Len() int }).Len())
			if land {
				if _, err := send(); err != nil {
					t.Errorf("the recorded append: %v", err)
				}
			}
			sentAll <- sent
		}
		<-ctx.Done() // its answer never comes
		return nil, ctx.Err()
	}
	opts = append([]ossappend.Option{ossappend.WithSpool(dir), ossappend.WithFlushSize(size), ossappend.WithFlushInterval(0)}, opts...)
	w := newWriter(t, dead, key, opts...)
	var data [][]byte
	for i := range frames {
		f := bytes.Repeat([]byte{byte('a' + i%26)}, size-1)
		f = append(f, '\n')
		data = append(data, f)
		if _, err := w.Write(f); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			waitFor(t, "the first append to wait", func() bool { return dead.appends.Load() == 1 })
		}
	}
	waitFor(t, "the loader to load every frame", func() bool {
		return blockedIn("ossappend.(*spooler).loader") && !blockedIn("ossappend.(*framePool).get")
	})
	close(gate)
	select {
	case n := <-sentAll:
		if w.Stats().BytesAppended == size && n != int64((frames-1)*size) { // uncompressed
			t.Fatalf("the second append carried %d bytes, want frames 2 to %d, %d bytes", n, frames, (frames-1)*size)
		}
	case <-time.After(time.Minute):
		t.Fatal("the second append was never sent")
	}
	w.Shutdown(expiredContext())
	return data
}

// damageFrame damages the header of the spool's frame file that holds
// the ith frame left (from 0), so that the next open sets it aside.
func damageFrame(t *testing.T, dir string, i int) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "frames", "*.frame"))
	slices.Sort(files)
	data, err := os.ReadFile(files[i])
	if err != nil {
		t.Fatal(err)
	}
	copy(data, "damaged!")
	if err := os.WriteFile(files[i], data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// openRefused opens a writer on dir whose NewWriter fails after the
// spool is open: OSS refuses its HeadObject.
func openRefused(t *testing.T, srv *osstest.Server, key, dir string) {
	t.Helper()
	refused := &scriptedClient{Client: srv.Client(), onHead: func(int64) error { return errRefused }}
	w, err := ossappend.NewWriter(context.Background(), refused, bucket, key, ossappend.WithSpool(dir), ossappend.WithFlushSize(1<<10))
	if err == nil {
		w.Close()
		t.Fatal("NewWriter succeeded with HeadObject refused")
	}
	if !errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("NewWriter = %v, want ErrAccessDenied", err)
	}
}

// TestSpoolInterruptedOpenKeepsIntactFrames: the recorded append of
// frames 2 to 5 did not land; frame 2 is damaged; an open sets it aside
// and then fails. The next open sends frames 3 to 5: only frame 2's bytes
// are lost.
func TestSpoolInterruptedOpenKeepsIntactFrames(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	frames := recordedAppend(t, srv, "open.log", dir, 5, false)
	damageFrame(t, dir, 0)
	openRefused(t, srv, "open.log", dir)

	w := newWriter(t, srv.Client(), "open.log", ossappend.WithSpool(dir), ossappend.WithFlushSize(1<<10))
	w.WriteString("after\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := slices.Concat(frames[0], frames[2], frames[3], frames[4], []byte("after\n"))
	if got, _ := srv.Object(bucket, "open.log"); !bytes.Equal(got, want) {
		t.Fatalf("the object holds %d bytes, want %d: frame 1, frames 3 to 5 and the new line; stats %+v", len(got), len(want), w.Stats())
	}
	if st := w.Stats(); st.Conflicts != 0 || st.SpoolRecovered != 3 {
		t.Fatalf("stats %+v: want frames 3 to 5 recovered and no conflict", st)
	}
}

// TestSpoolInterruptedOpenJudgesTheRecord: the recorded append of frames
// 2 to 5 landed, its answer lost; frame 3 is damaged; an open sets it
// aside and then fails. The next open judges the append by its record,
// not by the frames left: it is stored, once, and nothing is sent again.
func TestSpoolInterruptedOpenJudgesTheRecord(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	frames := recordedAppend(t, srv, "judge.log", dir, 5, true)
	damageFrame(t, dir, 1)
	openRefused(t, srv, "judge.log", dir)

	w := newWriter(t, srv.Client(), "judge.log", ossappend.WithSpool(dir), ossappend.WithFlushSize(1<<10))
	w.WriteString("after\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := slices.Concat(slices.Concat(frames...), []byte("after\n"))
	if got, _ := srv.Object(bucket, "judge.log"); !bytes.Equal(got, want) {
		t.Fatalf("the object holds %d bytes, want %d: every frame once, then the new line; stats %+v", len(got), len(want), w.Stats())
	}
	if _, ok := srv.Object(bucket, "judge.1.log"); ok {
		t.Fatal("the writer moved to a new key: it took its own stored append for another writer's")
	}
	if st := w.Stats(); st.Conflicts != 0 || st.SpoolFoundStored != 3 {
		t.Fatalf("stats %+v: want the three frames left found stored, and no conflict", st)
	}
}

// TestSpoolRecordedAppendLargerThanMemory: a writer with 16 frames in
// flight recorded an append of 13 frames that did not land; the next
// writer on the spool, with the default 4, sends them all as that one
// append, at its place, and closes.
func TestSpoolRecordedAppendLargerThanMemory(t *testing.T) {
	for _, codec := range []compress.Codec{compress.None(), compress.Zstd(compress.DefaultZstdLevel)} {
		t.Run(codec.Name(), func(t *testing.T) {
			srv := newServer(t)
			dir := t.TempDir()
			key := "big.log" + codec.Extension()
			frames := recordedAppend(t, srv, key, dir, 14, false, ossappend.WithMaxInflight(16), ossappend.WithCodec(codec))

			c := &scriptedClient{Client: srv.Client()}
			var lens []int
			c.onAppend = func(ctx context.Context, n int64, req *oss.AppendObjectRequest, send func() (*oss.AppendObjectResult, error)) (*oss.AppendObjectResult, error) {
				lens = append(lens, req.Body.(interface{ Len() int }).Len())
				return send()
			}
			w := newWriter(t, c, key, ossappend.WithSpool(dir), ossappend.WithFlushSize(1<<10), ossappend.WithCodec(codec))
			done := make(chan error, 1)
			go func() { done <- w.Close() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(time.Minute):
				t.Fatalf("Close has not returned in a minute: recovery is stuck\n%s", writerGoroutines())
			}
			obj, _ := srv.Object(bucket, key)
			if got := decode(t, codec, obj); !bytes.Equal(got, slices.Concat(frames...)) {
				t.Fatalf("the object decodes to %d bytes, want the 14 frames, %d", len(got), 14<<10)
			}
			if len(lens) != 1 {
				t.Fatalf("frames 2 to 14 went out in %d appends (%v), want the one recorded", len(lens), lens)
			}
			checkNoLeaks(t)
		})
	}
}

// TestSpoolRecordedAppendMetOthers: what the next writer finds where a
// dead writer's recorded append was to go decides the frames' fate, by
// the record's length and CRC-64 and, where the object grew past it, by
// its bytes read back: another writer's bytes are never taken for the
// recorded append, and the recorded append is never sent twice.
func TestSpoolRecordedAppendMetOthers(t *testing.T) {
	const size = 1 << 10
	other := func(n int) []byte { return bytes.Repeat([]byte("other writer\n"), n/13+1)[:n] }
	for _, tc := range []struct {
		name    string
		land    bool   // the recorded append landed
		foreign []byte // another writer's bytes after what landed
		// what the objects hold, from the recorded frames 1 to 4 (by
		// index: frames[0] is frame 1) and the foreign bytes
		want      func(frames [][]byte, foreign []byte) (key, rotated []byte)
		found     int64
		conflicts int64
	}{
		{"another writer appended as many bytes in its place", false, other(3 * size),
			func(f [][]byte, x []byte) ([]byte, []byte) {
				return slices.Concat(f[0], x), slices.Concat(f[1], f[2], f[3])
			}, 0, 1},
		{"another writer appended more bytes in its place", false, other(5 * size),
			func(f [][]byte, x []byte) ([]byte, []byte) {
				return slices.Concat(f[0], x), slices.Concat(f[1], f[2], f[3])
			}, 0, 1},
		{"it landed, and another writer appended after it", true, other(100),
			func(f [][]byte, x []byte) ([]byte, []byte) { return slices.Concat(f[0], f[1], f[2], f[3], x), nil }, 3, 1},
		{"it landed, and the object grew by as many bytes again", true, other(3 * size),
			func(f [][]byte, x []byte) ([]byte, []byte) { return slices.Concat(f[0], f[1], f[2], f[3], x), nil }, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			dir := t.TempDir()
			frames := recordedAppend(t, srv, "met.log", dir, 4, tc.land)
			appendForeign(t, srv.Client(), "met.log", string(tc.foreign))

			w := newWriter(t, srv.Client(), "met.log", ossappend.WithSpool(dir), ossappend.WithFlushSize(size))
			w.WriteString("after\n")
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			wantKey, wantRotated := tc.want(frames, tc.foreign)
			wantRotated = append(wantRotated, "after\n"...)
			gotKey, _ := srv.Object(bucket, "met.log")
			gotRotated, _ := srv.Object(bucket, "met.1.log")
			if !bytes.Equal(gotKey, wantKey) || !bytes.Equal(gotRotated, wantRotated) {
				t.Fatalf("met.log holds %d bytes, met.1.log %d; want %d and %d (stats %+v)", len(gotKey), len(gotRotated), len(wantKey), len(wantRotated), w.Stats())
			}
			st := w.Stats()
			if st.SpoolFoundStored != tc.found || st.Conflicts != tc.conflicts || st.SpoolRecovered != 3 {
				t.Fatalf("stats %+v: want %d frames found stored, %d conflict, 3 recovered", st, tc.found, tc.conflicts)
			}
		})
	}
}

// TestSpoolRecordedAppendInASealedObject: the recorded append landed and
// the object was sealed since; the next writer finds it stored there and
// goes on in the next object, without a conflict.
func TestSpoolRecordedAppendInASealedObject(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	frames := recordedAppend(t, srv, "sealed.log", dir, 4, true)
	obj, _ := srv.Object(bucket, "sealed.log")
	if _, err := srv.Client().SealAppendObject(context.Background(), &oss.SealAppendObjectRequest{Bucket: oss.Ptr(bucket),
		Key: oss.Ptr("sealed.log"), Position: oss.Ptr(int64(len(obj)))}); err != nil {
		t.Fatal(err)
	}
	w := newWriter(t, srv.Client(), "sealed.log", ossappend.WithSpool(dir), ossappend.WithFlushSize(1<<10))
	w.WriteString("after\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	gotKey, _ := srv.Object(bucket, "sealed.log")
	gotNext, _ := srv.Object(bucket, "sealed.1.log")
	if !bytes.Equal(gotKey, slices.Concat(frames...)) || string(gotNext) != "after\n" {
		t.Fatalf("sealed.log holds %d bytes, sealed.1.log %q; want the four frames, then the new line in the next object", len(gotKey), gotNext)
	}
	if st := w.Stats(); st.Conflicts != 0 || st.SpoolFoundStored != 3 {
		t.Fatalf("stats %+v: want the three frames found stored, no conflict", st)
	}
}
