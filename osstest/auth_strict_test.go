package osstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// v4Signing describes a V4 signature made by hand, for requests no SDK
// makes: another payload hash, a date of our choosing, the date in the
// Date header only (as the older SDK signs).
type v4Signing struct {
	payload  string    // x-oss-content-sha256, if not empty
	at       time.Time // the signing time
	dateOnly bool      // sign with the Date header, send no x-oss-date
	query    bool      // presign: the signature goes in the query
	expires  int64     // x-oss-expires of a presigned request
	// The credential scope, when it is not the signing day, the server's
	// region, "oss" and "aliyun_v4_request": the signature is made with
	// the scope given, as a forger would make it.
	day                 time.Time
	product, terminator string
}

// sign signs req, for bucket and key, with the server's credentials.
func (v v4Signing) sign(t *testing.T, s *Server, req *http.Request, bucket, key string) {
	t.Helper()
	id, secret := s.Credentials()
	day := v.at.UTC().Format("20060102")
	if !v.day.IsZero() {
		day = v.day.UTC().Format("20060102")
	}
	product, terminator := "oss", "aliyun_v4_request"
	if v.product != "" {
		product = v.product
	}
	if v.terminator != "" {
		terminator = v.terminator
	}
	scope := day + "/" + s.Region() + "/" + product + "/" + terminator
	datetime := v.at.UTC().Format("20060102T150405Z")
	if v.query {
		q := req.URL.Query()
		q.Set("x-oss-signature-version", "OSS4-HMAC-SHA256")
		q.Set("x-oss-credential", id+"/"+scope)
		q.Set("x-oss-date", datetime)
		q.Set("x-oss-expires", strconv.FormatInt(v.expires, 10))
		req.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	} else if v.dateOnly {
		datetime = v.at.UTC().Format(http.TimeFormat)
		req.Header.Set("Date", datetime)
	} else {
		req.Header.Set("x-oss-date", datetime)
	}
	if v.payload != "" {
		req.Header.Set("x-oss-content-sha256", v.payload)
	}
	var params []string
	values := map[string]string{}
	for _, kv := range strings.Split(req.URL.RawQuery, "&") {
		if kv != "" {
			k, val, _ := strings.Cut(kv, "=")
			params = append(params, k)
			values[k] = val
		}
	}
	sort.Strings(params)
	for i, k := range params {
		if values[k] != "" {
			params[i] = k + "=" + values[k]
		}
	}
	var headers []string
	for k := range req.Header {
		if low := strings.ToLower(k); strings.HasPrefix(low, "x-oss-") || low == "content-type" || low == "content-md5" {
			headers = append(headers, low+":"+strings.TrimSpace(req.Header.Get(k))+"\n")
		}
	}
	sort.Strings(headers)
	payload := "UNSIGNED-PAYLOAD"
	if v.payload != "" {
		payload = v.payload
	}
	canonical := req.Method + "\n" + escapePathForTest("/"+bucket+"/"+key) + "\n" + strings.Join(params, "&") + "\n" +
		strings.Join(headers, "") + "\n\n" + payload
	sum := sha256.Sum256([]byte(canonical))
	toSign := "OSS4-HMAC-SHA256\n" + datetime + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	k := mac([]byte("aliyun_v4"+secret), day)
	k = mac(k, s.Region())
	k = mac(k, product)
	k = mac(k, terminator)
	signature := hex.EncodeToString(mac(k, toSign))
	if v.query {
		req.URL.RawQuery += "&x-oss-signature=" + signature
	} else {
		req.Header.Set("Authorization", "OSS4-HMAC-SHA256 Credential="+id+"/"+scope+",Signature="+signature)
	}
}

func escapePathForTest(p string) string {
	return strings.ReplaceAll(url.PathEscape(p), "%2F", "/")
}

func newRequest(t *testing.T, method, target, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestContentSHA256: OSS takes only UNSIGNED-PAYLOAD as the payload hash of
// a V4 signature; a body cannot be said to be signed.
func TestContentSHA256(t *testing.T) {
	s, _, b := newBucket(t)
	hello := sha256.Sum256([]byte("hello"))
	for _, tc := range []struct {
		name, payload, body string
		status              int
		code                string
	}{
		{"unsigned", "UNSIGNED-PAYLOAD", "other", 200, ""},
		{"hash of another body", hex.EncodeToString(hello[:]), "other", 400, "InvalidArgument"},
		{"hash of the body", hex.EncodeToString(hello[:]), "hello", 400, "InvalidArgument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "k-" + strings.ReplaceAll(tc.name, " ", "-")
			req := newRequest(t, "PUT", s.Endpoint()+"/"+b+"/"+key, tc.body)
			v4Signing{payload: tc.payload, at: time.Now()}.sign(t, s, req, b, key)
			status, h, body := do(t, req)
			if status != tc.status || !strings.Contains(body, tc.code) {
				t.Fatalf("got %d %s, want %d %s", status, body, tc.status, tc.code)
			}
			if tc.status != 200 {
				if h.Get("x-oss-ec") != "0002-00000214" || !strings.Contains(body, "x-oss-content-sha256") {
					t.Errorf("EC %q, body %s", h.Get("x-oss-ec"), body)
				}
				if _, ok := s.Object(b, key); ok {
					t.Error("the refused body was stored")
				}
			}
		})
	}
}

