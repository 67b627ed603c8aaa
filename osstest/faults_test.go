package osstest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func TestFaultLatency(t *testing.T) {
	const latency = 150 * time.Millisecond
	s, c, b := newBucket(t, WithFaults(1, Fault{Op: "HeadObject", Kind: FaultLatency, Latency: latency}))
	put(t, c, b, "k", "v")
	start := time.Now()
	if _, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < latency {
		t.Errorf("HeadObject took %v, want at least %v", d, latency)
	}
	got := s.Counts()
	if got.Faults[FaultLatency] != 1 || got.Requests["HeadObject"] != 1 || got.Requests["PutObject"] != 1 {
		t.Errorf("counts %+v", got)
	}

	// A client that gives up does not keep the handler sleeping.
	s.SetFaults(1, Fault{Kind: FaultLatency, Latency: time.Hour})
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.HeadObject(cctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}); err == nil {
		t.Fatal("HeadObject did not time out")
	}
}

// TestCloseEndsInjectedLatency checks that Close does not wait out the
// latency of a request whose body is still unread, such as an append.
func TestCloseEndsInjectedLatency(t *testing.T) {
	s, c, b := newBucket(t, WithFaults(1, Fault{Op: "AppendObject", Kind: FaultLatency, Latency: time.Hour}))
	go appendAt(c, b, "k", 0, "data", noRetry) // fails when the server closes
	waitFor(t, "the append to reach the server", func() bool { return s.Counts().Requests["AppendObject"] > 0 })
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Minute): // reached only if Close waits for the hour
		t.Fatal("Close waited for the injected latency")
	}
}

func TestFaultErrors(t *testing.T) {
	for _, tc := range []struct {
		kind   FaultKind
		status int
		code   string
	}{
		{FaultError500, 500, "InternalError"},
		{FaultError503, 503, "ServiceUnavailable"},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			s, c, b := newBucket(t, WithFaults(7, Fault{Op: "AppendObject", Kind: tc.kind, Limit: 1}))
			// Without retries the client sees the error, and nothing is applied.
			_, err := appendAt(c, b, "k", 0, "data", noRetry)
			se := wantCode(t, err, tc.status, tc.code)
			if se.Headers.Get("Content-Type") != "application/xml" || !strings.Contains(string(se.Snapshot), "<Code>"+tc.code+"</Code>") {
				t.Errorf("error answer %v %s", se.Headers, se.Snapshot)
			}
			if _, ok := s.Object(b, "k"); ok {
				t.Error("the failed append was applied")
			}
			// The limit is spent: the next append goes through.
			if _, err := appendAt(c, b, "k", 0, "data"); err != nil {
				t.Fatal(err)
			}
			counts := s.Counts()
			if counts.Faults[tc.kind] != 1 || counts.Requests["AppendObject"] != 2 {
				t.Errorf("counts %+v", counts)
			}

			// With its default retryer the SDK gets through a passing failure.
			s.SetFaults(7, Fault{Op: "PutObject", Kind: tc.kind, Limit: 2})
			s.ResetCounts()
			put(t, c, b, "p", "x")
			if counts := s.Counts(); counts.Requests["PutObject"] != 3 || counts.Faults[tc.kind] != 2 {
				t.Errorf("counts after retries %+v", counts)
			}
		})
	}
}

// TestFaultDropResponse loses the answer to an append that was applied:
// the SDK retries it and meets PositionNotEqualToLength, for data that did
// land once.
func TestFaultDropResponse(t *testing.T) {
	s, c, b := newBucket(t, WithFaults(3, Fault{Op: "AppendObject", Kind: FaultDropResponse, Limit: 1}))
	_, err := appendAt(c, b, "k", 0, "landed")
	se := wantCode(t, err, 409, "PositionNotEqualToLength")
	if se.Headers.Get("x-oss-next-append-position") != "6" {
		t.Errorf("next position %q", se.Headers.Get("x-oss-next-append-position"))
	}
	if got := objectText(t, s, b, "k"); got != "landed" {
		t.Errorf("object holds %q, want the data once", got)
	}
	counts := s.Counts()
	if counts.Requests["AppendObject"] != 2 || counts.Faults[FaultDropResponse] != 1 {
		t.Errorf("counts %+v", counts)
	}

	// Without retries the client sees a connection error, not an answer.
	s.SetFaults(3, Fault{Op: "AppendObject", Kind: FaultDropResponse, Limit: 1})
	_, err = appendAt(c, b, "k", 6, "+more", noRetry)
	var se2 *oss.ServiceError
	if err == nil || errors.As(err, &se2) {
		t.Fatalf("got %v, want a connection error", err)
	}
	if got := objectText(t, s, b, "k"); got != "landed+more" {
		t.Errorf("object holds %q", got)
	}

	// The SDK's AppendOnlyFile reconciles a lost answer with HeadObject.
	s.SetFaults(3, Fault{Op: "AppendObject", Kind: FaultDropResponse, Limit: 1})
	f, err := c.AppendFile(ctx, b, "file")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.Write([]byte("once")); err != nil || n != 4 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got := objectText(t, s, b, "file"); got != "once" {
		t.Errorf("file holds %q", got)
	}
}

