package ossappend_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
)

// recorder is an Observer that keeps what it hears.
type recorder struct {
	mu       sync.Mutex
	events   []string // "opened", "closed", or the operation of a request
	requests []ossappend.Request
	infos    []ossappend.Info
}

func (r *recorder) Opened(w *ossappend.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, "opened")
	r.infos = append(r.infos, w.Info())
}

func (r *recorder) Requested(w *ossappend.Writer, q ossappend.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, q.Op)
	r.requests = append(r.requests, q)
}

func (r *recorder) Closed(w *ossappend.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, "closed")
}

// TestObserverHearsTheWritersLife: an Observer hears that a writer
// opened, of each request it made after, with the bytes of each append
// and the failures, and that it closed, in that order.
func TestObserverHearsTheWritersLife(t *testing.T) {
	srv := newServer(t)
	srv.SetFaults(1, osstest.Fault{Op: "AppendObject", Kind: osstest.FaultError503, Limit: 1})
	rec := &recorder{}
	w := newWriter(t, srv.Client(), "observed.log.zst", ossappend.WithObserver(rec), ossappend.WithFlushInterval(0),
		ossappend.WithCodec(compress.Zstd(compress.DefaultZstdLevel)))
	for i := range 3 {
		w.WriteString(numberedLine(0, i))
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if n := len(rec.events); n < 3 || rec.events[0] != "opened" || rec.events[n-1] != "closed" {
		t.Fatalf("events %v: want opened first and closed last", rec.events)
	}
	want := ossappend.Info{Bucket: bucket, Key: "observed.log.zst", Codec: "zstd"}
	if len(rec.infos) != 1 || rec.infos[0] != want {
		t.Fatalf("Info %+v, want %+v", rec.infos, want)
	}
	var appends, failed, bytesOK int64
	for _, q := range rec.requests {
		if q.Op != "AppendObject" {
			continue
		}
		appends++
		if q.Key != "observed.log.zst" || q.Duration <= 0 || q.Bytes <= 0 {
			t.Errorf("request %+v: want the key, a duration and the bytes", q)
		}
		if q.Err != nil {
			failed++
		} else {
			bytesOK += q.Bytes
		}
	}
	if appends != st.Appends || failed != 1 || bytesOK != st.BytesAppended {
		t.Fatalf("heard %d appends, %d failed, %d bytes stored; stats %+v: want the stats' appends, the one 503, and BytesAppended", appends, failed, bytesOK, st)
	}
}

// TestOldestPending: Stats.OldestPending is when the oldest byte not yet
// stored was accepted, by the writer's clock: of the frame being filled,
// then of the frame waiting for its append, and the zero time once all
// is stored.
func TestOldestPending(t *testing.T) {
	srv := newServer(t)
	start := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clock := newFakeClock(start)
	gate := make(chan struct{})
	c := &scriptedClient{Client: srv.Client()}
	c.onAppend = func(ctx context.Context, n int64, req *oss.AppendObjectRequest, send func() (*oss.AppendObjectResult, error)) (*oss.AppendObjectResult, error) {
		<-gate
		return send()
	}
	w := newWriter(t, c, "oldest.log", ossappend.WithClock(clock), ossappend.WithFlushInterval(time.Minute))
	if st := w.Stats(); !st.OldestPending.IsZero() {
		t.Fatalf("OldestPending %v before any write, want zero", st.OldestPending)
	}
	w.WriteString("first\n")
	clock.Advance(10 * time.Second)
	w.WriteString("second\n")
	if got := w.Stats().OldestPending; !got.Equal(start) {
		t.Fatalf("OldestPending %v while the frame fills, want %v", got, start)
	}
	clock.Advance(time.Minute) // the frame is queued; its append waits at the gate
	waitFor(t, "the append to be sent", func() bool { return c.appends.Load() == 1 })
	w.WriteString("third\n")
	if got := w.Stats().OldestPending; !got.Equal(start) {
		t.Fatalf("OldestPending %v while the append waits, want %v", got, start)
	}
	close(gate)
	done := make(chan error, 1)
	go func() { done <- w.Flush() }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); !st.OldestPending.IsZero() || st.Pending != 0 {
		t.Fatalf("stats %+v once all is stored: want OldestPending zero", st)
	}
	w.Close()
}

