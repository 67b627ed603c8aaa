package osstest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ownerID names the owner of every bucket and object of the server.
const ownerID = "osstest-owner"

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

var theOwner = owner{ID: ownerID, DisplayName: ownerID}

// readBody reads a request body of at most limit bytes; a longer one is
// refused with tooLarge before or while it is read.
func readBody(c *call, limit int64, tooLarge *ossError) ([]byte, error) {
	if c.r.ContentLength > limit {
		return nil, tooLarge
	}
	size := c.r.ContentLength
	if size < 0 || size > 1<<20 {
		size = 1 << 20
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	n, err := buf.ReadFrom(io.LimitReader(c.body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("osstest: %w", err)
	}
	if n > limit {
		return nil, tooLarge
	}
	return buf.Bytes(), nil
}

// checkContentMD5 verifies the Content-MD5 header, if any, against data.
func checkContentMD5(h http.Header, data []byte) error {
	return checkMD5(h.Get("Content-MD5"), md5Of(data))
}

// stageBody stages the body of an upload of at most limit bytes for an
// object of a bucket, and checks it against its Content-MD5 header.
func (s *Server) stageBody(c *call, bucketName, key string, limit int64) (*blob, error) {
	if c.r.ContentLength > limit {
		return nil, errEntityTooLarge
	}
	path, err := s.store.stagingPath(bucketName, key)
	if err != nil {
		return nil, err
	}
	b, err := stage(c.body, path, limit, true, errEntityTooLarge)
	if err != nil {
		return nil, err
	}
	if err := checkMD5(c.r.Header.Get("Content-MD5"), b.md5); err != nil {
		b.discard()
		return nil, err
	}
	return b, nil
}

// normalETag is the ETag of an object written whole, whose bytes have the
// MD5 sum: the upper-case hex of sum, as OSS gives it, and the base64 of
// sum, its Content-MD5.
func normalETag(sum []byte) (etag, contentMD5 string) {
	return strings.ToUpper(hex.EncodeToString(sum)), base64.StdEncoding.EncodeToString(sum)
}

// appendETag is the ETag of an appendable object. OSS's is opaque; this
// one is derived from the CRC and the length, so that it changes with every
// append and costs nothing to compute.
func appendETag(crc uint64, size int64) string {
	return fmt.Sprintf("%016X%016X", crc, uint64(size))
}

var (
	validACLs         = map[string]bool{"default": true, "private": true, "public-read": true, "public-read-write": true}
	validStorageClass = map[string]bool{"Standard": true, "IA": true, "Archive": true, "ColdArchive": true, "DeepColdArchive": true}
	validSSE          = map[string]bool{"AES256": true, "KMS": true, "SM4": true}
	errInvalidACL     = errInvalidArgument.withMessage("The specified object ACL is not valid.")
	errInvalidClass   = errInvalidArgument.withMessage("The storage class you specified is not valid.")
	errInvalidSSE     = errInvalidArgument.withMessage("The encryption method specified is not supported.")
	errInvalidTag     = errInvalidArgument.withMessage("The tag provided was not a valid tag.")
	errKMSKeyAppend   = errInvalidArgument.withMessage("Appendable objects do not support a specified KMS CMK ID.")
	errNoCallbacks    = errNotImplemented.withMessage("osstest does not make upload callbacks.")
)

// createMeta builds the metadata of a new object from the headers of the
// request that creates it.
func createMeta(h http.Header, key string) (objectMeta, error) {
	m := objectMeta{
		Key:                key,
		ContentType:        h.Get("Content-Type"),
		CacheControl:       h.Get("Cache-Control"),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentEncoding:    h.Get("Content-Encoding"),
		Expires:            h.Get("Expires"),
		ACL:                h.Get("x-oss-object-acl"),
		StorageClass:       h.Get("x-oss-storage-class"),
		Tagging:            h.Get("x-oss-tagging"),
		UserMeta:           userMeta(h),
	}
	if m.ContentType == "" {
		m.ContentType = "application/octet-stream"
	}
	if m.ACL == "" {
		m.ACL = "default"
	}
	if !validACLs[m.ACL] {
		return m, errInvalidACL
	}
	if m.StorageClass == "" {
		m.StorageClass = "Standard"
	}
	if !validStorageClass[m.StorageClass] {
		return m, errInvalidClass
	}
	if m.Tagging != "" {
		tags, err := parseTagging(m.Tagging)
		if err != nil {
			return m, err
		}
		m.Tagging = tags.Encode()
	}
	if sse := h.Get("x-oss-server-side-encryption"); sse != "" {
		if !validSSE[sse] {
			return m, errInvalidSSE
		}
		m.SSE = sse
		if sse == "KMS" {
			m.SSEDataEncryption = h.Get("x-oss-server-side-data-encryption")
			if m.SSEDataEncryption != "" && m.SSEDataEncryption != "SM4" {
				return m, errInvalidSSE
			}
			m.SSEKeyID = h.Get("x-oss-server-side-encryption-key-id")
			if m.SSEKeyID == "" {
				m.SSEKeyID = "osstest-kms-key-" + strings.ToLower(m.SSEDataEncryption+"default")
			}
		}
	}
	return m, nil
}

// userMeta collects the x-oss-meta-* headers, with lower-case names.
func userMeta(h http.Header) map[string]string {
	var m map[string]string
	for k, v := range h {
		low := strings.ToLower(k)
		if name, ok := strings.CutPrefix(low, "x-oss-meta-"); ok && name != "" && len(v) > 0 {
			if m == nil {
				m = map[string]string{}
			}
			m[name] = v[0]
		}
	}
	return m
}

// parseTagging parses an x-oss-tagging header, "k1=v1&k2=v2".
func parseTagging(s string) (url.Values, error) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return nil, errInvalidTag
	}
	if err := checkTags(v); err != nil {
		return nil, err
	}
	return v, nil
}

