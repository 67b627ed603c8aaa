package osstest

import (
	"net/http"
	"strconv"
)

var (
	errMissingPosition = newError(http.StatusBadRequest, "MissingArgument", "Missing argument position.", "0016-00000501")
	errInvalidPosition = newError(http.StatusBadRequest, "InvalidArgument", "Position is not valid.", "0016-00000502")
	errSealUnsupported = newError(http.StatusBadRequest, "OperationNotSupported", "SealAppendable is not supported", "0016-00000513")
	// OSS documents ColdArchive's refusal (EC 0016-00000503) but not
	// DeepColdArchive's, which it refuses too: the same code without an EC.
	errColdArchiveAppend     = errInvalidArgument.withMessage("The storage class ColdArchive is not supported for appendable objects.").withEC("0016-00000503")
	errDeepColdArchiveAppend = errInvalidArgument.withMessage("The storage class DeepColdArchive is not supported for appendable objects.")
	errAppendTooLarge        = errEntityTooLarge.withMessage("The appendable object would exceed the maximum allowed size.")
)

// position reads the position query parameter of an append or a seal.
func position(c *call) (int64, error) {
	v, ok := c.query["position"]
	if !ok || len(v) == 0 || v[0] == "" {
		return 0, errMissingPosition
	}
	pos, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil || pos < 0 {
		return 0, errInvalidPosition
	}
	return pos, nil
}

// appendObject serves AppendObject: POST /key?append&position=N. The
// position must be the object's length (0 creates an appendable object);
// the headers that describe an object count only on the append that
// creates it, but for x-oss-object-acl, which a later append sets too. The
// answer carries the new length and the CRC-64 of the whole object.
func (s *Server) appendObject(c *call) error {
	pos, err := position(c)
	if err != nil {
		return err
	}
	maxSize := s.opts.maxAppendSize
	if pos > maxSize || c.r.ContentLength > maxSize-pos {
		drain(c.body, 1<<20) // a small body, to answer rather than close
		return errAppendTooLarge
	}
	acl := c.r.Header.Get("x-oss-object-acl")
	if acl != "" && !validACLs[acl] {
		return errInvalidACL
	}
	// Headers are checked only if the append creates the object, which the
	// store decides.
	meta, metaErr := s.createMeta(c.r.Header, c.rt.bucket, c.rt.key)
	if metaErr == nil {
		metaErr = appendableMeta(c.r.Header, &meta)
	}
	m, err := s.store.appendObject(c.r.Context(), c.rt.bucket, c.rt.key, pos, c.body, c.r.Header.Get("Content-MD5"), maxSize,
		func() (objectMeta, error) { return meta, metaErr }, acl)
	if err != nil {
		// The error may come before the body was read: read it, so that
		// the client hears the answer rather than a closed connection.
		drain(c.body, maxSize-pos)
		return err
	}
	h := c.w.Header()
	h.Set("ETag", `"`+m.ETag+`"`)
	h.Set("x-oss-next-append-position", strconv.FormatInt(m.Size, 10))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(m.CRC64, 10))
	sseHeaders(h, &m)
	writeEmpty(c, http.StatusOK)
	return nil
}

// appendableMeta refuses what OSS refuses to create an appendable object
// with: the storage classes ColdArchive and DeepColdArchive, whether asked
// for or the bucket's default, and a KMS key of the user's.
func appendableMeta(h http.Header, m *objectMeta) error {
	switch {
	case m.StorageClass == "ColdArchive":
		return errColdArchiveAppend
	case m.StorageClass == "DeepColdArchive":
		return errDeepColdArchiveAppend
	case m.SSE == "KMS" && h.Get("x-oss-server-side-encryption-key-id") != "":
		return errKMSKeyAppend
	}
	return nil
}

// sealAppendObject serves SealAppendObject: POST /key?seal&position=N. A
// sealed object takes no more appends; sealing it again is no error and
// keeps the first sealing time.
func (s *Server) sealAppendObject(c *call) error {
	if s.opts.noSeal {
		return errSealUnsupported
	}
	pos, err := position(c)
	if err != nil {
		return err
	}
	m, err := s.store.sealObject(c.rt.bucket, c.rt.key, pos)
	if err != nil {
		return err
	}
	c.w.Header().Set("x-oss-sealed-time", m.SealedTime.UTC().Format(http.TimeFormat))
	writeEmpty(c, http.StatusOK)
	return nil
}
