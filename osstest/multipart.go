package osstest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Multipart uploads in progress are not kept across restarts, even with
// WithDir, which holds their parts' bytes in its uploads folders; the
// objects they complete into are stored like any other.

// minPartSize is the smallest a part other than the last may be.
const minPartSize = 100 << 10

type upload struct {
	id        string
	key       string
	initiated time.Time
	meta      objectMeta
	parts     map[int]*part
	// sequential uploads (?sequential) get a Content-MD5 when completed.
	sequential bool
	// files are the part files written for the upload, replaced parts'
	// included, removed when it ends.
	files []string
}

type part struct {
	number       int
	blob         *blob
	etag         string
	lastModified time.Time
}

// noSuchUploadEC holds the EC that OSS gives NoSuchUpload in each
// operation, as the SDK's integration tests record them.
var noSuchUploadEC = map[string]string{
	"UploadPart":              "0042-00000104",
	"UploadPartCopy":          "0042-00000311",
	"CompleteMultipartUpload": "0042-00000216",
	"AbortMultipartUpload":    "0042-00000002",
	"ListParts":               "0042-00000002",
}

// noSuchUpload is the NoSuchUpload error of an upload ID. Its EC, which
// depends on the operation, is set by the handler.
func noSuchUpload(id string) *ossError { return errNoSuchUpload.with("UploadId", id) }

// withUploadEC gives a NoSuchUpload error the EC of the operation op.
func withUploadEC(err error, op string) error {
	if oe, ok := err.(*ossError); ok && oe.code == errNoSuchUpload.code {
		c := *oe
		c.ec = noSuchUploadEC[op]
		return &c
	}
	return err
}

var uploadSeq atomic.Uint64

// newUploadID makes upload IDs that sort in the order they were made.
func newUploadID() string {
	return fmt.Sprintf("%016X%016X", uint64(time.Now().UnixNano()), uploadSeq.Add(1))
}

func (st *store) createUpload(bucketName string, m objectMeta, sequential bool) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, err := st.bucketLocked(bucketName)
	if err != nil {
		return "", err
	}
	u := &upload{id: newUploadID(), key: m.Key, initiated: st.now(), meta: m, parts: map[int]*part{}, sequential: sequential}
	b.uploads[u.id] = u
	return u.id, nil
}

// findUpload returns an upload of the bucket; the caller holds st.mu.
func (st *store) findUpload(bucketName, key, id string) (*bucket, *upload, error) {
	b, err := st.bucketLocked(bucketName)
	if err != nil {
		return nil, nil, err
	}
	u, ok := b.uploads[id]
	if !ok || u.key != key {
		return nil, nil, noSuchUpload(id)
	}
	return b, u, nil
}

// partPath returns where to stage a part of an upload: "" (in memory)
// without a directory.
func (st *store) partPath(bucketName, id string, number int) (string, error) {
	if st.persist == nil {
		return "", nil
	}
	return st.persist.partPath(bucketName, id, number)
}

// putPart adds a part to an upload, or discards it if the upload is gone.
func (st *store) putPart(bucketName, key, id string, p *part) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, u, err := st.findUpload(bucketName, key, id)
	if err != nil {
		p.blob.discard()
		return err
	}
	p.lastModified = st.now()
	u.parts[p.number] = p
	if p.blob.path != "" {
		u.files = append(u.files, p.blob.path)
	}
	return nil
}

func (st *store) abortUpload(bucketName, key, id string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, u, err := st.findUpload(bucketName, key, id)
	if err != nil {
		return err
	}
	delete(b.uploads, id)
	removeFiles(u.files)
	return nil
}

func removeFiles(paths []string) {
	for _, p := range paths {
		_ = os.Remove(p)
	}
}

// uploadSnapshot returns a copy of an upload's description and parts,
// sorted by number.
func (st *store) uploadSnapshot(bucketName, key, id string) (upload, []part, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	_, u, err := st.findUpload(bucketName, key, id)
	if err != nil {
		return upload{}, nil, err
	}
	parts := make([]part, 0, len(u.parts))
	for _, p := range u.parts {
		parts = append(parts, *p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].number < parts[j].number })
	return *u, parts, nil
}

