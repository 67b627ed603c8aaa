package osstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxClockSkew is how far the time a request was signed may be from the
// server's clock, as OSS allows.
const maxClockSkew = 15 * time.Minute

// v1SignedParams are the query parameters a V1 signature covers (with those
// starting with "x-oss-"). OSS has a fixed list; the server cannot know the
// SDKs' per-operation lists, so this is the union of the lists of both Go
// SDKs (the older one's signKeyList, the newer one's required list and
// every sub-resource its operations sign).
var v1SignedParams = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`acl bucketInfo location stat delete append tagging objectMeta
		uploads uploadId partNumber security-token position response-content-type
		response-content-language response-expires response-cache-control
		response-content-disposition response-content-encoding restore callback callback-var
		versions versioning versionId sequential continuation-token regionList cloudboxes symlink
		DeleteVectorIndex GetVectorIndex ListVectorIndexes PutVectorIndex accessPoint
		accessPointConfigForObjectProcess accessPointForObjectProcess accessPointPolicy
		accessPointPolicyForObjectProcess agenticBucket bucketArchiveDirectRead cleanRestoredObject
		cname comp cors encryption httpsConfig inventory inventoryId legalHold lifecycle logging
		metaQuery metadataConfiguration metadataInventoryTable metadataJournalTable objectWorm
		overwriteConfig policy policyStatus publicAccessBlock quota redundancyTransition referer
		regions replication replicationLocation replicationProgress requestPayment resourceGroup
		retention rtc seal style styleName transferAcceleration userDefinedLogFieldsConfig website
		worm wormExtend wormId
		img qos qosInfo live status vod startTime endTime udf udfName udfImage udfId udfImageDesc
		udfApplication udfApplicationLog asyncFetch withHashContext responseHeader`) {
		m[k] = true
	}
	return m
}()

// authenticate checks the signature of r: a V4 or V1 Authorization header,
// or a V4 or V1 signature in the query (a presigned URL), and returns the
// access key ID that signed it. Unsigned requests pass, with no key ID,
// only in anonymous mode.
func (s *Server) authenticate(r *http.Request, rt route) (string, error) {
	auth := r.Header.Get("Authorization")
	q := r.URL.Query()
	switch {
	case strings.HasPrefix(auth, "OSS4-HMAC-SHA256"):
		a := parseV4Header(strings.TrimPrefix(auth, "OSS4-HMAC-SHA256"))
		return v4KeyID(a.credential), s.verifyV4(r, rt, a, false)
	case strings.HasPrefix(auth, "OSS "):
		keyID, _, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(auth, "OSS ")), ":")
		return keyID, s.verifyV1Header(r, rt, strings.TrimPrefix(auth, "OSS "))
	case auth != "":
		return "", errInvalidArgument.withMessage("Authorization header is invalid.")
	case q.Has("x-oss-signature") || q.Has("x-oss-signature-version") || q.Has("x-oss-credential"):
		return v4KeyID(q.Get("x-oss-credential")), s.verifyV4Query(r, rt, q)
	case q.Has("OSSAccessKeyId") || q.Has("Signature"):
		return q.Get("OSSAccessKeyId"), s.verifyV1Query(r, rt, q)
	case s.opts.anonymous:
		return "", nil
	}
	return "", errAnonymous
}

// v4KeyID returns the access key ID of a V4 credential,
// ID/date/region/product/terminator.
func v4KeyID(credential string) string {
	parts := strings.Split(credential, "/")
	if len(parts) < 5 {
		return ""
	}
	return strings.Join(parts[:len(parts)-4], "/")
}

// v4Auth is a parsed V4 authorization, from a header or a query.
type v4Auth struct {
	credential        string
	additionalHeaders string
	signature         string
}

func parseV4Header(s string) v4Auth {
	var a v4Auth
	for _, part := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			a.credential = v
		case "AdditionalHeaders":
			a.additionalHeaders = v
		case "Signature":
			a.signature = v
		}
	}
	return a
}

// maxPresignExpires is the longest a V4 presigned URL may be valid.
const maxPresignExpires = 7 * 24 * 3600