func TestFaultResetMidBody(t *testing.T) {
	s, c, b := newBucket(t, WithFaults(5, Fault{Op: "AppendObject", Kind: FaultResetMidBody, Limit: 1}))
	body := strings.Repeat("r", 256<<10)
	_, err := appendAt(c, b, "k", 0, body, noRetry)
	var se *oss.ServiceError
	if err == nil || errors.As(err, &se) {
		t.Fatalf("got %v, want a connection error", err)
	}
	if _, ok := s.Object(b, "k"); ok {
		t.Error("the reset append was applied")
	}
	// With retries the SDK sends the body again, which lands once.
	s.SetFaults(5, Fault{Op: "AppendObject", Kind: FaultResetMidBody, Limit: 1})
	if _, err := appendAt(c, b, "k", 0, body); err != nil {
		t.Fatal(err)
	}
	if got := objectText(t, s, b, "k"); got != body {
		t.Errorf("object holds %d bytes, want %d", len(got), len(body))
	}
	if n := s.Counts().Faults[FaultResetMidBody]; n != 2 {
		t.Errorf("%d resets counted, want 2", n)
	}
}

func TestFaultBandwidth(t *testing.T) {
	const rate, size = 40_000, 20_000 // half a second each way
	s, c, b := newBucket(t, WithFaults(1, Fault{Kind: FaultBandwidth, BytesPerSecond: rate}))
	body := strings.Repeat("b", size)
	start := time.Now()
	put(t, c, b, "k", body)
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("a %d-byte upload at %d B/s took %v", size, rate, d)
	}
	start = time.Now()
	g, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(g.Body)
	g.Body.Close()
	if err != nil || string(data) != body {
		t.Fatalf("download: %d bytes, %v", len(data), err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("a %d-byte download at %d B/s took %v", size, rate, d)
	}
	if n := s.Counts().Faults[FaultBandwidth]; n != 2 {
		t.Errorf("%d bandwidth faults counted", n)
	}
}

// TestFaultsDeterministic checks that a seed fixes which requests fail.
func TestFaultsDeterministic(t *testing.T) {
	pattern := func(seed int64) string {
		s, c, b := newBucket(t, WithFaults(seed,
			Fault{Op: "HeadObject", Kind: FaultError503, Probability: 0.5},
			Fault{Op: "HeadObject", Kind: FaultError500, Probability: 0.5},
		))
		put(t, c, b, "k", "v")
		var out strings.Builder
		for range 40 {
			_, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}, noRetry)
			switch {
			case err == nil:
				out.WriteByte('.')
			default:
				out.WriteString(map[int]string{500: "5", 503: "3"}[serviceError(t, err).StatusCode])
			}
		}
		counts := s.Counts()
		if got := counts.Faults[FaultError500] + counts.Faults[FaultError503]; got != int64(40-strings.Count(out.String(), ".")) {
			t.Errorf("seed %d: %d faults counted for pattern %s", seed, got, out.String())
		}
		return out.String()
	}
	a, b := pattern(42), pattern(42)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, ".") || !strings.Contains(a, "3") || !strings.Contains(a, "5") {
		t.Errorf("pattern %s lacks successes or one of the failures", a)
	}
	if c := pattern(43); c == a {
		t.Errorf("seeds 42 and 43 gave the same pattern %s", c)
	}
}

// TestSetFaults takes OSS down and brings it back while clients work.
func TestSetFaults(t *testing.T) {
	s, c, b := newBucket(t)
	s.SetFaults(9, Fault{Kind: FaultError503})
	_, err := c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(b)}, noRetry)
	wantCode(t, err, 503, "ServiceUnavailable")
	s.SetFaults(9)
	if _, err := c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(b)}); err != nil {
		t.Fatal(err)
	}
	c0 := s.Counts()
	if c0.Requests["ListObjects"] != 2 || c0.Faults[FaultError503] != 1 {
		t.Errorf("counts %+v", c0)
	}
	// Counts is a copy.
	c0.Requests["ListObjects"] = 100
	if s.Counts().Requests["ListObjects"] != 2 {
		t.Error("Counts shares its maps with the server")
	}
	s.ResetCounts()
	if n := len(s.Counts().Requests); n != 0 {
		t.Errorf("%d operations counted after ResetCounts", n)
	}
}