// hasUpload returns the error that says why an upload does not exist, or
// nil if it does.
func (st *store) hasUpload(bucketName, key, id string) error {
	st.mu.RLock()
	defer st.mu.RUnlock()
	_, _, err := st.findUpload(bucketName, key, id)
	return err
}

func (st *store) listUploads(bucketName string) ([]upload, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	b, err := st.bucketLocked(bucketName)
	if err != nil {
		return nil, err
	}
	out := make([]upload, 0, len(b.uploads))
	for _, u := range b.uploads {
		out = append(out, upload{id: u.id, key: u.key, initiated: u.initiated})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].key != out[j].key {
			return out[i].key < out[j].key
		}
		return out[i].id < out[j].id
	})
	return out, nil
}

// finishUpload ends an upload, if it is still there, by storing its
// object, whose bytes are data.
func (st *store) finishUpload(bucketName, id string, m objectMeta, data *blob, forbid bool) error {
	st.mu.Lock()
	b, ok := st.buckets[bucketName]
	if !ok {
		st.mu.Unlock()
		data.discard()
		return errNoSuchBucket.with("BucketName", bucketName)
	}
	u, ok := b.uploads[id]
	if !ok {
		st.mu.Unlock()
		data.discard()
		return noSuchUpload(id)
	}
	if _, exists := b.objects[m.Key]; exists && forbid {
		st.mu.Unlock()
		data.discard()
		return errFileAlreadyExists
	}
	delete(b.uploads, id)
	st.mu.Unlock()
	removeFiles(u.files)
	// Between the two locks the upload is gone and the object not yet
	// there, as with OSS, whose completion is not atomic either.
	return st.putObject(bucketName, m, data, false)
}

func (s *Server) initiateMultipartUpload(c *call) error {
	m, err := s.createMeta(c.r.Header, c.rt.bucket, c.rt.key)
	if err != nil {
		return err
	}
	_, sequential := c.query["sequential"]
	id, err := s.store.createUpload(c.rt.bucket, m, sequential)
	if err != nil {
		return err
	}
	p := listParams{urlEncode: c.query.Get("encoding-type") == "url"}
	result := struct {
		XMLName      xml.Name `xml:"InitiateMultipartUploadResult"`
		EncodingType string   `xml:"EncodingType,omitempty"`
		Bucket       string   `xml:"Bucket"`
		Key          string   `xml:"Key"`
		UploadID     string   `xml:"UploadId"`
	}{Bucket: c.rt.bucket, Key: p.enc(c.rt.key), UploadID: id}
	if p.urlEncode {
		result.EncodingType = "url"
	}
	return s.writeXML(c, result)
}

// partNumber reads the partNumber query parameter and checks that the
// upload named by uploadId exists.
func (s *Server) partNumber(c *call) (int, string, error) {
	n, err := strconv.Atoi(c.query.Get("partNumber"))
	if err != nil || n < 1 || n > 10000 {
		return 0, "", errInvalidArgument.withMessage("Part number must be an integer between 1 and 10000, inclusive.")
	}
	id := c.query.Get("uploadId")
	if err := s.store.hasUpload(c.rt.bucket, c.rt.key, id); err != nil {
		return 0, "", err
	}
	return n, id, nil
}

