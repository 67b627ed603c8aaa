package ossapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// The sentinel errors both sides report. Package ossappend exports them;
// package ossread reports the same values. Their texts carry no package
// name: an error that leaves a package says its name once, at the outermost
// wrap.
var (
	ErrInvalidArgument  = errors.New("invalid argument")
	ErrNotAppendable    = errors.New("object is not appendable")
	ErrNoSuchBucket     = errors.New("bucket does not exist")
	ErrNoSuchKey        = errors.New("object does not exist")
	ErrAccessDenied     = errors.New("access denied")
	ErrRetriesExhausted = errors.New("retries exhausted")
	ErrArchived         = errors.New("object is archived: restore it to read it")
	ErrNotOSS           = errors.New("endpoint does not answer as OSS does")
)

// ServiceError returns the OSS error answer err holds, or nil.
func ServiceError(err error) *oss.ServiceError {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// Describe returns err as one line, wrapping both err and, where there is
// one, the sentinel that names its cause: ErrNoSuchBucket, ErrNoSuchKey,
// ErrAccessDenied, ErrNotAppendable, ErrArchived, ErrNotOSS. An OSS error
// answer reads "<what>: <message> (<code>, HTTP <status>, request <id>)"
// instead of the SDK's eight lines. An answer that does not come from OSS
// (see NotOSS) says its status, where it came from and how its body
// begins, and wraps ErrNotOSS unless its status is one a proxy before OSS
// may give for a while (see Classify).
func Describe(err error) error {
	if err == nil {
		return nil
	}
	d := &described{err: err}
	if errors.Is(err, ErrNotOSS) {
		d.text = err.Error() // said already, by CheckAnswer
		return d
	}
	if NotOSS(err) {
		return describeNotOSS(err)
	}
	se := ServiceError(err)
	if se == nil {
		d.text = err.Error()
		var op *oss.OperationError
		if errors.As(err, &op) && op.Unwrap() != nil {
			d.text = op.Unwrap().Error() // the caller names the operation
		}
		return d
	}
	switch {
	case se.Code == "NoSuchBucket":
		d.sentinel = ErrNoSuchBucket
	case se.Code == "InvalidObjectState":
		d.sentinel = ErrArchived
	case se.StatusCode == http.StatusNotFound:
		d.sentinel = ErrNoSuchKey
	case se.StatusCode == http.StatusForbidden,
		se.Code == "InvalidAccessKeyId", se.Code == "SignatureDoesNotMatch", se.Code == "AccessDenied":
		d.sentinel = ErrAccessDenied
	case se.Code == "ObjectNotAppendable":
		d.sentinel = ErrNotAppendable
	}
	var b strings.Builder
	if d.sentinel != nil {
		b.WriteString(d.sentinel.Error())
		b.WriteString(": ")
	}
	msg := strings.TrimSuffix(strings.TrimSpace(se.Message), ".")
	if msg == "" {
		msg = http.StatusText(se.StatusCode)
	}
	fmt.Fprintf(&b, "%s (%s, HTTP %d", msg, se.Code, se.StatusCode)
	if se.RequestID != "" {
		fmt.Fprintf(&b, ", request %s", se.RequestID)
	}
	b.WriteString(")")
	d.text = strings.Join(strings.Fields(b.String()), " ")
	return d
}

// described is an error of Describe.
type described struct {
	text     string
	sentinel error // nil if none names the cause
	err      error
}

func (d *described) Error() string { return d.text }

func (d *described) Unwrap() []error {
	if d.sentinel == nil {
		return []error{d.err}
	}
	return []error{d.sentinel, d.err}
}
