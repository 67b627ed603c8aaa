package ossapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// This file says what a failed request means for its caller: repeat it,
// look first, give up, or move to a fresh object.

// Class says what to do after a request failed.
type Class int

const (
	// Uncertain: the request may or may not have taken effect (a network
	// error, a lost response, a timeout, a 5xx, 408 or 429 answer, a 409
	// PositionNotEqualToLength). A read is simply repeated; an append is
	// repeated only after HeadObject tells whether it landed.
	Uncertain Class = iota
	// Conflict: the object is not the one the appender knows (a 409 other
	// than PositionNotEqualToLength, or a CRC-64 that disagrees with the
	// bytes stored).
	Conflict
	// Permanent: repeating cannot help (credentials, a missing bucket or
	// object, a bad request).
	Permanent
	// Canceled: the caller's context was canceled.
	Canceled
	// TooLarge: the append would make the object larger than OSS allows
	// (EntityTooLarge, ObjectTooLarge, InvalidObjectSize): it did not
	// land, and goes to a fresh object.
	TooLarge
)

func (c Class) String() string {
	switch c {
	case Uncertain:
		return "uncertain"
	case Conflict:
		return "conflict"
	case Permanent:
		return "permanent"
	case Canceled:
		return "canceled"
	case TooLarge:
		return "too large"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Classify sorts the error of an OSS request. An answer that does not
// come from OSS (see NotOSS) is Permanent, unless its status is one a
// proxy or load balancer before OSS may give for a while (a 5xx, 408,
// 429).
func Classify(err error) Class {
	if errors.Is(err, context.Canceled) {
		return Canceled
	}
	if NotOSS(err) {
		if se := ServiceError(err); se != nil && passing(se.StatusCode) {
			return Uncertain
		}
		return Permanent
	}
	se := ServiceError(err)
	if se == nil {
		if strings.Contains(err.Error(), "crc is inconsistent") {
			// The SDK compared the CRC-64 OSS computed after the append
			// with the one of the bytes the appender believes stored, and
			// they differ: the object held other bytes, or the body was
			// damaged on its way.
			return Conflict
		}
		return Uncertain // network errors, timeouts, lost responses
	}
	switch {
	case se.StatusCode == http.StatusConflict && se.Code == "PositionNotEqualToLength":
		// Our position is right unless another writer appended, or our
		// own earlier append landed without its answer: look and see.
		return Uncertain
	case se.StatusCode == http.StatusConflict:
		return Conflict // ObjectNotAppendable, sealed, ...
	case se.Code == "EntityTooLarge" || se.Code == "ObjectTooLarge" || se.Code == "InvalidObjectSize":
		return TooLarge
	case RetryableStatus(se.StatusCode), retryableCodes[se.Code]:
		return Uncertain
	}
	return Permanent
}

// RetryableStatus reports whether an answer with this HTTP status may be
// followed by a different one: a server error, a timeout, throttling, and
// 401, as the SDK's own retryer has it.
func RetryableStatus(code int) bool {
	return code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code == http.StatusUnauthorized
}

// retryableCodes are the error codes the SDK's own retryer repeats, whatever
// their status: a request signed with a clock too far from OSS's
// (RequestTimeTooSkewed: the machine's clock stepped; the next request is
// signed with OSS's time, see SkewOf), and BadRequest.
var retryableCodes = map[string]bool{"RequestTimeTooSkewed": true, "BadRequest": true}

// SkewOf returns, for an answer of RequestTimeTooSkewed, how far OSS's
// clock is ahead of this machine's (negative if behind), from the Date of
// the answer; ok is false for any other error.
func SkewOf(err error, now time.Time) (skew time.Duration, ok bool) {
	se := ServiceError(err)
	if se == nil || se.Code != "RequestTimeTooSkewed" || se.Timestamp.IsZero() {
		return 0, false
	}
	return se.Timestamp.Sub(now), true
}

// IsThrottled reports whether err says OSS throttles the requests: 429, or
// 503 SlowDown (EC 0004-00000302, requests past the account's or a
// prefix's rate).
func IsThrottled(err error) bool {
	se := ServiceError(err)
	return se != nil && (se.StatusCode == http.StatusTooManyRequests ||
		se.StatusCode == http.StatusServiceUnavailable && (se.Code == "SlowDown" || strings.HasPrefix(se.EC, "0004-00000302")))
}

// SealRefused reports whether err says that OSS does not seal objects for
// this account (400 OperationNotSupported: seal is a feature accounts ask
// for) or these credentials (403: the oss:SealAppendObject action is not
// allowed).
func SealRefused(err error) bool {
	se := ServiceError(err)
	return se != nil && (se.Code == "OperationNotSupported" || se.StatusCode == http.StatusForbidden && se.Code != "RequestTimeTooSkewed")
}

// IsArchived reports whether err says the object cannot be read until it
// is restored: its storage class is Archive, Cold Archive or Deep Cold
// Archive (403 InvalidObjectState).
func IsArchived(err error) bool {
	se := ServiceError(err)
	return se != nil && se.Code == "InvalidObjectState"
}

// IsNoSuchKey reports whether err says the object does not exist (in a
// bucket that does): a 404 from OSS. A 404 from anything else, such as a
// web server at the endpoint, says nothing of the object (see NotOSS).
func IsNoSuchKey(err error) bool {
	se := ServiceError(err)
	return se != nil && se.StatusCode == http.StatusNotFound && se.Code != "NoSuchBucket" && fromOSS(se.Headers)
}