func (s *Server) uploadPartCopy(c *call) error {
	n, id, err := s.partNumber(c)
	if err != nil {
		return err
	}
	srcBucket, srcKey, versionID, err := copySource(c.r.Header.Get("x-oss-copy-source"))
	if err != nil {
		return err
	}
	if versionID != "" && versionID != "null" {
		return newError(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.", "")
	}
	src, err := s.store.statObject(srcBucket, srcKey)
	if err != nil {
		return err
	}
	first, count := int64(0), int64(-1)
	if v := c.r.Header.Get("x-oss-copy-source-range"); v != "" {
		f, last, ok, rerr := parseRange(v, src.Size, true)
		if rerr != nil {
			return rerr
		}
		if ok {
			first, count = f, last+1-f
		}
	}
	path, err := s.store.partPath(c.rt.bucket, id, n)
	if err != nil {
		return err
	}
	b, err := s.copyBytes(srcBucket, srcKey, first, count, path)
	if err != nil {
		return err
	}
	etag, _ := normalETag(b.md5)
	p := &part{number: n, blob: b, etag: etag}
	if err := s.store.putPart(c.rt.bucket, c.rt.key, id, p); err != nil {
		return err
	}
	c.w.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(b.crc, 10))
	return s.writeXML(c, struct {
		XMLName      xml.Name `xml:"CopyPartResult"`
		LastModified string   `xml:"LastModified"`
		ETag         string   `xml:"ETag"`
	}{LastModified: time.Now().UTC().Format(isoTime), ETag: `"` + etag + `"`})
}

func (s *Server) uploadPart(c *call) error {
	n, id, err := s.partNumber(c)
	if err != nil {
		return err
	}
	if c.r.ContentLength > s.opts.maxObjectSize {
		return errEntityTooLarge
	}
	path, err := s.store.partPath(c.rt.bucket, id, n)
	if err != nil {
		return err
	}
	b, err := stage(c.body, path, s.opts.maxObjectSize, true, errEntityTooLarge)
	if err != nil {
		return err
	}
	if err := checkMD5(c.r.Header.Get("Content-MD5"), b.md5); err != nil {
		b.discard()
		return err
	}
	etag, contentMD5 := normalETag(b.md5)
	p := &part{number: n, blob: b, etag: etag}
	if err := s.store.putPart(c.rt.bucket, c.rt.key, id, p); err != nil {
		return err
	}
	h := c.w.Header()
	h.Set("ETag", `"`+etag+`"`)
	h.Set("Content-MD5", contentMD5)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(b.crc, 10))
	writeEmpty(c, http.StatusOK)
	return nil
}

func (s *Server) completeMultipartUpload(c *call) error {
	if c.r.Header.Get("x-oss-callback") != "" {
		return errNoCallbacks
	}
	id := c.query.Get("uploadId")
	u, have, err := s.store.uploadSnapshot(c.rt.bucket, c.rt.key, id)
	if err != nil {
		return err
	}
	body, err := readBody(c, 4<<20, errMalformedXML)
	if err != nil {
		return err
	}
	var chosen []part
	if strings.EqualFold(c.r.Header.Get("x-oss-complete-all"), "yes") {
		if len(body) > 0 {
			// OSS's own words, typo included.
			return newError(http.StatusBadRequest, "InvalidArgument", "Should not speficy both complete all header and http body.", "0042-00000216")
		}
		chosen = have
	} else {
		var req struct {
			Parts []struct {
				PartNumber int    `xml:"PartNumber"`
				ETag       string `xml:"ETag"`
			} `xml:"Part"`
		}
		if err := xml.Unmarshal(body, &req); err != nil {
			return errMalformedXML
		}
		byNumber := map[int]part{}
		for _, p := range have {
			byNumber[p.number] = p
		}
		for i, rp := range req.Parts {
			if i > 0 && rp.PartNumber <= req.Parts[i-1].PartNumber {
				return errInvalidPartOrder
			}
			p, ok := byNumber[rp.PartNumber]
			if !ok || !strings.EqualFold(strings.Trim(rp.ETag, `"`), p.etag) {
				return errInvalidPart
			}
			chosen = append(chosen, p)
		}
	}
	var size int64
	for i, p := range chosen {
		if i < len(chosen)-1 && p.blob.size < minPartSize {
			return errEntityTooSmall
		}
		size += p.blob.size
	}
	if size > s.opts.maxObjectSize*10000 {
		return errEntityTooLarge
	}
	md5s := md5.New()
	for _, p := range chosen {
		raw, _ := hex.DecodeString(p.etag)
		md5s.Write(raw)
	}
	path, err := s.store.stagingPath(c.rt.bucket, c.rt.key)
	if err != nil {
		return err
	}
	parts := &partsReader{parts: chosen}
	data, err := stage(parts, path, size, u.sequential, errEntityTooLarge)
	parts.close()
	if err != nil {
		if errors.Is(err, errPartGone) {
			return noSuchUpload(id) // aborted meanwhile
		}
		return err
	}
	crc := data.crc
	m := u.meta.clone()
	if acl := c.r.Header.Get("x-oss-object-acl"); acl != "" {
		if !validACLs[acl] {
			data.discard()
			return errInvalidACL
		}
		m.ACL = acl
	}
	m.Type, m.Size, m.CRC64 = typeMultipart, size, crc
	m.ETag = fmt.Sprintf("%X-%d", md5s.Sum(nil), len(chosen))
	if u.sequential {
		_, m.ContentMD5 = normalETag(data.md5)
	}
	if err := s.store.finishUpload(c.rt.bucket, id, m, data, forbidOverwrite(c.r.Header)); err != nil {
		return err
	}
	p := listParams{urlEncode: c.query.Get("encoding-type") == "url"}
	result := struct {
		XMLName      xml.Name `xml:"CompleteMultipartUploadResult"`
		EncodingType string   `xml:"EncodingType,omitempty"`
		Location     string   `xml:"Location"`
		Bucket       string   `xml:"Bucket"`
		Key          string   `xml:"Key"`
		ETag         string   `xml:"ETag"`
	}{Location: s.endpoint + "/" + c.rt.bucket + "/" + escapePath(c.rt.key), Bucket: c.rt.bucket, Key: p.enc(c.rt.key), ETag: `"` + m.ETag + `"`}
	if p.urlEncode {
		result.EncodingType = "url"
	}
	c.w.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(crc, 10))
	return s.writeXML(c, result)
}

