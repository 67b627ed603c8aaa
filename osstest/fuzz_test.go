package osstest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

// fuzzServer is a server, with a bucket and an object, whose handler the
// fuzz targets call directly.
func fuzzServer(f *testing.F) *Server {
	s := NewServer()
	f.Cleanup(s.Close)
	if err := s.CreateBucket("fuzz-bucket"); err != nil {
		f.Fatal(err)
	}
	put(f, s.Client(), "fuzz-bucket", "key", "value")
	return s
}

// FuzzHandler feeds arbitrary requests to the handler: it must never panic,
// and, since nothing here can forge a signature, never answer 2xx.
func FuzzHandler(f *testing.F) {
	s := fuzzServer(f)
	for _, seed := range []struct{ method, host, path, query, auth, header, value, body string }{
		{"GET", "127.0.0.1", "/", "", "", "", "", ""},
		{"PUT", "127.0.0.1", "/fuzz-bucket/key", "", "OSS id:sig", "Date", "Mon, 02 Jan 2006 15:04:05 GMT", "x"},
		{"POST", "fuzz-bucket.127.0.0.1:80", "/key", "append&position=0", "OSS4-HMAC-SHA256 Credential=osstest-access-key-id/20260101/cn-hangzhou/oss/aliyun_v4_request,Signature=00", "x-oss-date", "20260101T000000Z", "data"},
		{"GET", "127.0.0.1", "/fuzz-bucket/key", "x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=a%2Fb&x-oss-date=20260101T000000Z&x-oss-expires=60&x-oss-signature=ab", "", "", "", ""},
		{"GET", "127.0.0.1", "/fuzz-bucket/key", "OSSAccessKeyId=osstest-access-key-id&Expires=99999999999&Signature=abc", "", "Range", "bytes=0-1", ""},
		{"POST", "127.0.0.1", "/fuzz-bucket/", "delete", "OSS osstest-access-key-id:x", "Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==", "<Delete><Object><Key>&#x1;</Key></Object></Delete>"},
		{"GET", "bucket.oss-cn-hangzhou.aliyuncs.com", "/", "list-type=2&max-keys=x", "", "", "", ""},
		{"HEAD", "127.0.0.1", "/fuzz-bucket/%FF", "objectMeta", "OSS4-HMAC-SHA256 Credential=/,,,", "", "", ""},
	} {
		f.Add(seed.method, seed.host, seed.path, seed.query, seed.auth, seed.header, seed.value, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, host, path, query, auth, header, value, body string) {
		req := &http.Request{
			Method:        method,
			URL:           &url.URL{Path: path, RawQuery: query},
			Host:          host,
			Header:        http.Header{},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
		}
		req = req.WithContext(ctx)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if header != "" {
			req.Header.Set(header, value)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code >= 200 && rec.Code < 300 {
			t.Fatalf("unsigned request %s %s?%s (Host %q, Authorization %q) got %d", method, path, query, host, auth, rec.Code)
		}
	})
}

// FuzzSignature signs arbitrary requests with the SDK's V4 and V1 signers:
// the server must accept every signature.
func FuzzSignature(f *testing.F) {
	s := fuzzServer(f)
	f.Add("GET", "key", "prefix", "a b", "x-oss-meta-a", " v ", "text/plain", true)
	f.Add("PUT", "dir/日本 語+&=?#%", "acl", "", "x-oss-tagging", "a=1&b=2", "", false)
	f.Add("HEAD", "k", "response-content-type", "x/y;z=1", "Content-Md5", "abc", "a,b", true)
	f.Add("DELETE", "a//b/", "versionId", "null", "X-Oss-Security-Token", "t", "", false)
	f.Fuzz(func(t *testing.T, method, key, param, value, header, hvalue, ctype string, v4 bool) {
		if !utf8.ValidString(key) || key == "" || key[0] == '/' || key[0] == '\\' || len(key) > 1023 ||
			!oss.IsValidMethod(method) || !validHeader(header, hvalue) || !validHeader("Content-Type", ctype) {
			t.Skip()
		}
		// The V1 signer signs Content-Type and Content-MD5 untrimmed, which
		// no server can match once the values crossed the wire trimmed.
		if low := strings.ToLower(header); ctype != strings.TrimSpace(ctype) ||
			(low == "content-type" || low == "content-md5") && hvalue != strings.TrimSpace(hvalue) {
			t.Skip()
		}
		q := url.Values{}
		if param != "" {
			q.Set(param, value)
		}
		// The URL as the SDK builds it.
		rawQuery := strings.ReplaceAll(q.Encode(), "+", "%20")
		target := "http://" + s.Addr().String() + "/fuzz-bucket/" + escapePath(key)
		if rawQuery != "" {
			target += "?" + rawQuery
		}
		req, err := http.NewRequest(method, target, nil)
		if err != nil {
			t.Skip()
		}
		if header != "" {
			req.Header.Set(header, hvalue)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		id, secret := s.Credentials()
		sc := &signer.SigningContext{
			Product: oss.Ptr("oss"), Region: oss.Ptr(s.Region()), Bucket: oss.Ptr("fuzz-bucket"), Key: oss.Ptr(key), Request: req,
			Credentials: &credentials.Credentials{AccessKeyID: id, AccessKeySecret: secret},
		}
		var sig signer.Signer = &signer.SignerV1{}
		if v4 {
			sig = &signer.SignerV4{}
		}
		if err := sig.Sign(ctx, sc); err != nil {
			t.Fatal(err)
		}
		// Trim values as a server reading them off the wire does.
		for k, vv := range req.Header {
			for i := range vv {
				vv[i] = strings.TrimSpace(vv[i])
			}
			req.Header[k] = vv
		}
		req.RequestURI = req.URL.RequestURI()
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if bytes.Contains(rec.Body.Bytes(), []byte("SignatureDoesNotMatch")) || strings.Contains(rec.Header().Get("x-oss-err"), "U2lnbmF0dXJl") {
			t.Fatalf("%s %s (header %q: %q, Content-Type %q, v4 %v) was refused:\n%s", method, target, header, hvalue, ctype, v4, rec.Body)
		}
	})
}

// validHeader reports whether a header could travel in a request.
func validHeader(name, value string) bool {
	if strings.ContainsAny(value, "\r\n\x00") || !utf8.ValidString(value) {
		return false
	}
	if name == "" {
		return value == ""
	}
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	low := strings.ToLower(name)
	return low != "host" && low != "authorization" && low != "date" && low != "x-oss-date" &&
		low != "content-length" && low != "x-oss-content-sha256" && low != "transfer-encoding"
}

// FuzzParseDelete checks the DeleteMultipleObjects body parser.
func FuzzParseDelete(f *testing.F) {
	f.Add("<Delete><Quiet>true</Quiet><Object><Key>a&amp;b&#x1;&#33;</Key><VersionId>null</VersionId></Object></Delete>")
	f.Add("<Delete><Object><Key>k</Key></Object><Object><Key>&lt;&gt;&quot;&apos;</Key></Object></Delete>")
	f.Add("<Delete><Object><Key>&#xFFFFFFFF;</Key></Object></Delete>")
	f.Fuzz(func(t *testing.T, body string) {
		_, entries, err := parseDelete([]byte(body))
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.key == "" || !utf8.ValidString(e.key) || !utf8.ValidString(e.versionID) {
				t.Fatalf("parsed a bad entry %+v from %q", e, body)
			}
			// What the SDK escapes, the parser reads back.
			got, err := unescapeXML([]byte(escapeForTest(e.key)))
			if err != nil || got != e.key {
				t.Fatalf("round trip of %q gave %q, %v", e.key, got, err)
			}
		}
	})
}

// escapeForTest escapes text as the SDK does in DeleteMultipleObjects.
func escapeForTest(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r < 0x20:
			b.WriteString("&#x" + strings.ToUpper(string("0123456789abcdef"[r>>4])+string("0123456789abcdef"[r&15])) + ";")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