// checkTags applies OSS's limits: at most 10 tags, keys of 1 to 128 bytes,
// values of at most 256, no key twice.
func checkTags(v url.Values) error {
	if len(v) > 10 {
		return errInvalidTag.withMessage("Object tags cannot be greater than 10.")
	}
	for k, vals := range v {
		if k == "" || len(k) > 128 || len(vals) != 1 || len(vals[0]) > 256 {
			return errInvalidTag
		}
	}
	return nil
}

// tagCount returns the number of tags in an encoded tag set.
func tagCount(encoded string) int {
	if encoded == "" {
		return 0
	}
	v, err := url.ParseQuery(encoded)
	if err != nil {
		return 0
	}
	return len(v)
}

func forbidOverwrite(h http.Header) bool {
	return strings.EqualFold(h.Get("x-oss-forbid-overwrite"), "true")
}

func (s *Server) putObject(c *call) error {
	if c.r.Header.Get("x-oss-callback") != "" {
		return errNoCallbacks
	}
	m, err := s.createMeta(c.r.Header, c.rt.bucket, c.rt.key)
	if err != nil {
		return err
	}
	b, err := s.stageBody(c, c.rt.bucket, c.rt.key, s.opts.maxObjectSize)
	if err != nil {
		return err
	}
	m.Type, m.Size, m.CRC64 = typeNormal, b.size, b.crc
	m.ETag, m.ContentMD5 = normalETag(b.md5)
	if err := s.store.putObject(c.rt.bucket, m, b, forbidOverwrite(c.r.Header)); err != nil {
		return err
	}
	h := c.w.Header()
	h.Set("ETag", `"`+m.ETag+`"`)
	h.Set("Content-MD5", m.ContentMD5)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(m.CRC64, 10))
	sseHeaders(h, &m)
	writeEmpty(c, http.StatusOK)
	return nil
}

// lookup fetches the object a GET or HEAD names, with its bytes if
// withBody, honouring versionId=null, the only version an unversioned
// bucket has. The caller closes the body.
func (s *Server) lookup(c *call, withBody bool) (objectMeta, objectBody, error) {
	if v, ok := c.query["versionId"]; ok && (len(v) != 1 || v[0] != "null") {
		if err := s.store.hasBucket(c.rt.bucket); err != nil {
			return objectMeta{}, nil, err
		}
		return objectMeta{}, nil, newError(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.", "")
	}
	var m objectMeta
	var body objectBody
	var err error
	if withBody {
		m, body, err = s.store.openObject(c.rt.bucket, c.rt.key)
	} else {
		m, err = s.store.statObject(c.rt.bucket, c.rt.key)
	}
	if err != nil {
		return m, nil, err
	}
	if err := checkConditions(c.r.Header, &m); err != nil {
		if body != nil {
			body.Close()
		}
		return m, nil, err
	}
	return m, body, nil
}

// checkConditions applies If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since.
func checkConditions(h http.Header, m *objectMeta) error {
	etagIs := func(v string) bool {
		for _, e := range strings.Split(v, ",") {
			e = strings.Trim(strings.TrimSpace(e), `"`)
			if e == "*" || strings.EqualFold(e, m.ETag) {
				return true
			}
		}
		return false
	}
	if v := h.Get("If-Match"); v != "" && !etagIs(v) {
		return errPreconditionFailed
	}
	if v := h.Get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && m.LastModified.After(t) {
			return errPreconditionFailed
		}
	}
	if v := h.Get("If-None-Match"); v != "" && etagIs(v) {
		return errNotModified
	}
	if v := h.Get("If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !m.LastModified.After(t) {
			return errNotModified
		}
	}
	return nil
}

