package ossappend

import (
	"context"
	"net/http"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// This file is how a writer survives a step of the machine's clock (NTP,
// a suspended VM): OSS refuses a request signed more than 15 minutes away
// from its own clock with 403 RequestTimeTooSkewed, and the date of that
// answer tells how far off the machine is. From then on the writer dates
// each of its requests with OSS's time, in the x-oss-date header, which
// the SDK signs with in either signature version. (The SDK corrects its
// clock only across its own retries, which the writer turns off for its
// appends, and only the first time.) The refused request did not land;
// it is retried like any other that failed.

// noteSkew takes the answer to a request: a RequestTimeTooSkewed sets the
// offset the writer dates its requests with from then on.
func (w *Writer) noteSkew(err error) {
	if d, ok := ossapi.SkewOf(err, time.Now()); ok {
		w.skew.Store(&d)
	}
}

// date dates a request with OSS's time, once OSS has said the machine's
// clock is off; otherwise the SDK dates it with the machine's.
func (w *Writer) date(rc *oss.RequestCommon) {
	d := w.skew.Load()
	if d == nil {
		return
	}
	h := make(map[string]string, len(rc.Headers)+1)
	for k, v := range rc.Headers {
		h[k] = v
	}
	h[oss.HeaderOssDate] = time.Now().Add(*d).UTC().Format(http.TimeFormat)
	rc.Headers = h
}

// datedLister is a client's listing with the writer's dates (see date).
type datedLister struct {
	ossapi.ListClient
	w *Writer
}

func (l datedLister) ListObjectsV2(ctx context.Context, req *oss.ListObjectsV2Request, optFns ...func(*oss.Options)) (*oss.ListObjectsV2Result, error) {
	l.w.date(&req.RequestCommon)
	return l.ListClient.ListObjectsV2(ctx, req, optFns...)
}