// verifyV4Query checks a V4 presigned URL: valid from its x-oss-date (less
// the allowed skew) for x-oss-expires seconds, at most seven days.
func (s *Server) verifyV4Query(r *http.Request, rt route, q url.Values) error {
	if v := q.Get("x-oss-signature-version"); v != "OSS4-HMAC-SHA256" {
		return errInvalidArgument.withMessage("Unsupported signature version %q.", v)
	}
	a := v4Auth{
		credential:        q.Get("x-oss-credential"),
		additionalHeaders: q.Get("x-oss-additional-headers"),
		signature:         q.Get("x-oss-signature"),
	}
	signed, err := time.Parse("20060102T150405Z", q.Get("x-oss-date"))
	if err != nil {
		return errAccessDenied.withMessage("Invalid x-oss-date in the query.")
	}
	expires, err := strconv.ParseInt(q.Get("x-oss-expires"), 10, 64)
	if err != nil || expires < 1 || expires > maxPresignExpires {
		return errAccessDenied.withMessage("The x-oss-expires of the query must be from 1 to %d seconds.", maxPresignExpires).withEC("0002-00000232")
	}
	now := s.clock.now()
	if now.Before(signed.Add(-maxClockSkew)) {
		return errAccessDenied.withMessage("Request is not valid yet: it is valid from its x-oss-date, %s.", signed.Format(time.RFC3339)).
			withEC("0002-00000235")
	}
	if now.After(signed.Add(time.Duration(expires) * time.Second)) {
		return errRequestExpired.withEC("0002-00000236")
	}
	return s.verifyV4(r, rt, a, true)
}

// errContentSHA256 refuses a V4 request whose x-oss-content-sha256 is not
// UNSIGNED-PAYLOAD, the only value OSS takes: a V4 signature never covers
// the body.
var errContentSHA256 = newError(http.StatusBadRequest, "InvalidArgument",
	"The x-oss-content-sha256 only supports UNSIGNED-PAYLOAD.", "0002-00000214")

// verifyV4 checks a V4 signature, rebuilding the canonical request exactly
// as the SDK's signer (oss/signer/v4.go) builds it.
func (s *Server) verifyV4(r *http.Request, rt route, a v4Auth, inQuery bool) error {
	if v := r.Header.Get("x-oss-content-sha256"); v != "" && v != unsignedPayload {
		return errContentSHA256.with("ArgumentName", "x-oss-content-sha256").with("ArgumentValue", v)
	}
	parts := strings.Split(a.credential, "/")
	if len(parts) < 5 || a.signature == "" {
		return errAccessDenied.withMessage("Authorization is malformed: Credential and Signature are required.")
	}
	n := len(parts)
	keyID, date, region, product, terminator := strings.Join(parts[:n-4], "/"), parts[n-4], parts[n-3], parts[n-2], parts[n-1]
	secret, ok := s.secretFor(keyID)
	if !ok {
		return errInvalidAccessKeyID.with("OSSAccessKeyId", keyID)
	}
	if terminator != "aliyun_v4_request" || product != "oss" {
		return errAccessDenied.withMessage("Invalid credential scope %q.", strings.Join(parts[n-4:], "/"))
	}
	if region != s.opts.region {
		return errInvalidArgument.withMessage("Invalid signing region in Authorization header: %q, the server is in %q.", region, s.opts.region)
	}
	datetime, t, err := v4Time(r, inQuery)
	if err != nil {
		return err
	}
	if !inQuery {
		if err := s.checkSkew(t); err != nil {
			return err
		}
	}
	if t.UTC().Format("20060102") != date {
		return errSignatureDoesNotMatch.withMessage("Invalid signing date in Authorization header.")
	}

	var additional []string
	if a.additionalHeaders != "" {
		additional = strings.Split(strings.ToLower(a.additionalHeaders), ";")
	}
	for _, k := range additional {
		if r.Header.Get(k) == "" && !(k == "host" && r.Host != "") {
			return errInvalidArgument.withMessage("The additional header %q to sign is missing from the request.", k)
		}
	}
	canonical := canonicalRequestV4(r, rt, additional, inQuery)
	sum := sha256.Sum256([]byte(canonical))
	scope := date + "/" + region + "/" + product + "/" + terminator
	stringToSign := "OSS4-HMAC-SHA256\n" + datetime + "\n" + scope + "\n" + hex.EncodeToString(sum[:])

	key := hmacSHA256([]byte("aliyun_v4"+secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, product)
	key = hmacSHA256(key, terminator)
	want := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(want), []byte(a.signature)) {
		return errSignatureDoesNotMatch.
			with("StringToSign", stringToSign).
			with("CanonicalRequest", canonical).
			with("SignatureProvided", a.signature).
			with("OSSAccessKeyId", keyID)
	}
	return nil
}