// responseOverrides are the query parameters that set response headers.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

func (s *Server) getObject(c *call) error {
	m, body, err := s.lookup(c, c.r.Method != http.MethodHead)
	if err != nil {
		return err
	}
	if body != nil {
		defer body.Close()
	}
	if err := s.readable(&m); err != nil {
		return err
	}
	h := c.w.Header()
	objectHeaders(h, &m)
	s.restoreHeader(h, &m)
	for q, hdr := range responseOverrides {
		if v := c.query.Get(q); v != "" {
			h.Set(hdr, v)
		}
	}
	status := http.StatusOK
	first, n := int64(0), m.Size
	standard := strings.EqualFold(c.r.Header.Get("x-oss-range-behavior"), "standard")
	if f, last, ok, err := parseRange(c.r.Header.Get("Range"), m.Size, standard); err != nil {
		return err.withHeader("Content-Range", "bytes */"+strconv.FormatInt(m.Size, 10))
	} else if ok {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", f, last, m.Size))
		first, n = f, last+1-f
		status = http.StatusPartialContent
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	c.w.WriteHeader(status)
	if body == nil {
		return nil
	}
	if err := copyThrottled(c.r.Context(), c.w, io.NewSectionReader(body, first, n), c.rate); err != nil && c.r.Context().Err() == nil {
		s.opts.logger.Debug("osstest: GetObject cut short", "id", c.id, "error", err)
	}
	return nil
}

// parseRange parses a Range header for an object of size bytes, as OSS
// does. A range it cannot parse, or several ranges, is ignored (ok is
// false): the whole object is answered. So, by default, is a range that
// does not lie within the object: one whose start or end is past its last
// byte, or a suffix longer than it. With standard (the request's
// x-oss-range-behavior: standard), such a range is cut at the end of the
// object instead, and one that starts past the end, or an empty suffix, is
// refused with 416 InvalidRange.
func parseRange(v string, size int64, standard bool) (first, last int64, ok bool, err *ossError) {
	spec, found := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, nil
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "" && b == "":
		return 0, 0, false, nil
	case a == "":
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || n < 0 {
			return 0, 0, false, nil
		}
		switch {
		case !standard && (n == 0 || n > size):
			return 0, 0, false, nil
		case n == 0 || size == 0:
			return 0, 0, false, errInvalidRange
		}
		n = min(n, size)
		return size - n, size - 1, true, nil
	}
	first, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil || first < 0 {
		return 0, 0, false, nil
	}
	last = size - 1
	if b != "" {
		l, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || l < first {
			return 0, 0, false, nil
		}
		if l > last && !standard {
			return 0, 0, false, nil
		}
		last = min(l, last)
	}
	if first >= size {
		if !standard {
			return 0, 0, false, nil
		}
		return 0, 0, false, errInvalidRange
	}
	return first, last, true, nil
}

func (s *Server) headObject(c *call) error {
	m, _, err := s.lookup(c, false)
	if err != nil {
		return err
	}
	objectHeaders(c.w.Header(), &m)
	s.restoreHeader(c.w.Header(), &m)
	c.w.Header().Set("Content-Length", strconv.FormatInt(m.Size, 10))
	c.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) getObjectMeta(c *call) error {
	m, _, err := s.lookup(c, false)
	if err != nil {
		return err
	}
	h := c.w.Header()
	h.Set("Content-Length", strconv.FormatInt(m.Size, 10))
	h.Set("ETag", `"`+m.ETag+`"`)
	h.Set("Last-Modified", m.LastModified.UTC().Format(http.TimeFormat))
	h.Set("x-oss-last-access-time", m.LastModified.UTC().Format(http.TimeFormat))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(m.CRC64, 10))
	c.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteObject(c *call) error {
	if v, ok := c.query["versionId"]; ok && (len(v) != 1 || v[0] != "null") {
		// No such version: there is nothing to delete.
		if err := s.store.hasBucket(c.rt.bucket); err != nil {
			return err
		}
	} else if err := s.store.deleteObject(c.rt.bucket, c.rt.key); err != nil {
		return err
	}
	writeEmpty(c, http.StatusNoContent)
	return nil
}

