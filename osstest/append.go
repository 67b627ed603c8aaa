package osstest

import (
	"net/http"
	"strconv"
)

var (
	errMissingPosition = newError(http.StatusBadRequest, "MissingArgument", "Missing argument position.", "0016-00000501")
	errInvalidPosition = newError(http.StatusBadRequest, "InvalidArgument", "Position is not valid.", "0016-00000502")
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
// creates it. The answer carries the new length and the CRC-64 of the whole
// object.
func (s *Server) appendObject(c *call) error {
	pos, err := position(c)
	if err != nil {
		return err
	}
	maxSize := s.opts.maxObjectSize
	if pos > maxSize || c.r.ContentLength > maxSize-pos {
		return errEntityTooLarge
	}
	// Headers are checked only if the append creates the object, which the
	// store decides.
	meta, metaErr := createMeta(c.r.Header, c.rt.key)
	if metaErr == nil && meta.SSE == "KMS" && c.r.Header.Get("x-oss-server-side-encryption-key-id") != "" {
		metaErr = errKMSKeyAppend
	}
	m, err := s.store.appendObject(c.r.Context(), c.rt.bucket, c.rt.key, pos, c.body, c.r.Header.Get("Content-MD5"), maxSize,
		func() (objectMeta, error) { return meta, metaErr })
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

// sealAppendObject serves SealAppendObject: POST /key?seal&position=N. A
// sealed object takes no more appends; sealing it again is no error and
// keeps the first sealing time.
func (s *Server) sealAppendObject(c *call) error {
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
