package osstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// v1Sign signs req for bucket and key with a V1 signature, made by hand:
// the date goes in the header named dateHeader ("Date", or "x-oss-date" as
// the Node.js SDK sends it), unless value is empty.
func v1Sign(t *testing.T, s *Server, req *http.Request, bucket, key, dateHeader, value string) {
	t.Helper()
	id, secret := s.Credentials()
	if value != "" {
		req.Header.Set(dateHeader, value)
	}
	var headers []string
	for k := range req.Header {
		if low := strings.ToLower(k); strings.HasPrefix(low, "x-oss-") {
			headers = append(headers, low+":"+strings.TrimSpace(req.Header.Get(k)))
		}
	}
	sort.Strings(headers)
	toSign := req.Method + "\n" + req.Header.Get("Content-MD5") + "\n" + req.Header.Get("Content-Type") + "\n" + value + "\n"
	for _, h := range headers {
		toSign += h + "\n"
	}
	toSign += "/" + bucket + "/" + key
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(toSign))
	req.Header.Set("Authorization", "OSS "+id+":"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

// TestV1Dates: a V1 signature's date comes from the Date header or, as the
// Node.js SDK signs, from x-oss-date in the same form; a request with
// neither, or with a date in another form, is refused, and so is one
// signed more than 15 minutes away from the server's clock.
func TestV1Dates(t *testing.T) {
	s, _, b := newBucket(t)
	now := time.Now().UTC()
	for _, tc := range []struct {
		name, header, value string
		status              int
		code, ec            string
	}{
		{"Date", "Date", now.Format(http.TimeFormat), 200, "", ""},
		{"x-oss-date", "x-oss-date", now.Format(http.TimeFormat), 200, "", ""},
		{"no date", "Date", "", 403, "AccessDenied", "0002-00000503"},
		{"Date not GMT", "Date", now.Format(time.RFC3339), 403, "AccessDenied", "0002-00000502"},
		{"x-oss-date not GMT", "x-oss-date", now.Format("20060102T150405Z"), 403, "AccessDenied", "0002-00000502"},
		{"Date an hour ago", "Date", now.Add(-time.Hour).Format(http.TimeFormat), 403, "RequestTimeTooSkewed", "0002-00000504"},
		{"Date 20 minutes ahead", "Date", now.Add(20 * time.Minute).Format(http.TimeFormat), 403, "RequestTimeTooSkewed", "0002-00000504"},
		{"x-oss-date an hour ago", "x-oss-date", now.Add(-time.Hour).Format(http.TimeFormat), 403, "RequestTimeTooSkewed", "0002-00000504"},
		{"Date 10 minutes ago", "Date", now.Add(-10 * time.Minute).Format(http.TimeFormat), 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, "PUT", s.Endpoint()+"/"+b+"/k", "dated")
			v1Sign(t, s, req, b, "k", tc.header, tc.value)
			status, h, body := do(t, req)
			if status != tc.status || !strings.Contains(body, tc.code) || h.Get("x-oss-ec") != tc.ec {
				t.Fatalf("got %d, EC %q, %s; want %d %s, EC %q", status, h.Get("x-oss-ec"), body, tc.status, tc.code, tc.ec)
			}
		})
	}
}

// TestV4Scope: a V4 credential must name the day it was signed, the
// server's region, the product oss and the terminator aliyun_v4_request.
// Each request below is signed consistently with the scope it names, so
// only those checks refuse it.
func TestV4Scope(t *testing.T) {
	s, _, b := newBucket(t)
	now := time.Now()
	for _, tc := range []struct {
		name   string
		v      v4Signing
		status int
		code   string
	}{
		{"right", v4Signing{at: now}, 200, ""},
		{"yesterday's scope", v4Signing{at: now, day: now.AddDate(0, 0, -1)}, 403, "SignatureDoesNotMatch"},
		{"tomorrow's scope", v4Signing{at: now, day: now.AddDate(0, 0, 1)}, 403, "SignatureDoesNotMatch"},
		{"product s3", v4Signing{at: now, product: "s3"}, 403, "AccessDenied"},
		{"terminator aws4_request", v4Signing{at: now, terminator: "aws4_request"}, 403, "AccessDenied"},
		{"an hour ago", v4Signing{at: now.Add(-time.Hour)}, 403, "RequestTimeTooSkewed"},
		{"an hour ahead", v4Signing{at: now.Add(time.Hour)}, 403, "RequestTimeTooSkewed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, "PUT", s.Endpoint()+"/"+b+"/k", "scoped")
			tc.v.sign(t, s, req, b, "k")
			status, _, body := do(t, req)
			if status != tc.status || !strings.Contains(body, tc.code) {
				t.Fatalf("got %d %s, want %d %s", status, body, tc.status, tc.code)
			}
		})
	}
}
