package ossread_test

// Tests of the ranged GetObject requests of a Follower: it asks for OSS's
// standard range behaviour, and takes bytes only from an answer that holds
// the range it asked for.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/ossread"
)

// rangeClient passes requests on to OSS, checking that each ranged
// GetObject asks for standard range behaviour. With whole, it drops the
// range, as an endpoint that does not serve ranges as OSS does; before, if
// set, runs before each GetObject is sent.
type rangeClient struct {
	*oss.Client
	whole  bool
	before func(req *oss.GetObjectRequest)

	mu     sync.Mutex
	gets   int
	ranges []string // the ranges asked for without standard behaviour
}

func (c *rangeClient) GetObject(ctx context.Context, req *oss.GetObjectRequest, optFns ...func(*oss.Options)) (*oss.GetObjectResult, error) {
	c.mu.Lock()
	c.gets++
	if req.Range != nil && oss.ToString(req.RangeBehavior) != "standard" {
		c.ranges = append(c.ranges, *req.Range)
	}
	c.mu.Unlock()
	if c.before != nil {
		c.before(req)
	}
	if c.whole {
		r := *req
		r.Range, r.RangeBehavior = nil, nil
		req = &r
	}
	return c.Client.GetObject(ctx, req, optFns...)
}

func (c *rangeClient) counts() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets, c.ranges
}

// TestFollowRangeAnsweredWhole: an answer of 200 with the whole object to a
// ranged GetObject is an error that says so, at once, not a failure to
// retry nor bytes read as the range.
func TestFollowRangeAnsweredWhole(t *testing.T) {
	_, c := newFollowServer(t)
	followAppend(t, c, "app.log", []byte("the whole object\n"))
	rc := &rangeClient{Client: c, whole: true}
	f := newTestFollower(t, rc, "app.log")
	n, err := f.Read(make([]byte, 64))
	if n != 0 || err == nil || !strings.Contains(err.Error(), "200 with the whole object (17 bytes)") || !strings.Contains(err.Error(), "standard") {
		t.Fatalf("Read = %d, %v; want no bytes and an error that says OSS answered the whole object", n, err)
	}
	if errors.Is(err, ossappend.ErrRetriesExhausted) {
		t.Errorf("Read = %v: retried an answer that will not change", err)
	}
	if gets, noStandard := rc.counts(); gets != 1 || len(noStandard) > 0 {
		t.Errorf("%d GetObject requests, want 1; ranges asked for without standard behaviour: %q", gets, noStandard)
	}
	if _, again := f.Read(make([]byte, 64)); again == nil || again.Error() != err.Error() {
		t.Errorf("the next Read = %v, want the same error", again)
	}
}

// TestFollowRangeOfAShrunkObject: an object replaced by a shorter one
// between the poll that saw it grow and the GetObject of the new bytes
// answers, under standard behaviour, a range cut at its end: the Follower
// reports the replacement and returns none of the other object's bytes.
func TestFollowRangeOfAShrunkObject(t *testing.T) {
	_, c := newFollowServer(t)
	first := bytes.Repeat([]byte("a"), 50)
	followAppend(t, c, "app.log", first)
	var once sync.Once
	rc := &rangeClient{Client: c}
	rc.before = func(req *oss.GetObjectRequest) {
		if oss.ToString(req.Range) == "bytes=50-99" {
			once.Do(func() {
				followDelete(t, c, "app.log")
				followAppend(t, c, "app.log", bytes.Repeat([]byte("b"), 70))
			})
		}
	}
	f := newTestFollower(t, rc, "app.log")
	got := make([]byte, len(first))
	if _, err := io.ReadFull(f, got); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("read %q, %v; want the first 50 bytes", got, err)
	}
	followAppend(t, c, "app.log", bytes.Repeat([]byte("a"), 50)) // 100 bytes, which the next poll sees
	rest, err := io.ReadAll(f)
	if !errors.Is(err, ossread.ErrObjectReplaced) || !strings.Contains(err.Error(), "shrank to 70 bytes") {
		t.Errorf("Read = %v, want ErrObjectReplaced: it shrank to 70 bytes", err)
	}
	if len(rest) > 0 {
		t.Errorf("read %q of the object that replaced it", rest)
	}
	if _, noStandard := rc.counts(); len(noStandard) > 0 {
		t.Errorf("ranges asked for without standard behaviour: %q", noStandard)
	}
}
