package ossappend_test

// What real OSS does that a kinder server would not: seal off for most
// accounts, a clock that steps, create options it refuses, archived
// objects, listings that lag, a size limit of its own, and another
// writer's bytes after a lost answer. osstest models each (see its package
// documentation); these tests hold the writer to it.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// heard collects what an error handler hears.
type heard struct {
	mu   sync.Mutex
	errs []error
}

func (h *heard) handle(err error) {
	h.mu.Lock()
	h.errs = append(h.errs, err)
	h.mu.Unlock()
}

func (h *heard) count(target error) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, err := range h.errs {
		if errors.Is(err, target) {
			n++
		}
	}
	return n
}

// TestSealNotSupported: on an account without seal, or with credentials
// that may not seal, a writer made WithSealOnClose says so once, stores
// everything, rotates and closes without an error.
func TestSealNotSupported(t *testing.T) {
	const limitedID, limitedSecret = "limited-id", "limited-secret"
	cases := []struct {
		name   string
		opts   []osstest.Option
		client func(*osstest.Server) *oss.Client
	}{
		{"account without seal", []osstest.Option{osstest.WithoutSeal()}, (*osstest.Server).Client},
		{"credentials without oss:SealAppendObject",
			[]osstest.Option{osstest.WithLimitedCredentials(limitedID, limitedSecret, "oss:PutObject", "oss:GetObject", "oss:ListObjects")},
			func(srv *osstest.Server) *oss.Client {
				return oss.NewClient(srv.Config().WithCredentialsProvider(credentials.NewStaticCredentialsProvider(limitedID, limitedSecret)))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, c.opts...)
			var h heard
			w := newWriter(t, c.client(srv), "sealed.log", ossappend.WithSealOnClose(), ossappend.WithErrorHandler(h.handle),
				ossappend.WithFlushSize(1<<10), ossappend.WithMaxObjectSize(4<<10), ossappend.WithFlushInterval(0))
			var want bytes.Buffer
			for i := range 200 {
				want.WriteString(numberedLine(0, i))
				w.WriteString(numberedLine(0, i))
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close = %v, want nil: the data is stored, only the seal is missing", err)
			}
			if got := chainBytes(t, srv, "sealed.log"); !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("the chain holds %d bytes, want %d", len(got), want.Len())
			}
			st := w.Stats()
			if st.Rotations == 0 {
				t.Fatalf("stats %+v: the writer did not rotate", st)
			}
			if n := h.count(ossappend.ErrSealNotSupported); n != 1 {
				t.Fatalf("the handler heard ErrSealNotSupported %d times (%v), want once", n, h.errs)
			}
			if srv.Counts().Requests["SealAppendObject"] != 1 {
				t.Fatalf("%d seals sent, want the one refused", srv.Counts().Requests["SealAppendObject"])
			}
		})
	}
}

// chainBytes returns the objects of key's rotation chain, back to back.
func chainBytes(t *testing.T, srv *osstest.Server, key string) []byte {
	t.Helper()
	return decodeChain(t, srv, compress.None(), key)
}

// TestClockSteps: the machine's clock steps away from OSS's by an hour,
// one way and the other, and back, while a writer writes: OSS refuses
// what is signed with it, and the writer signs with OSS's time from then
// on, storing every line once.
func TestClockSteps(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, srv.Client(), "clock.log", ossappend.WithFlushInterval(0))
	var want bytes.Buffer
	line := 0
	write := func(n int) {
		for range n {
			want.WriteString(numberedLine(0, line))
			w.WriteString(numberedLine(0, line))
			line++
		}
		if err := w.Flush(); err != nil {
			t.Fatalf("Flush after %d lines: %v", line, err)
		}
	}
	write(10)
	for _, step := range []time.Duration{time.Hour, -time.Hour, 0, -2 * time.Hour} {
		srv.SetClockOffset(step)
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				panic(fmt.Sprintf("after a step of %v: %+v", step, w.Stats()))
			}
		}()
		write(10)
		close(done)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.Object(bucket, "clock.log"); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("the object holds %d bytes, want %d", len(got), want.Len())
	}
	if st := w.Stats(); st.Retries < 3 || st.Conflicts != 0 {
		t.Fatalf("stats %+v: want a refused request per step of the clock, and no conflict", st)
	}
}