// maxDeleteObjects is how many keys one DeleteMultipleObjects may name.
const maxDeleteObjects = 1000

func (s *Server) deleteMultipleObjects(c *call) error {
	body, err := readBody(c, 2<<20, errMalformedXML)
	if err != nil {
		return err
	}
	if err := checkContentMD5(c.r.Header, body); err != nil {
		return err
	}
	quiet, entries, err := parseDelete(body)
	if err != nil || len(entries) == 0 || len(entries) > maxDeleteObjects {
		return errMalformedXML
	}
	if err := s.store.hasBucket(c.rt.bucket); err != nil {
		return err
	}
	type deleted struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId,omitempty"`
	}
	result := struct {
		XMLName      xml.Name  `xml:"DeleteResult"`
		EncodingType string    `xml:"EncodingType,omitempty"`
		Deleted      []deleted `xml:"Deleted"`
	}{}
	urlEncode := c.query.Get("encoding-type") == "url"
	if urlEncode {
		result.EncodingType = "url"
	}
	for _, e := range entries {
		if e.versionID == "" || e.versionID == "null" {
			if err := s.store.deleteObject(c.rt.bucket, e.key); err != nil {
				return err
			}
		}
		if !quiet {
			d := deleted{Key: e.key, VersionID: e.versionID}
			if urlEncode {
				d.Key = url.QueryEscape(e.key)
			}
			result.Deleted = append(result.Deleted, d)
		}
	}
	return s.writeXML(c, result)
}

// copySource parses x-oss-copy-source, "/bucket/key" with the key
// URL-encoded and an optional "?versionId=...". A '+' is a space, as the
// older SDK encodes keys (url.QueryEscape); the newer one encodes '+' and
// spaces both.
func copySource(v string) (bucketName, key, versionID string, err error) {
	path, query, _ := strings.Cut(v, "?")
	if query != "" {
		q, perr := url.ParseQuery(query)
		if perr != nil {
			return "", "", "", errInvalidArgument.withMessage("Invalid x-oss-copy-source.")
		}
		versionID = q.Get("versionId")
	}
	path, perr := url.QueryUnescape(path)
	if perr != nil {
		return "", "", "", errInvalidArgument.withMessage("Invalid x-oss-copy-source.")
	}
	bucketName, key, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok || !validBucketName(bucketName) || !validObjectName(key) {
		return "", "", "", errInvalidArgument.withMessage("Invalid x-oss-copy-source.")
	}
	return bucketName, key, versionID, nil
}

func (s *Server) copyObject(c *call) error {
	h := c.r.Header
	srcBucket, srcKey, versionID, err := copySource(h.Get("x-oss-copy-source"))
	if err != nil {
		return err
	}
	if err := s.store.hasBucket(c.rt.bucket); err != nil {
		return err
	}
	if versionID != "" && versionID != "null" {
		return newError(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.", "")
	}
	src, err := s.store.statObject(srcBucket, srcKey)
	if err != nil {
		return err
	}
	if src.Type == typeAppendable {
		return errObjectNotAppendable.withMessage("An appendable object cannot be copied.")
	}
	conditions := http.Header{}
	for _, k := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if v := h.Get("x-oss-copy-source-" + k); v != "" {
			conditions.Set(k, v)
		}
	}
	if err := checkConditions(conditions, &src); err != nil {
		if errors.Is(err, errNotModified) {
			return errPreconditionFailed
		}
		return err
	}
	m := src.clone()
	m.Key = c.rt.key
	m.DataFile = ""
	m.SealedTime = time.Time{}
	if strings.EqualFold(h.Get("x-oss-metadata-directive"), "REPLACE") {
		tagging := m.Tagging
		if m, err = createMeta(h, c.rt.key); err != nil {
			return err
		}
		m.Tagging = tagging
	} else if acl := h.Get("x-oss-object-acl"); acl != "" {
		if !validACLs[acl] {
			return errInvalidACL
		}
		m.ACL = acl
	}
	if strings.EqualFold(h.Get("x-oss-tagging-directive"), "REPLACE") {
		m.Tagging = ""
		if v := h.Get("x-oss-tagging"); v != "" {
			tags, err := parseTagging(v)
			if err != nil {
				return err
			}
			m.Tagging = tags.Encode()
		}
	}
	path, err := s.store.stagingPath(c.rt.bucket, c.rt.key)
	if err != nil {
		return err
	}
	b, err := s.copyBytes(srcBucket, srcKey, 0, -1, path)
	if err != nil {
		return err
	}
	m.Type, m.Size, m.CRC64 = typeNormal, b.size, b.crc
	m.ETag, m.ContentMD5 = normalETag(b.md5)
	if err := s.store.putObject(c.rt.bucket, m, b, forbidOverwrite(h)); err != nil {
		return err
	}
	c.w.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(m.CRC64, 10))
	return s.writeXML(c, struct {
		XMLName      xml.Name `xml:"CopyObjectResult"`
		ETag         string   `xml:"ETag"`
		LastModified string   `xml:"LastModified"`
	}{ETag: `"` + m.ETag + `"`, LastModified: time.Now().UTC().Format(isoTime)})
}

