package ossappend_test

// Unit tests of the append loop's handling of failures against memClient,
// an in-memory OSS: reconciliation, conflicts, sticky errors, retries.

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/retry"
)

func TestMemFaultsAreReconciled(t *testing.T) {
	for _, tc := range []struct {
		name          string
		fault         memFault
		wantRecovered bool
	}{
		{"lost response", memLost, true},
		{"503 before applying", memUnavailable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newMemClient(memBucket)
			var calls atomic.Int64
			c.fault = func(op string) memFault {
				if op == "AppendObject" && calls.Add(1)%3 == 0 {
					return tc.fault
				}
				return memOK
			}
			w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(512))
			for i := range 1000 {
				w.WriteString(numberedLine(0, i))
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, _ := c.object("a.log")
			checkLines(t, got, 1, 1000)
			st := w.Stats()
			if st.Retries == 0 || st.Reconciled == 0 {
				t.Fatalf("stats %+v: faults were injected but no retry or reconciliation counted", st)
			}
			if got := st.Recovered > 0; got != tc.wantRecovered {
				t.Fatalf("Recovered = %d, want > 0: %v", st.Recovered, tc.wantRecovered)
			}
		})
	}
}

func TestMemConflictMovesToFreshKey(t *testing.T) {
	c := newMemClient(memBucket)
	var reports []error
	var mu sync.Mutex
	w := newMemWriter(t, c, "app.log", ossappend.WithFlushInterval(0),
		ossappend.WithErrorHandler(func(err error) { mu.Lock(); reports = append(reports, err); mu.Unlock() }))
	w.WriteString("ours 1\n")
	w.Flush()
	c.put("app.log", []byte("theirs\n"), true) // another writer appends
	c.put("app.1.log", []byte("taken\n"), false)
	w.WriteString("ours 2\n")
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush after a conflict: %v", err)
	}
	w.WriteString("ours 3\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := c.object("app.log")
	moved, _ := c.object("app.2.log")
	if string(old) != "ours 1\ntheirs\n" || string(moved) != "ours 2\nours 3\n" {
		t.Fatalf("app.log = %q, app.2.log = %q", old, moved)
	}
	if w.Key() != "app.2.log" {
		t.Fatalf("Key() = %q, want app.2.log", w.Key())
	}
	st := w.Stats()
	if st.Conflicts != 1 || st.Rotations != 1 || st.Pending != 0 {
		t.Fatalf("stats %+v, want one conflict, one rotation, nothing pending", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 1 || !errors.Is(reports[0], ossappend.ErrConflict) {
		t.Fatalf("error handler got %v, want one ErrConflict", reports)
	}
}

func TestMemFailOnConflictIsSticky(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "app.log", ossappend.WithFailOnConflict())
	w.WriteString("ours\n")
	w.Flush()
	c.put("app.log", []byte("replaced by PutObject\n"), false)
	w.WriteString("more\n")
	if err := w.Flush(); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Flush = %v, want ErrConflict", err)
	}
	if _, err := w.WriteString("x"); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Write after the conflict = %v, want the sticky ErrConflict", err)
	}
	if err := w.Close(); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Close = %v, want ErrConflict", err)
	}
	if st := w.Stats(); st.Pending != int64(len("more\n")) {
		t.Fatalf("Pending = %d, want the 5 bytes that were not stored", st.Pending)
	}
	checkNoLeaks(t)
}

func TestMemPermanentErrorIsStickyAndReportedOnce(t *testing.T) {
	c := newMemClient(memBucket)
	var reports atomic.Int64
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(10),
		ossappend.WithErrorHandler(func(err error) { reports.Add(1) }))
	c.setFault(func(op string) memFault { return memForbidden })
	w.WriteString("0123456789")
	w.WriteString("0123456789")
	err := w.Flush()
	if !errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("Flush = %v, want ErrAccessDenied", err)
	}
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.Code != "InvalidAccessKeyId" {
		t.Fatalf("Flush error %v does not carry the service error", err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("Write = %v, want the sticky error", err)
	}
	if err := w.Close(); !errors.Is(err, ossappend.ErrAccessDenied) {
		t.Fatalf("Close = %v, want the sticky error", err)
	}
	if n := reports.Load(); n != 1 {
		t.Fatalf("error handler called %d times, want once", n)
	}
	if st := w.Stats(); st.Pending != 20 || st.BytesStored != 0 {
		t.Fatalf("stats %+v, want 20 bytes pending", st)
	}
}