func (s *Server) abortMultipartUpload(c *call) error {
	if err := s.store.abortUpload(c.rt.bucket, c.rt.key, c.query.Get("uploadId")); err != nil {
		return err
	}
	writeEmpty(c, http.StatusNoContent)
	return nil
}

func (s *Server) listParts(c *call) error {
	p, err := parseListParams(c, "max-parts", maxListKeys)
	if err != nil {
		return err
	}
	marker := 0
	if v := c.query.Get("part-number-marker"); v != "" {
		if marker, err = strconv.Atoi(v); err != nil || marker < 0 {
			return errInvalidArgument.withMessage("Invalid part-number-marker.")
		}
	}
	id := c.query.Get("uploadId")
	_, parts, err := s.store.uploadSnapshot(c.rt.bucket, c.rt.key, id)
	if err != nil {
		return err
	}
	type partEntry struct {
		PartNumber   int    `xml:"PartNumber"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		HashCRC64    string `xml:"HashCrc64ecma"`
		Size         int64  `xml:"Size"`
	}
	result := struct {
		XMLName              xml.Name    `xml:"ListPartsResult"`
		EncodingType         string      `xml:"EncodingType,omitempty"`
		Bucket               string      `xml:"Bucket"`
		Key                  string      `xml:"Key"`
		UploadID             string      `xml:"UploadId"`
		StorageClass         string      `xml:"StorageClass"`
		PartNumberMarker     int         `xml:"PartNumberMarker"`
		NextPartNumberMarker int         `xml:"NextPartNumberMarker"`
		MaxParts             int         `xml:"MaxParts"`
		IsTruncated          bool        `xml:"IsTruncated"`
		Parts                []partEntry `xml:"Part"`
	}{Bucket: c.rt.bucket, Key: p.enc(c.rt.key), UploadID: id, StorageClass: "Standard", PartNumberMarker: marker, MaxParts: p.max}
	if p.urlEncode {
		result.EncodingType = "url"
	}
	for _, pt := range parts {
		if pt.number <= marker {
			continue
		}
		if len(result.Parts) == p.max {
			result.IsTruncated = true
			break
		}
		result.Parts = append(result.Parts, partEntry{
			PartNumber: pt.number, LastModified: pt.lastModified.UTC().Format(isoTime),
			ETag: `"` + pt.etag + `"`, HashCRC64: strconv.FormatUint(pt.blob.crc, 10), Size: pt.blob.size,
		})
		result.NextPartNumberMarker = pt.number
	}
	return s.writeXML(c, result)
}

func (s *Server) listMultipartUploads(c *call) error {
	p, err := parseListParams(c, "max-uploads", maxListKeys)
	if err != nil {
		return err
	}
	keyMarker, idMarker := c.query.Get("key-marker"), c.query.Get("upload-id-marker")
	all, err := s.store.listUploads(c.rt.bucket)
	if err != nil {
		return err
	}
	type uploadEntry struct {
		Key       string `xml:"Key"`
		UploadID  string `xml:"UploadId"`
		Initiated string `xml:"Initiated"`
	}
	result := struct {
		XMLName            xml.Name       `xml:"ListMultipartUploadsResult"`
		EncodingType       string         `xml:"EncodingType,omitempty"`
		Bucket             string         `xml:"Bucket"`
		KeyMarker          string         `xml:"KeyMarker"`
		UploadIDMarker     string         `xml:"UploadIdMarker"`
		NextKeyMarker      string         `xml:"NextKeyMarker"`
		NextUploadIDMarker string         `xml:"NextUploadIdMarker"`
		Delimiter          string         `xml:"Delimiter"`
		Prefix             string         `xml:"Prefix"`
		MaxUploads         int            `xml:"MaxUploads"`
		IsTruncated        bool           `xml:"IsTruncated"`
		Uploads            []uploadEntry  `xml:"Upload"`
		CommonPrefixes     []commonPrefix `xml:"CommonPrefixes"`
	}{Bucket: c.rt.bucket, KeyMarker: p.enc(keyMarker), UploadIDMarker: idMarker, Delimiter: p.enc(p.delimiter),
		Prefix: p.enc(p.prefix), MaxUploads: p.max}
	if p.urlEncode {
		result.EncodingType = "url"
	}
	lastPrefix := ""
	for _, u := range all {
		if u.key < keyMarker || u.key == keyMarker && (idMarker == "" || u.id <= idMarker) || !strings.HasPrefix(u.key, p.prefix) {
			continue
		}
		if p.delimiter != "" {
			if i := strings.Index(u.key[len(p.prefix):], p.delimiter); i >= 0 {
				cp := u.key[:len(p.prefix)+i+len(p.delimiter)]
				if cp == lastPrefix || cp <= keyMarker {
					continue
				}
				if len(result.Uploads)+len(result.CommonPrefixes) == p.max {
					result.IsTruncated = true
					break
				}
				result.CommonPrefixes = append(result.CommonPrefixes, commonPrefix{Prefix: p.enc(cp)})
				lastPrefix = cp
				result.NextKeyMarker, result.NextUploadIDMarker = p.enc(cp), ""
				continue
			}
		}
		if len(result.Uploads)+len(result.CommonPrefixes) == p.max {
			result.IsTruncated = true
			break
		}
		result.Uploads = append(result.Uploads, uploadEntry{Key: p.enc(u.key), UploadID: u.id, Initiated: u.initiated.UTC().Format(isoTime)})
		result.NextKeyMarker, result.NextUploadIDMarker = p.enc(u.key), u.id
	}
	return s.writeXML(c, result)
}

// errPartGone is the error of reading a part whose upload ended.
var errPartGone = errors.New("osstest: a part of the upload is gone")

// partsReader reads the bytes of parts one after the other, opening each
// when it comes to it.
type partsReader struct {
	parts []part
	cur   io.ReadCloser
}

func (r *partsReader) Read(p []byte) (int, error) {
	for {
		if r.cur == nil {
			if len(r.parts) == 0 {
				return 0, io.EOF
			}
			rc, err := r.parts[0].blob.open()
			if err != nil {
				return 0, fmt.Errorf("%w: %w", errPartGone, err)
			}
			r.cur, r.parts = rc, r.parts[1:]
		}
		n, err := r.cur.Read(p)
		if err == io.EOF {
			r.cur.Close()
			r.cur = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (r *partsReader) close() {
	if r.cur != nil {
		r.cur.Close()
	}
}