// TestCreateOptionsOSSRefuses: storage classes and a KMS key ID that OSS
// refuses for appendable objects are refused by NewWriter, naming the
// option, before any request.
func TestCreateOptionsOSSRefuses(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		req  *oss.AppendObjectRequest
		name string
	}{
		{&oss.AppendObjectRequest{StorageClass: oss.StorageClassColdArchive}, "ColdArchive"},
		{&oss.AppendObjectRequest{StorageClass: oss.StorageClassDeepColdArchive}, "DeepColdArchive"},
		{&oss.AppendObjectRequest{ServerSideEncryption: oss.Ptr("KMS"), ServerSideEncryptionKeyId: oss.Ptr("key-1")}, "ServerSideEncryptionKeyId"},
	} {
		srv.ResetCounts()
		_, err := ossappend.NewWriter(context.Background(), srv.Client(), bucket, "cold.log", ossappend.WithObjectOptions(tc.req))
		if !errors.Is(err, ossappend.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("NewWriter with %s: %v, want ErrInvalidArgument naming it", tc.name, err)
		}
		if n := len(srv.Counts().Requests); n != 0 {
			t.Errorf("NewWriter with %s sent requests: %v", tc.name, srv.Counts().Requests)
		}
	}
	// Archive is accepted.
	w := newWriter(t, srv.Client(), "archive.log", ossappend.WithObjectOptions(&oss.AppendObjectRequest{StorageClass: oss.StorageClassArchive}))
	w.WriteString("kept cold\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestResumeAfterAnArchivedObject: the newest object of a chain is
// archived and carries no record of its codec: the writer cannot read its
// first bytes, so it starts the next object of the chain and says why,
// instead of failing with access denied.
func TestResumeAfterAnArchivedObject(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	_, err := c.AppendObject(context.Background(), &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("cold.log.zst"),
		Position: oss.Ptr(int64(0)), Body: strings.NewReader("written by another tool\n"), StorageClass: oss.StorageClassArchive})
	if err != nil {
		t.Fatal(err)
	}
	var h heard
	w := newWriter(t, c, "cold.log.zst", ossappend.WithCodec(compress.Zstd(compress.DefaultZstdLevel)), ossappend.WithErrorHandler(h.handle))
	if w.Key() != "cold.1.log.zst" {
		t.Fatalf("the writer resumed at %s, want the next object of the chain", w.Key())
	}
	w.WriteString("new\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := h.count(ossappend.ErrArchived); n != 1 {
		t.Fatalf("the handler heard of the archived object %d times (%v), want once", n, h.errs)
	}
}