// TestPresignedNotYetValid: a V4 presigned URL is refused before its
// x-oss-date (give or take the allowed skew), so its expiry cannot be
// pushed past seven days by dating it ahead; its lifetime is 1 s to 7 days.
func TestPresignedNotYetValid(t *testing.T) {
	s, c, b := newBucket(t)
	put(t, c, b, "k", "presigned")
	for _, tc := range []struct {
		name    string
		at      time.Time
		expires int64
		status  int
		ec      string
	}{
		{"now", time.Now(), 60, 200, ""},
		{"ahead within the skew", time.Now().Add(10 * time.Minute), 60, 200, ""},
		{"a year ahead", time.Now().AddDate(1, 0, 0), 7 * 24 * 3600, 403, "0002-00000235"},
		{"an hour ahead", time.Now().Add(time.Hour), 7 * 24 * 3600, 403, "0002-00000235"},
		{"expired", time.Now().Add(-2 * time.Minute), 60, 403, "0002-00000236"},
		{"zero lifetime", time.Now(), 0, 403, "0002-00000232"},
		{"over seven days", time.Now(), 7*24*3600 + 1, 403, "0002-00000232"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, "GET", s.Endpoint()+"/"+b+"/k", "")
			v4Signing{at: tc.at, query: true, expires: tc.expires}.sign(t, s, req, b, "k")
			status, h, body := do(t, req)
			if status != tc.status {
				t.Fatalf("got %d %s, want %d", status, body, tc.status)
			}
			if status == 200 && body != "presigned" {
				t.Errorf("body %q", body)
			}
			if got := h.Get("x-oss-ec"); got != tc.ec {
				t.Errorf("EC %q, want %q (%s)", got, tc.ec, body)
			}
		})
	}
}

// TestV4WithDateHeader: the older SDK signs V4 requests with the time of
// its Date header and sends no x-oss-date; OSS accepts them.
func TestV4WithDateHeader(t *testing.T) {
	s, _, b := newBucket(t)
	req := newRequest(t, "PUT", s.Endpoint()+"/"+b+"/k", "dated")
	v4Signing{at: time.Now(), dateOnly: true, payload: "UNSIGNED-PAYLOAD"}.sign(t, s, req, b, "k")
	if status, _, body := do(t, req); status != 200 {
		t.Fatalf("got %d %s", status, body)
	}
	if got := objectText(t, s, b, "k"); got != "dated" {
		t.Errorf("object holds %q", got)
	}
	// The Date header is held to the same skew.
	req = newRequest(t, "PUT", s.Endpoint()+"/"+b+"/k", "stale")
	v4Signing{at: time.Now().Add(-time.Hour), dateOnly: true}.sign(t, s, req, b, "k")
	if status, _, body := do(t, req); status != 403 || !strings.Contains(body, "RequestTimeTooSkewed") {
		t.Errorf("a stale Date got %d %s", status, body)
	}
}

// TestDuplicateQueryParameters: a parameter given twice is refused rather
// than resolved by taking one of its values.
func TestDuplicateQueryParameters(t *testing.T) {
	s, c, b := newBucket(t)
	if _, err := appendAt(c, b, "log", 0, "12345"); err != nil {
		t.Fatal(err)
	}
	for _, query := range []string{"append&position=5&position=0", "append&position=0&position=5", "append&append&position=5"} {
		req := newRequest(t, "POST", s.Endpoint()+"/"+b+"/log?"+query, "x")
		v4Signing{at: time.Now()}.sign(t, s, req, b, "log")
		status, _, body := do(t, req)
		if status != 400 || !strings.Contains(body, "InvalidArgument") {
			t.Errorf("?%s: got %d %s, want 400 InvalidArgument", query, status, body)
		}
	}
	if got := objectText(t, s, b, "log"); got != "12345" {
		t.Errorf("object holds %q", got)
	}
}

// TestCopySourceEncodings: x-oss-copy-source as the newer SDK encodes a key
// (every reserved byte escaped) and as the older one does (url.QueryEscape:
// a space is '+').
func TestCopySourceEncodings(t *testing.T) {
	s, c, b := newBucket(t)
	put(t, c, b, "dir/a key+plus", "source")
	for i, source := range []string{"/" + b + "/dir/a%20key%2Bplus", "/" + b + "/dir%2Fa+key%2Bplus"} {
		key := "copy-" + strconv.Itoa(i)
		req := newRequest(t, "PUT", s.Endpoint()+"/"+b+"/"+key, "")
		req.Header.Set("x-oss-copy-source", source)
		v4Signing{at: time.Now()}.sign(t, s, req, b, key)
		if status, _, body := do(t, req); status != 200 {
			t.Fatalf("x-oss-copy-source %s: got %d %s", source, status, body)
		}
		if got := objectText(t, s, b, key); got != "source" {
			t.Errorf("x-oss-copy-source %s: copy holds %q", source, got)
		}
	}
}