// isoTime is how OSS writes times in XML.
const isoTime = "2006-01-02T15:04:05.000Z"

type accessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   owner    `xml:"Owner"`
	Grant   string   `xml:"AccessControlList>Grant"`
}

// copyBytes stages at path ("" for memory) a copy of n bytes (all if
// n < 0) from first of an object. A whole copy is checked against the
// source's CRC-64.
func (s *Server) copyBytes(srcBucket, srcKey string, first, n int64, path string) (*blob, error) {
	m, body, err := s.store.openObject(srcBucket, srcKey)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	whole := n < 0 || first == 0 && n == m.Size
	if n < 0 {
		n = m.Size - first
	}
	b, err := stage(io.NewSectionReader(body, first, n), path, n, true, errEntityTooLarge)
	if err != nil {
		return nil, err
	}
	if b.size != n || whole && b.crc != m.CRC64 {
		b.discard()
		return nil, fmt.Errorf("osstest: the bytes of %s/%s do not match their length and CRC-64", srcBucket, srcKey)
	}
	return b, nil
}

func (s *Server) getObjectACL(c *call) error {
	m, err := s.store.statObject(c.rt.bucket, c.rt.key)
	if err != nil {
		return err
	}
	return s.writeXML(c, accessControlPolicy{Owner: theOwner, Grant: m.ACL})
}

func (s *Server) putObjectACL(c *call) error {
	acl := c.r.Header.Get("x-oss-object-acl")
	if !validACLs[acl] {
		return errInvalidACL
	}
	if err := s.store.updateObject(c.rt.bucket, c.rt.key, func(m *objectMeta) { m.ACL = acl }); err != nil {
		return err
	}
	writeEmpty(c, http.StatusOK)
	return nil
}

// tagging is the XML form of a tag set.
type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Tags    []tag    `xml:"TagSet>Tag"`
}

type tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func encodeTags(encoded string) tagging {
	var t tagging
	v, _ := url.ParseQuery(encoded)
	for _, k := range sortedKeys(v) {
		t.Tags = append(t.Tags, tag{Key: k, Value: v.Get(k)})
	}
	return t
}

// readTagging reads a Tagging XML body and returns the tag set encoded.
func readTagging(c *call) (string, error) {
	body, err := readBody(c, 64<<10, errMalformedXML)
	if err != nil {
		return "", err
	}
	var t tagging
	if err := xml.Unmarshal(body, &t); err != nil {
		return "", errMalformedXML
	}
	v := url.Values{}
	for _, tg := range t.Tags {
		if v.Has(tg.Key) {
			return "", errInvalidTag
		}
		v.Set(tg.Key, tg.Value)
	}
	if err := checkTags(v); err != nil {
		return "", err
	}
	return v.Encode(), nil
}

func (s *Server) getObjectTagging(c *call) error {
	m, err := s.store.statObject(c.rt.bucket, c.rt.key)
	if err != nil {
		return err
	}
	return s.writeXML(c, encodeTags(m.Tagging))
}

func (s *Server) putObjectTagging(c *call) error {
	encoded, err := readTagging(c)
	if err != nil {
		return err
	}
	if err := s.store.updateObject(c.rt.bucket, c.rt.key, func(m *objectMeta) { m.Tagging = encoded }); err != nil {
		return err
	}
	writeEmpty(c, http.StatusOK)
	return nil
}

func (s *Server) deleteObjectTagging(c *call) error {
	if err := s.store.updateObject(c.rt.bucket, c.rt.key, func(m *objectMeta) { m.Tagging = "" }); err != nil {
		return err
	}
	writeEmpty(c, http.StatusNoContent)
	return nil
}
