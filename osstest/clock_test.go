package osstest

import (
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestClockOffset steps the server's clock, both ways, under clients that
// signed with the machine's: OSS's refusal carries what the SDK needs to
// correct its signing clock (the server's time in the Date header), and a
// client with retries gets through across one retry.
func TestClockOffset(t *testing.T) {
	for _, step := range []time.Duration{time.Hour, -time.Hour, 20 * time.Minute} {
		t.Run(step.String(), func(t *testing.T) {
			s, c, b := newBucket(t)
			if _, err := appendAt(c, b, "log", 0, "before"); err != nil {
				t.Fatal(err)
			}
			s.SetClockOffset(step)
			if s.ClockOffset() != step {
				t.Fatalf("ClockOffset = %v", s.ClockOffset())
			}
			_, err := c.HeadObject(ctx, headReq(b, "log"), noRetry)
			se := wantCode(t, err, 403, "RequestTimeTooSkewed")
			if se.EC != "0002-00000504" || !strings.Contains(string(se.Snapshot), "<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>") ||
				!strings.Contains(string(se.Snapshot), "<ServerTime>") || !strings.Contains(string(se.Snapshot), "<RequestTime>") {
				t.Errorf("EC %q, body %s", se.EC, se.Snapshot)
			}
			if d := se.Timestamp.Sub(time.Now().Add(step)); d < -time.Minute || d > time.Minute {
				t.Errorf("the answer's Date is %v, %v from the server's clock", se.Timestamp, d)
			}

			// A client with the SDK's retries corrects its clock from the
			// refusal and keeps the correction for its later requests.
			s.ResetCounts()
			if _, err := appendAt(c, b, "log", 6, "+after", quickRetry); err != nil {
				t.Fatalf("append after the step: %v", err)
			}
			if _, err := c.HeadObject(ctx, headReq(b, "log"), noRetry); err != nil {
				t.Fatalf("the client kept no correction: %v", err)
			}
			if n := s.Counts().Requests["AppendObject"]; n != 2 {
				t.Errorf("%d AppendObject requests, want the refused one and its retry", n)
			}
			if got := objectText(t, s, b, "log"); got != "before+after" {
				t.Errorf("object holds %q", got)
			}

			// The clock steps back: a new client gets through at once. (The
			// corrected one does not: the SDK takes the difference between
			// the server's time and its own corrected signing time for the
			// whole offset, so a second step throws it off again.)
			s.SetClockOffset(0)
			if _, err := appendAt(s.Client(), b, "log", 12, "!", noRetry); err != nil {
				t.Fatalf("append after the clock came back: %v", err)
			}
		})
	}
}

// TestClockOffsetWithinSkew: a step within the 15 minutes OSS allows
// changes nothing for clients, but what the server records follows it.
func TestClockOffsetWithinSkew(t *testing.T) {
	s, c, b := newBucket(t)
	s.SetClockOffset(10 * time.Minute)
	put(t, c, b, "k", "v")
	h, err := c.HeadObject(ctx, headReq(b, "k"), noRetry)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(oss.ToTime(h.LastModified)); d < 9*time.Minute || d > 11*time.Minute {
		t.Errorf("Last-Modified is %v from now, want about 10m", d)
	}
}