// TestResumeWhenTheListingLags: a listing that lags behind the newest
// rotations does not send a restarted writer back to an older object.
func TestResumeWhenTheListingLags(t *testing.T) {
	srv := newServer(t)
	opts := []ossappend.Option{ossappend.WithFlushSize(1 << 10), ossappend.WithMaxObjectSize(2 << 10), ossappend.WithFlushInterval(0)}
	first := newWriter(t, srv.Client(), "lag/app.log", opts...)
	for i := range 100 {
		first.WriteString(numberedLine(0, i))
		if i == 4 {
			first.Flush()
			srv.SetListingDelay(time.Hour) // what is created from now on is not listed
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	newest := first.Key()
	if newest == "lag/app.log" {
		t.Fatalf("the first writer did not rotate")
	}
	again := newWriter(t, srv.Client(), "lag/app.log", opts...)
	defer again.Close()
	if again.Key() != newest {
		t.Fatalf("a restarted writer resumed at %s, want the newest object %s, which the listing does not show yet", again.Key(), newest)
	}
}

// TestOSSSizeLimitRotates: OSS refuses an append that would take the
// object past its own size limit, below the writer's MaxObjectSize: the
// writer rotates instead of failing, and stores every line once.
func TestOSSSizeLimitRotates(t *testing.T) {
	srv := newServer(t, osstest.WithMaxAppendableSize(8<<10))
	w := newWriter(t, srv.Client(), "limit.log", ossappend.WithFlushSize(1<<10), ossappend.WithFlushInterval(0))
	var want bytes.Buffer
	for i := range 400 {
		want.WriteString(numberedLine(0, i))
		w.WriteString(numberedLine(0, i))
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := chainBytes(t, srv, "limit.log"); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("the chain holds %d bytes, want %d", len(got), want.Len())
	}
	if st := w.Stats(); st.Rotations == 0 || st.Conflicts != 0 {
		t.Fatalf("stats %+v: want rotations at OSS's limit, no conflict", st)
	}
}

// TestLostAnswerThenAnotherWritersAppend: an append lands, its answer is
// lost, and another writer appends right after it. Reading the object
// back at the append's position (a ranged GetObject, with OSS's standard
// range behaviour) shows the append landed: it is not sent again, and the
// next append meets the other writer and moves to a new key.
func TestLostAnswerThenAnotherWritersAppend(t *testing.T) {
	srv := newServer(t)
	c := &scriptedClient{Client: srv.Client()}
	c.onAppend = func(ctx context.Context, n int64, req *oss.AppendObjectRequest, send func() (*oss.AppendObjectResult, error)) (*oss.AppendObjectResult, error) {
		res, err := send()
		if n != 2 || err != nil {
			return res, err
		}
		if _, err := srv.Client().AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: req.Key,
			Position: oss.Ptr(res.NextPosition), Body: strings.NewReader("another writer\n")}); err != nil {
			t.Error(err)
		}
		return nil, fmt.Errorf("read tcp: connection reset by peer (the answer lost)")
	}
	w := newWriter(t, c, "lost.log", ossappend.WithFlushInterval(0))
	for _, l := range []string{"line 1\n", "line 2\n", "line 3\n"} {
		w.WriteString(l)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := srv.Object(bucket, "lost.log")
	fresh, _ := srv.Object(bucket, "lost.1.log")
	if string(old) != "line 1\nline 2\nanother writer\n" || string(fresh) != "line 3\n" {
		t.Fatalf("lost.log = %q, lost.1.log = %q", old, fresh)
	}
	if st := w.Stats(); st.Recovered != 1 || st.Conflicts != 1 {
		t.Fatalf("stats %+v: want one append found stored and one conflict", st)
	}
	if n := srv.Counts().Requests["GetObject"]; n != 2 {
		t.Fatalf("%d GetObject requests, want two read-backs: one finds line 2 landed, the other another writer's bytes where line 3 was to go", n)
	}
}

// TestCredentialsWithoutListing: credentials without oss:ListObjects find
// the newest object of a chain key by key, and a restarted writer resumes
// it; credentials without oss:GetObject cannot look at an object, and
// NewWriter says so.
func TestCredentialsWithoutListing(t *testing.T) {
	const id, secret = "no-list", "no-list-secret"
	srv := newServer(t, osstest.WithLimitedCredentials(id, secret, "oss:PutObject", "oss:GetObject"),
		osstest.WithLimitedCredentials("no-get", "no-get-secret", "oss:PutObject", "oss:ListObjects"))
	limited := oss.NewClient(srv.Config().WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)))
	opts := []ossappend.Option{ossappend.WithFlushSize(1 << 10), ossappend.WithMaxObjectSize(2 << 10), ossappend.WithFlushInterval(0)}
	first := newWriter(t, limited, "nolist/app.log", opts...)
	for i := range 100 {
		first.WriteString(numberedLine(0, i))
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again := newWriter(t, limited, "nolist/app.log", opts...)
	if again.Key() != first.Key() || first.Key() == "nolist/app.log" {
		t.Fatalf("a restarted writer resumed at %s, want the newest object %s", again.Key(), first.Key())
	}
	again.Close()

	noGet := oss.NewClient(srv.Config().WithCredentialsProvider(credentials.NewStaticCredentialsProvider("no-get", "no-get-secret")))
	if _, err := ossappend.NewWriter(context.Background(), noGet, bucket, "nolist/app.log"); !errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("NewWriter without oss:GetObject: %v, want ErrAccessDenied", err)
	}
}

// TestOpeningUnderThrottling: a fleet of writers opening at once into a
// bucket that throttles them (503 SlowDown) all open, waiting as their
// retry policy says, instead of failing.
func TestOpeningUnderThrottling(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds")
	}
	srv := newServer(t, osstest.WithThrottle(osstest.Throttle{PerBucket: 20}))
	const n = 30
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w, err := ossappend.NewWriter(context.Background(), srv.Client(), bucket, fmt.Sprintf("fleet/%02d.log", i), fastRetry)
			if err == nil {
				err = w.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a writer of the fleet: %v", err)
		}
	}
	var throttled int64
	for _, c := range srv.Counts().Throttled {
		throttled += c
	}
	if throttled == 0 {
		t.Fatal("the server throttled nothing: the test tests nothing")
	}
}

// TestNotOSS: an endpoint that answers as a web server does, 200 to
// everything, is named as such at once, not taken for a chain of ten
// thousand objects.
func TestNotOSS(t *testing.T) {
	var requests atomic.Int64
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintln(w, "<html><body>It works!</body></html>")
	}))
	defer web.Close()
	c := oss.NewClient(oss.NewConfig().WithRegion("cn-hangzhou").WithEndpoint(web.URL).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider("id", "secret")))
	_, err := ossappend.NewWriter(context.Background(), c, bucket, "app.log")
	if !errors.Is(err, ossappend.ErrNotOSS) {
		t.Fatalf("NewWriter against a web server: %v, want ErrNotOSS", err)
	}
	if n := requests.Load(); n > 3 {
		t.Fatalf("%d requests before giving up, want a few", n)
	}
}