// v4Time returns the time a V4 request was signed, as it appears in the
// string to sign, and parsed: the x-oss-date of the query or the headers
// or, as the older SDK signs, the Date header.
func v4Time(r *http.Request, inQuery bool) (string, time.Time, error) {
	if inQuery {
		v := r.URL.Query().Get("x-oss-date")
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return "", t, errAccessDenied.withMessage("Invalid x-oss-date in the query.")
		}
		return v, t, nil
	}
	if v := r.Header.Get("x-oss-date"); v != "" {
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return "", t, errInvalidDate.withMessage("The x-oss-date of the request is not in the ISO 8601 form 20060102T150405Z.")
		}
		return v, t, nil
	}
	v := r.Header.Get("Date")
	if v == "" {
		return "", time.Time{}, errNoDate
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return "", t, errInvalidDate
	}
	return v, t, nil
}

// The refusals of a request's date, as OSS words them: none at all
// (neither Date nor x-oss-date), or one not in its form.
var (
	errNoDate      = newError(http.StatusForbidden, "AccessDenied", "The request must contain a valid Date or x-oss-date header.", "0002-00000503")
	errInvalidDate = newError(http.StatusForbidden, "AccessDenied", "The Date header of the request is not in the GMT form of RFC 1123.", "0002-00000502")
)

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// canonicalRequestV4 builds the V4 canonical request of r.
func canonicalRequestV4(r *http.Request, rt route, additional []string, inQuery bool) string {
	uri := "/"
	if rt.bucket != "" {
		uri += rt.bucket + "/" + rt.key
	}

	// The query as sent, split and sorted the way the SDK does it.
	query := strings.ReplaceAll(r.URL.RawQuery, "+", "%20")
	values := map[string]string{}
	var params []string
	for query != "" {
		var kv string
		kv, query, _ = strings.Cut(query, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if inQuery && k == "x-oss-signature" {
			continue
		}
		values[k] = v
		params = append(params, k)
	}
	sort.Strings(params)
	var b strings.Builder
	for _, k := range params {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if values[k] != "" {
			b.WriteString("=" + values[k])
		}
	}
	canonicalQuery := b.String()

	extra := map[string]bool{}
	for _, k := range additional {
		extra[k] = true
	}
	var headers []string
	for k := range r.Header {
		low := strings.ToLower(k)
		if isDefaultSignedHeaderV4(low) || extra[low] {
			headers = append(headers, low)
		}
	}
	if extra["host"] && r.Header.Get("Host") == "" {
		headers = append(headers, "host")
	}
	sort.Strings(headers)
	b.Reset()
	for _, k := range headers {
		vals := r.Header.Values(k)
		if k == "host" && len(vals) == 0 {
			vals = []string{r.Host}
		}
		trimmed := make([]string, len(vals))
		for i, v := range vals {
			trimmed[i] = strings.TrimSpace(v)
		}
		b.WriteString(k + ":" + strings.Join(trimmed, ",") + "\n")
	}
	canonicalHeaders := b.String()

	return r.Method + "\n" + escapePath(uri) + "\n" + canonicalQuery + "\n" + canonicalHeaders + "\n" +
		strings.Join(additional, ";") + "\n" + unsignedPayload
}

// unsignedPayload is the payload hash of every V4 canonical request.
const unsignedPayload = "UNSIGNED-PAYLOAD"

func isDefaultSignedHeaderV4(low string) bool {
	return strings.HasPrefix(low, "x-oss-") || low == "content-type" || low == "content-md5"
}

// escapePath percent-encodes every byte but unreserved characters and '/',
// as the SDK's signer does.
func escapePath(p string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// checkSkew refuses a request signed at t, by the client's clock, if t is
// more than maxClockSkew away from the server's clock. The answer says both
// times and the limit, as OSS's does; its Date header, the server's time,
// is what the SDK corrects its clock by.
func (s *Server) checkSkew(t time.Time) error {
	now := s.clock.now()
	if d := now.Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return errRequestTimeTooSkewed.
			with("RequestTime", t.UTC().Format(isoTime)).
			with("ServerTime", now.UTC().Format(isoTime)).
			with("MaxAllowedSkewMilliseconds", strconv.FormatInt(maxClockSkew.Milliseconds(), 10))
	}
	return nil
}

func (s *Server) verifyV1Header(r *http.Request, rt route, cred string) error {
	keyID, signature, ok := strings.Cut(strings.TrimSpace(cred), ":")
	if !ok || signature == "" {
		return errInvalidArgument.withMessage("Authorization header is invalid.")
	}
	if _, ok := s.secretFor(keyID); !ok {
		return errInvalidAccessKeyID.with("OSSAccessKeyId", keyID)
	}
	// The Date header, or, as the Node.js SDK signs, an x-oss-date in the
	// same form standing for it in the string to sign.
	date := r.Header.Get("Date")
	if date == "" {
		date = r.Header.Get("x-oss-date")
	}
	if date == "" {
		return errNoDate
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return errInvalidDate
	}
	if err := s.checkSkew(t); err != nil {
		return err
	}
	return s.checkV1(r, rt, keyID, date, signature)
}

func (s *Server) verifyV1Query(r *http.Request, rt route, q url.Values) error {
	keyID, signature, expires := q.Get("OSSAccessKeyId"), q.Get("Signature"), q.Get("Expires")
	if keyID == "" || signature == "" || expires == "" {
		return errAccessDenied.withMessage("Query-string authentication requires the Signature, Expires and OSSAccessKeyId parameters")
	}
	if _, ok := s.secretFor(keyID); !ok {
		return errInvalidAccessKeyID.with("OSSAccessKeyId", keyID)
	}
	sec, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return errAccessDenied.withMessage("Invalid Expires in the query.")
	}
	if s.clock.now().Unix() > sec {
		return errRequestExpired
	}
	return s.checkV1(r, rt, keyID, expires, signature)
}

