package ossappend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// Sentinel errors. The writer wraps them with the bucket, key, position and
// cause, so callers branch with errors.Is and read the detail in the text.
var (
	// ErrClosed is returned by Write, ReadFrom, Flush and Sync after Close
	// or Shutdown has begun.
	ErrClosed = errors.New("ossappend: writer is closed")

	// ErrInvalidArgument wraps every problem NewWriter finds in its
	// arguments and options before it talks to the network.
	ErrInvalidArgument = errors.New("ossappend: invalid argument")

	// ErrNotAppendable means the key holds an object that cannot be
	// appended to: a Normal object (made by PutObject or a multipart
	// upload), a symlink, or a sealed appendable object.
	ErrNotAppendable = errors.New("ossappend: object is not appendable")

	// ErrConflict means the object no longer holds what this writer
	// appended: another writer appended to it, replaced or deleted it. The
	// writer then moves to a fresh key (see WithRotateKey) and reports the
	// conflict to the error handler, or, with WithFailOnConflict, stops.
	ErrConflict = errors.New("ossappend: object changed by another writer")

	// ErrNoSuchBucket means the bucket does not exist.
	ErrNoSuchBucket = errors.New("ossappend: bucket does not exist")

	// ErrAccessDenied means OSS refused the credentials or their
	// permissions (InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied).
	ErrAccessDenied = errors.New("ossappend: access denied")

	// ErrDropped is returned by Write in non-blocking mode (see
	// WithNonBlocking) for bytes that found no free buffer; they are counted
	// in Stats.DroppedBytes and reported to the error handler.
	ErrDropped = errors.New("ossappend: buffers full, bytes dropped")

	// ErrFrameTooLarge means an encoded frame is larger than the object size
	// limit, so it fits in no object.
	ErrFrameTooLarge = errors.New("ossappend: frame larger than the object size limit")

	// ErrRetriesExhausted means the retry policy gave up on a frame; it
	// wraps the last failure.
	ErrRetriesExhausted = errors.New("ossappend: retries exhausted")
)

// errClass says what the append loop does after a failed request.
type errClass int

const (
	// classUncertain: the request may or may not have been applied
	// (network error, lost response, 5xx, timeout, 409 on a position we
	// believe right); settle it with HeadObject before anything else.
	classUncertain errClass = iota
	// classConflict: the object is not ours any more.
	classConflict
	// classPermanent: retrying cannot help (credentials, missing bucket,
	// bad request).
	classPermanent
	// classCanceled: the writer is being shut down.
	classCanceled
)

func serviceError(err error) *oss.ServiceError {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// classify sorts an error from AppendObject or HeadObject.
func classify(err error) errClass {
	if errors.Is(err, context.Canceled) {
		return classCanceled
	}
	se := serviceError(err)
	if se == nil {
		if strings.Contains(err.Error(), "crc is inconsistent") {
			// The append landed on an object whose earlier bytes are not
			// the ones we stored, or the bytes were damaged on the way.
			return classConflict
		}
		return classUncertain
	}
	switch {
	case se.StatusCode == http.StatusConflict && se.Code == "PositionNotEqualToLength":
		return classUncertain
	case se.StatusCode == http.StatusConflict:
		return classConflict // ObjectNotAppendable, sealed, ...
	case retryableStatus(se.StatusCode):
		return classUncertain
	}
	return classPermanent
}

// retryableStatus reports whether an answer with this HTTP status may be
// followed by a different one: a server error, a timeout, throttling.
func retryableStatus(code int) bool {
	return code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests
}

// isNoSuchKey reports whether err says the object does not exist (in a
// bucket that does).
func isNoSuchKey(err error) bool {
	se := serviceError(err)
	return se != nil && se.StatusCode == http.StatusNotFound && se.Code != "NoSuchBucket"
}

// describe wraps a permanent service error with the sentinel that names
// its cause, if there is one.
func describe(err error) error {
	se := serviceError(err)
	if se == nil {
		return err
	}
	switch {
	case se.Code == "NoSuchBucket":
		return fmt.Errorf("%w: %w", ErrNoSuchBucket, err)
	case se.StatusCode == http.StatusForbidden,
		se.Code == "InvalidAccessKeyId", se.Code == "SignatureDoesNotMatch", se.Code == "AccessDenied":
		return fmt.Errorf("%w: %w", ErrAccessDenied, err)
	case se.Code == "ObjectNotAppendable":
		return fmt.Errorf("%w: %w", ErrNotAppendable, err)
	}
	return err
}
