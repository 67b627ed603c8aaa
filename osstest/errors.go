package osstest

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
)

// ossError is an error answered to the client the way OSS answers it: an
// HTTP status, an error code, a message and an EC (the OSS error-centre
// code, empty where the value OSS uses is not known), plus optional extra
// XML elements and response headers.
type ossError struct {
	status  int
	code    string
	message string
	ec      string
	extra   []xmlField
	detail  []xmlField // the elements of AccessDeniedDetail
	header  http.Header
}

// xmlField is one extra element of an error body, such as <BucketName>.
type xmlField struct {
	name, value string
}

func (e *ossError) Error() string {
	return fmt.Sprintf("osstest: %d %s: %s", e.status, e.code, e.message)
}

// with returns a copy of e carrying one more XML element.
func (e *ossError) with(name, value string) *ossError {
	c := *e
	c.extra = append(append([]xmlField(nil), e.extra...), xmlField{name, value})
	return &c
}

// withDetail returns a copy of e carrying one more element in its
// AccessDeniedDetail, as OSS explains a refusal by a policy.
func (e *ossError) withDetail(name, value string) *ossError {
	c := *e
	c.detail = append(append([]xmlField(nil), e.detail...), xmlField{name, value})
	return &c
}

// withHeader returns a copy of e that also sets a response header.
func (e *ossError) withHeader(name, value string) *ossError {
	c := *e
	c.header = e.header.Clone()
	if c.header == nil {
		c.header = http.Header{}
	}
	c.header.Set(name, value)
	return &c
}

// withEC returns a copy of e with another EC.
func (e *ossError) withEC(ec string) *ossError {
	c := *e
	c.ec = ec
	return &c
}

// withMessage returns a copy of e with another message.
func (e *ossError) withMessage(format string, args ...any) *ossError {
	c := *e
	c.message = fmt.Sprintf(format, args...)
	return &c
}

func newError(status int, code, message, ec string) *ossError {
	return &ossError{status: status, code: code, message: message, ec: ec}
}

// The errors this server answers. Codes, statuses and messages are those of
// OSS; EC values are given where the SDK's tests or the OSS documentation
// show them.
var (
	errAccessDenied          = newError(http.StatusForbidden, "AccessDenied", "You have no right to access this object because of bucket acl.", "")
	errAnonymous             = newError(http.StatusForbidden, "AccessDenied", "Anonymous access is forbidden for this operation.", "")
	errRequestExpired        = newError(http.StatusForbidden, "AccessDenied", "Request has expired.", "")
	errBucketAlreadyExists   = newError(http.StatusConflict, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", "0015-00000104")
	errBucketNotEmpty        = newError(http.StatusConflict, "BucketNotEmpty", "The bucket has objects. Please delete them first.", "0015-00000301")
	errEntityTooLarge        = newError(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.", "")
	errFileAlreadyExists     = newError(http.StatusConflict, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.", "")
	errInternal              = newError(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.", "")
	errInvalidAccessKeyID    = newError(http.StatusForbidden, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.", "0002-00000902")
	errInvalidArgument       = newError(http.StatusBadRequest, "InvalidArgument", "Invalid argument.", "")
	errInvalidBucketName     = newError(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.", "")
	errInvalidDigest         = newError(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid.", "")
	errInvalidObjectName     = newError(http.StatusBadRequest, "InvalidObjectName", "The specified object is not valid.", "")
	errInvalidRange          = newError(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range cannot be satisfied", "")
	errMalformedXML          = newError(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", "")
	errMethodNotAllowed      = newError(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.", "")
	errNoSuchBucket          = newError(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101")
	errNoSuchKey             = newError(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", "0026-00000001")
	errNoSuchUpload          = newError(http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", "0042-00000002")
	errNotImplemented        = newError(http.StatusNotImplemented, "NotImplemented", "A header or query you provided implies functionality that is not implemented.", "")
	errNotModified           = newError(http.StatusNotModified, "NotModified", "", "")
	errObjectNotAppendable   = newError(http.StatusConflict, "ObjectNotAppendable", "The object is not appendable", "0026-00000017")
	errPositionNotEqual      = newError(http.StatusConflict, "PositionNotEqualToLength", "Position is not equal to file length.", "0026-00000016")
	errPreconditionFailed    = newError(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.", "")
	errRequestTimeTooSkewed  = newError(http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", "0002-00000504")
	errServiceUnavailable    = newError(http.StatusServiceUnavailable, "ServiceUnavailable", "Please reduce your request rate.", "")
	errSignatureDoesNotMatch = newError(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", "0002-00000040")
	errInvalidPart           = newError(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.", "")
	errInvalidPartOrder      = newError(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.", "")
	errEntityTooSmall        = newError(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload smaller than the minimum allowed size.", "")
)

// errorBody renders the XML body of an error response.
func (e *ossError) body(requestID, hostID string) []byte {
	type field struct {
		XMLName xml.Name
		Value   string  `xml:",chardata"`
		Inner   []field `xml:",any"`
	}
	doc := struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		RequestID string   `xml:"RequestId"`
		HostID    string   `xml:"HostId"`
		Extra     []field
		EC        string `xml:"EC"`
	}{Code: e.code, Message: e.message, RequestID: requestID, HostID: hostID, EC: e.ec}
	if len(e.detail) > 0 {
		d := field{XMLName: xml.Name{Local: "AccessDeniedDetail"}}
		for _, f := range e.detail {
			d.Inner = append(d.Inner, field{XMLName: xml.Name{Local: f.name}, Value: f.value})
		}
		doc.Extra = append(doc.Extra, d)
	}
	for _, f := range e.extra {
		doc.Extra = append(doc.Extra, field{XMLName: xml.Name{Local: f.name}, Value: f.value})
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil { // Cannot happen: every field is a string.
		out = []byte("<Error><Code>" + e.code + "</Code></Error>")
	}
	return append([]byte(xml.Header), out...)
}

// writeError answers e. A HEAD response has no body, so, like OSS, the body
// travels base64-encoded in the x-oss-err header, which the SDK decodes.
func writeError(w http.ResponseWriter, r *http.Request, e *ossError, requestID, hostID string) {
	h := w.Header()
	for k, vv := range e.header {
		h[k] = vv
	}
	if e.status == http.StatusNotModified {
		w.WriteHeader(e.status)
		return
	}
	body := e.body(requestID, hostID)
	if e.ec != "" {
		h.Set("x-oss-ec", e.ec)
	}
	h.Set("Content-Type", "application/xml")
	if r.Method == http.MethodHead {
		h.Set("x-oss-err", base64.StdEncoding.EncodeToString(body))
		w.WriteHeader(e.status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}