// checkV1 checks a V1 signature, rebuilding the string to sign as the
// SDK's signer (oss/signer/v1.go) builds it.
func (s *Server) checkV1(r *http.Request, rt route, keyID, date, signature string) error {
	var headers []string
	for k := range r.Header {
		if low := strings.ToLower(k); strings.HasPrefix(low, "x-oss-") {
			headers = append(headers, low)
		}
	}
	sort.Strings(headers)
	var b strings.Builder
	b.WriteString(r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n")
	for _, k := range headers {
		vals := r.Header.Values(k)
		trimmed := make([]string, len(vals))
		for i, v := range vals {
			trimmed[i] = strings.TrimSpace(v)
		}
		b.WriteString(k + ":" + strings.Join(trimmed, ",") + "\n")
	}
	b.WriteString("/")
	if rt.bucket != "" {
		b.WriteString(rt.bucket + "/" + rt.key)
	}
	q := r.URL.Query()
	var params []string
	for k := range q {
		if v1SignedParams[k] || strings.HasPrefix(k, "x-oss-") {
			params = append(params, k)
		}
	}
	sort.Strings(params)
	for i, k := range params {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := q.Get(k); v != "" {
			b.WriteString("=" + v)
		}
	}
	stringToSign := b.String()
	secret, _ := s.secretFor(keyID)
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(stringToSign))
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return errSignatureDoesNotMatch.
			with("StringToSign", stringToSign).
			with("SignatureProvided", signature).
			with("OSSAccessKeyId", keyID)
	}
	return nil
}