// TestDropsDoNotDisturbOthers drops the answers of many requests while
// other clients work: every other request is answered normally.
func TestDropsDoNotDisturbOthers(t *testing.T) {
	s, c, b := newBucket(t, WithFaults(11,
		Fault{Op: "GetObject", Kind: FaultDropResponse, Probability: 0.5},
		Fault{Op: "GetObject", Kind: FaultResetMidBody, Probability: 0.5},
	))
	put(t, c, b, "k", "v")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 8 {
				if i%2 == 0 {
					g, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}, noRetry)
					if err == nil {
						g.Body.Close()
					}
					continue
				}
				if _, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")}, noRetry); err != nil {
					errs <- err
				}
				_ = j
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a request without faults failed: %v", err)
	}
	if s.Counts().Requests["HeadObject"] != 32 {
		t.Errorf("counts %+v", s.Counts())
	}
}

func TestFaultKindString(t *testing.T) {
	for k, want := range map[FaultKind]string{
		FaultLatency: "Latency", FaultError500: "Error500", FaultError503: "Error503",
		FaultDropResponse: "DropResponse", FaultResetMidBody: "ResetMidBody", FaultBandwidth: "Bandwidth",
		FaultApplyThenError500: "ApplyThenError500", FaultApplyThenError503: "ApplyThenError503",
		FaultKind(0): "FaultKind(0)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

// TestFaultsWithoutHijacker checks that the faults that need a raw
// connection abort the handler when the writer cannot be hijacked.
func TestFaultsWithoutHijacker(t *testing.T) {
	s := newServer(t, WithAnonymous(), WithFaults(1, Fault{Kind: FaultDropResponse}))
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", r)
		}
	}()
	req, _ := http.NewRequest("GET", "/", nil)
	s.Handler().ServeHTTP(&discardWriter{header: http.Header{}}, req)
}

// waitFor polls cond until it holds, and fails the test if it does not
// within a minute, far longer than it ever takes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFaultApplyThenError: the change is made, then the client hears 500 or
// 503, as when OSS fails after storing the data.
func TestFaultApplyThenError(t *testing.T) {
	for _, tc := range []struct {
		kind   FaultKind
		status int
		code   string
	}{
		{FaultApplyThenError500, 500, "InternalError"},
		{FaultApplyThenError503, 503, "ServiceUnavailable"},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			s, c, b := newBucket(t, WithFaults(1, Fault{Op: "AppendObject", Kind: tc.kind, Limit: 1}))
			_, err := appendAt(c, b, "log", 0, "landed", noRetry)
			wantCode(t, err, tc.status, tc.code)
			if got := objectText(t, s, b, "log"); got != "landed" {
				t.Fatalf("object holds %q, want the append applied", got)
			}
			// The SDK's retry of it meets the position it moved.
			s.SetFaults(1, Fault{Op: "AppendObject", Kind: tc.kind, Limit: 1})
			_, err = appendAt(c, b, "log", 6, "+again", quickRetry)
			se := wantCode(t, err, 409, "PositionNotEqualToLength")
			if se.Headers.Get("x-oss-next-append-position") != "12" {
				t.Errorf("next position %q", se.Headers.Get("x-oss-next-append-position"))
			}
			// A seal too is made before the error.
			s.SetFaults(1, Fault{Op: "SealAppendObject", Kind: tc.kind, Limit: 1})
			_, err = c.SealAppendObject(ctx, &oss.SealAppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("log"), Position: oss.Ptr(int64(12))}, noRetry)
			wantCode(t, err, tc.status, tc.code)
			h, err := c.HeadObject(ctx, headReq(b, "log"))
			if err != nil || h.Headers.Get("x-oss-sealed-time") == "" {
				t.Errorf("HeadObject after the seal: %v, sealed %q", err, h.Headers.Get("x-oss-sealed-time"))
			}
			if n := s.Counts().Faults[tc.kind]; n != 3 {
				t.Errorf("%d faults counted, want 3", n)
			}
		})
	}
}

// TestFaultLateApply: an append whose client gives up while the server
// holds it still lands, later; one whose client waits is answered.
func TestFaultLateApply(t *testing.T) {
	s, c, b := newBucket(t, WithFaults(1, Fault{Op: "AppendObject", Kind: FaultLateApply, Latency: 50 * time.Millisecond, Limit: 1}))
	gone, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := c.AppendObject(gone, &oss.AppendObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("late"), Position: oss.Ptr(int64(0)),
			Body: strings.NewReader("late\n")}, noRetry)
		done <- err
	}()
	waitFor(t, "the server to hold the append", func() bool { return s.Counts().Faults[FaultLateApply] == 1 })
	cancel() // the client dies with its request in flight
	if err := <-done; err == nil {
		t.Fatal("the append returned with its client gone")
	}
	waitFor(t, "the append to land after its client left", func() bool {
		_, ok := s.Object(b, "late")
		return ok
	})
	if got := objectText(t, s, b, "late"); got != "late\n" {
		t.Fatalf("object holds %q", got)
	}
	s.SetFaults(1, Fault{Op: "AppendObject", Kind: FaultLateApply, Latency: time.Millisecond, Limit: 1})
	if _, err := appendAt(c, b, "late", 5, "answered\n", noRetry); err != nil {
		t.Fatalf("an append that waits for its late answer: %v", err)
	}
}