// TestRequestBudgetUnderThrottling: writers sharing a RequestBudget above
// what the server serves are throttled, slow down together, stretch their
// flushes, and store every line once; none fails.
func TestRequestBudgetUnderThrottling(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds")
	}
	srv := newServer(t, osstest.WithThrottle(osstest.Throttle{PerBucket: 100}))
	rb := ossappend.NewRequestBudget(400)
	const writers, lines = 30, 120
	ws := make([]*ossappend.Writer, writers)
	for i := range ws {
		ws[i] = newWriter(t, srv.Client(), fmt.Sprintf("throttled/w%02d.log", i), ossappend.WithRequestBudget(rb),
			ossappend.WithFlushInterval(20*time.Millisecond))
	}
	var stretched time.Duration
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range lines {
				w.WriteString(numberedLine(i, j))
				if j%10 == 9 {
					if err := w.Flush(); err != nil {
						t.Errorf("writer %d: %v", i, err)
						return
					}
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		case <-time.After(10 * time.Millisecond):
			stretched = max(stretched, ws[0].Stats().FlushInterval)
		}
	}
	for i, w := range ws {
		if err := w.Close(); err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
		obj, _ := srv.Object(bucket, fmt.Sprintf("throttled/w%02d.log", i))
		var want bytes.Buffer
		for j := range lines {
			want.WriteString(numberedLine(i, j))
		}
		if !bytes.Equal(obj, want.Bytes()) {
			t.Fatalf("writer %d stored %d bytes, want its %d lines once, in order", i, len(obj), lines)
		}
	}
	var throttled int64
	for _, n := range srv.Counts().Throttled {
		throttled += n
	}
	if throttled == 0 || stretched <= 20*time.Millisecond {
		t.Fatalf("%d requests throttled, flush interval stretched to %v at most: want the server to throttle and the writers to stretch their flushes", throttled, stretched)
	}
}

// TestFailingSince: Stats.FailingSince is when the first request of a run
// of failures was sent, not when its failure came back, which can be a
// timeout later; an append stored ends the run.
func TestFailingSince(t *testing.T) {
	srv := newServer(t)
	entered := make(chan time.Time, 1)
	release, again := make(chan struct{}), make(chan struct{})
	c := &scriptedClient{Client: srv.Client()}
	c.onAppend = func(ctx context.Context, n int64, req *oss.AppendObjectRequest, send func() (*oss.AppendObjectResult, error)) (*oss.AppendObjectResult, error) {
		if n != 1 {
			<-again // the retry waits until the test has looked
			return send()
		}
		entered <- time.Now()
		<-release // as a request that hangs until its timeout
		return nil, &oss.ServiceError{StatusCode: 503, Code: "ServiceUnavailable"}
	}
	before := time.Now()
	w := newWriter(t, c, "failing.log", ossappend.WithFlushInterval(0))
	w.WriteString("a line\n")
	done := make(chan error, 1)
	go func() { done <- w.Flush() }()
	inRequest := <-entered
	for !time.Now().After(inRequest) { // the failure comes back later than the request was sent
	}
	close(release)
	waitFor(t, "the failure to be counted", func() bool { return w.Stats().LastFailure != nil })
	st := w.Stats()
	close(again)
	if st.FailingSince.Before(before) || st.FailingSince.After(inRequest) {
		t.Fatalf("FailingSince %v: want when the failed request was sent, between %v and %v", st.FailingSince, before, inRequest)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); !st.FailingSince.IsZero() {
		t.Fatalf("FailingSince %v once the append is stored, want zero", st.FailingSince)
	}
	w.Close()
}
