package ossappend

import (
	"context"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestRequestBudgetAIMD: a throttling answer halves the rate, once per
// DefaultRequestCut whatever the answers in flight say; quiet seconds add
// a tenth of the limit back, up to the limit; the rate never falls below
// one request a second.
func TestRequestBudgetAIMD(t *testing.T) {
	now := time.Unix(1e9, 0)
	rb := NewRequestBudget(1000)
	rb.now = func() time.Time { return now }
	slow := &oss.ServiceError{StatusCode: 503, Code: "SlowDown"}

	rb.answered(nil)
	rb.answered(&oss.ServiceError{StatusCode: 403, Code: "AccessDenied"})
	if r := rb.Rate(); r != 1000 {
		t.Fatalf("rate %v after answers that are not throttling, want 1000", r)
	}
	rb.answered(slow)
	rb.answered(&oss.ServiceError{StatusCode: 429})
	if r := rb.Rate(); r != 500 {
		t.Fatalf("rate %v after two throttling answers at once, want one halving: 500", r)
	}
	now = now.Add(DefaultRequestCut)
	rb.answered(&oss.ServiceError{StatusCode: 429})
	if r := rb.Rate(); r != (500+100)/2 {
		t.Fatalf("rate %v after another a second later, want (500 + 100 grown in that second) / 2 = 300", r)
	}
	now = now.Add(2 * time.Second)
	if r := rb.Rate(); r != 300+200 {
		t.Fatalf("rate %v after two quiet seconds, want 500", r)
	}
	now = now.Add(time.Hour)
	if r := rb.Rate(); r != 1000 {
		t.Fatalf("rate %v after an hour, want the limit", r)
	}
	now = now.Add(DefaultRequestCut)
	rb.rate, rb.grown = 1.5, now
	rb.answered(slow)
	if r := rb.Rate(); r != minRequestRate {
		t.Fatalf("rate %v after many halvings, want the floor %v", r, float64(minRequestRate))
	}
}

// TestRequestBudgetStretchesFlushes: the flush interval a budget asks
// of its writers is their number divided by its rate.
func TestRequestBudgetStretchesFlushes(t *testing.T) {
	rb := NewRequestBudget(100)
	for range 300 {
		rb.join()
	}
	if d := rb.interval(); d != 3*time.Second {
		t.Fatalf("interval %v for 300 writers at 100 a second, want 3s", d)
	}
	for range 250 {
		rb.leave()
	}
	if d := rb.interval(); d != 500*time.Millisecond {
		t.Fatalf("interval %v for 50 writers at 100 a second, want 500ms", d)
	}
	var none *RequestBudget
	if d := none.interval(); d != 0 || none.take(context.Background()) != nil {
		t.Fatal("a writer without a budget waits for it")
	}
}

// TestRequestBudgetSpacesRequests: requests that ask at once get turns a
// rate's interval apart, after the burst of a tenth of a second.
func TestRequestBudgetSpacesRequests(t *testing.T) {
	now := time.Unix(1e9, 0)
	rb := NewRequestBudget(100)
	rb.now = func() time.Time { return now }
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a take that would wait returns at once with the error
	var waited int
	for range 30 {
		if rb.take(ctx) != nil {
			waited++
		}
	}
	if waited != 20 {
		t.Fatalf("%d of 30 requests at once had to wait, want 20: a burst of 10 at 100 a second", waited)
	}
}