func TestMemRetriesExhausted(t *testing.T) {
	c := newMemClient(memBucket)
	c.fault = func(op string) memFault { return memUnavailable }
	_, err := ossappend.NewWriter(context.Background(), c, memBucket, "a.log",
		ossappend.WithRetry(retry.Policy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	if err == nil {
		t.Fatalf("NewWriter succeeded while HeadObject fails")
	}
	c.setFault(nil)
	w := newMemWriter(t, c, "a.log", ossappend.WithRetry(retry.Policy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	c.setFault(func(op string) memFault { return memUnavailable })
	w.WriteString("x\n")
	if err := w.Close(); !errors.Is(err, ossappend.ErrRetriesExhausted) {
		t.Fatalf("Close = %v, want ErrRetriesExhausted", err)
	}
}

func TestMemWithoutServerCRC(t *testing.T) {
	c := newMemClient(memBucket)
	c.noCRC = true
	var calls atomic.Int64
	c.fault = func(op string) memFault {
		if op == "AppendObject" && calls.Add(1)%2 == 0 {
			return memLost
		}
		return memOK
	}
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(300))
	for i := range 200 {
		w.WriteString(numberedLine(0, i))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := c.object("a.log")
	checkLines(t, got, 1, 200)
}

type lostThenFollowed struct {
	*memClient
	n, at atomic.Int64
}

func (d *lostThenFollowed) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, o ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	res, err := d.memClient.AppendObject(ctx, req, o...)
	if d.n.Add(1) == d.at.Load() && err == nil {
		d.memClient.put(*req.Key, []byte("foreign\n"), true)
		return nil, errLost
	}
	return res, err
}

// TestMemLostResponseThenForeignAppend: a frame that landed just before
// another writer's bytes is not sent again.
func TestMemLostResponseThenForeignAppend(t *testing.T) {
	c := &lostThenFollowed{memClient: newMemClient(memBucket)}
	c.at.Store(2)
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushInterval(0))
	for _, l := range []string{"line 1\n", "line 2\n", "line 3\n"} {
		w.WriteString(l)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := c.object("a.log")
	fresh, _ := c.object("a.1.log")
	if string(old) != "line 1\nline 2\nforeign\n" || string(fresh) != "line 3\n" {
		t.Fatalf("a.log = %q, a.1.log = %q", old, fresh)
	}
	if st := w.Stats(); st.Recovered != 1 || st.Conflicts != 1 {
		t.Fatalf("stats %+v: want one recovered frame and one conflict", st)
	}
}

// TestMemSealConflictIsFinal: a seal that meets another writer's append
// fails at once with ErrConflict, not after the retry budget.
func TestMemSealConflictIsFinal(t *testing.T) {
	c := newMemClient(memBucket)
	w := newMemWriter(t, c, "a.log", ossappend.WithSealOnClose(), ossappend.WithFlushInterval(0),
		ossappend.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxElapsed: time.Hour}))
	w.WriteString("ours\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	c.put("a.log", []byte("theirs\n"), true)
	if err := w.Close(); !errors.Is(err, ossappend.ErrConflict) {
		t.Fatalf("Close = %v, want ErrConflict", err)
	}
	if st := w.Stats(); st.Retries != 0 {
		t.Fatalf("%d retries of a seal that cannot succeed", st.Retries)
	}
}

// phantomAppends answers every append with success and a next position one
// past where the append would leave the object, without storing anything:
// a server whose answers cannot be trusted. After limit appends it refuses
// the credentials, so that a writer that never gives up still stops.
type phantomAppends struct {
	*memClient
	appends, limit int
}

func (p *phantomAppends) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, o ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	p.appends++
	if p.appends > p.limit {
		return nil, svcErr(403, "InvalidAccessKeyId", nil)
	}
	body, _ := io.ReadAll(req.Body)
	return &oss.AppendObjectResult{NextPosition: *req.Position + int64(len(body)) + 1}, nil
}

// TestMemUnexpectedNextPositionGoesThroughRetry: an append answered with
// success but a next position that the object does not have is looked at
// again under the retry policy, with its backoff and its limit, rather than
// sent again at once, forever.
func TestMemUnexpectedNextPositionGoesThroughRetry(t *testing.T) {
	c := &phantomAppends{memClient: newMemClient(memBucket), limit: 100}
	w := newMemWriter(t, c, "a.log", ossappend.WithRetry(retry.Policy{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxAttempts: 4}))
	w.WriteString("a line\n")
	err := w.Close()
	if !errors.Is(err, ossappend.ErrRetriesExhausted) || !strings.Contains(err.Error(), "next position 8, want 7") {
		t.Fatalf("Close = %v, want ErrRetriesExhausted after the unexpected next positions", err)
	}
	if c.appends != 4 {
		t.Fatalf("%d appends sent, want the 4 the retry policy allows", c.appends)
	}
	if st := w.Stats(); st.Retries != 3 || st.Pending != 7 {
		t.Fatalf("stats %+v, want 3 retries and the 7 bytes pending", st)
	}
}

// keepsBodies fails the first append with a 503 before reading its body,
// and keeps the body, as net/http's transport may go on reading a request's
// body after it has the answer.
type keepsBodies struct {
	*memClient
	kept io.Reader
}

func (k *keepsBodies) AppendObject(ctx context.Context, req *oss.AppendObjectRequest, o ...func(*oss.Options)) (*oss.AppendObjectResult, error) {
	if k.kept == nil {
		k.kept = req.Body
		return nil, svcErr(503, "ServiceUnavailable", nil)
	}
	return k.memClient.AppendObject(ctx, req, o...)
}

// TestMemBodyReadAfterItsRequestReturned: a request's body that is read
// after the request returned yields nothing, not the bytes of a later frame
// that took over its buffer.
func TestMemBodyReadAfterItsRequestReturned(t *testing.T) {
	c := &keepsBodies{memClient: newMemClient(memBucket)}
	w := newMemWriter(t, c, "a.log", ossappend.WithFlushSize(64), ossappend.WithFlushInterval(0))
	first := strings.Repeat("a", 63) + "\n"
	w.WriteString(first)
	if err := w.Flush(); err != nil { // the 503, then the append again
		t.Fatal(err)
	}
	for range 10 { // later frames, in the buffers the first went back to
		w.WriteString(strings.Repeat("b", 63) + "\n")
		w.Flush()
	}
	late, err := io.ReadAll(c.kept)
	if len(late) > 0 && string(late) != first[:len(late)] {
		t.Fatalf("the first request's body, read after it returned, holds %q: a later frame's bytes", late)
	}
	if err == nil && len(late) != len(first) {
		t.Fatalf("reading the first request's body after it returned: %d bytes, no error", len(late))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
