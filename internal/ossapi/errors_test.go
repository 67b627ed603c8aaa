package ossapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func svc(status int, code string) error {
	return &oss.ServiceError{StatusCode: status, Code: code, Message: "The message.", RequestID: "5C3D9175B6FC201293AD4890"}
}

// sdkWrapped wraps err as the SDK does when a request fails: an operation
// error around it.
func sdkWrapped(err error) error { return fmt.Errorf("operation error AppendObject: %w", err) }

func TestClassify(t *testing.T) {
	dial := &url.Error{Op: "Put", URL: "http://127.0.0.1:1/b/k", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name string
		err  error
		want Class
	}{
		// The caller's context.
		{"canceled", context.Canceled, Canceled},
		{"canceled inside the SDK", sdkWrapped(&oss.CanceledError{Err: context.Canceled}), Canceled},
		{"canceled in the transport", sdkWrapped(&url.Error{Op: "Put", URL: "u", Err: context.Canceled}), Canceled},
		{"deadline: a timeout, like any other", sdkWrapped(context.DeadlineExceeded), Uncertain},
		// The network.
		{"connection refused", sdkWrapped(dial), Uncertain},
		{"connection reset", sdkWrapped(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), Uncertain},
		{"response cut short", sdkWrapped(io.ErrUnexpectedEOF), Uncertain},
		{"EOF", sdkWrapped(io.EOF), Uncertain},
		{"unreadable answer", sdkWrapped(&oss.DeserializationError{Err: errors.New("XML syntax error")}), Uncertain},
		// The SDK's end-to-end CRC-64 check.
		{"CRC-64 mismatch", sdkWrapped(fmt.Errorf("crc is inconsistent, client 1, server 2")), Conflict},
		// OSS's answers.
		{"400 InvalidArgument", sdkWrapped(svc(400, "InvalidArgument")), Permanent},
		{"400 InvalidObjectName", sdkWrapped(svc(400, "InvalidObjectName")), Permanent},
		{"403 RequestTimeTooSkewed: signed again with OSS's time", sdkWrapped(svc(403, "RequestTimeTooSkewed")), Uncertain},
		{"400 BadRequest, as the SDK retries it", sdkWrapped(svc(400, "BadRequest")), Uncertain},
		{"401, as the SDK retries it", sdkWrapped(svc(401, "Unauthorized")), Uncertain},
		{"400 EntityTooLarge: past the size limit", sdkWrapped(svc(400, "EntityTooLarge")), TooLarge},
		{"403 InvalidObjectState: archived", sdkWrapped(svc(403, "InvalidObjectState")), Permanent},
		{"403 AccessDenied", sdkWrapped(svc(403, "AccessDenied")), Permanent},
		{"403 InvalidAccessKeyId", sdkWrapped(svc(403, "InvalidAccessKeyId")), Permanent},
		{"403 SignatureDoesNotMatch", sdkWrapped(svc(403, "SignatureDoesNotMatch")), Permanent},
		{"404 NoSuchBucket", sdkWrapped(svc(404, "NoSuchBucket")), Permanent},
		{"404 NoSuchKey", sdkWrapped(svc(404, "NoSuchKey")), Permanent},
		{"405 MethodNotAllowed", sdkWrapped(svc(405, "MethodNotAllowed")), Permanent},
		{"408 RequestTimeout", sdkWrapped(svc(408, "RequestTimeout")), Uncertain},
		{"409 PositionNotEqualToLength", sdkWrapped(svc(409, "PositionNotEqualToLength")), Uncertain},
		{"409 ObjectNotAppendable", sdkWrapped(svc(409, "ObjectNotAppendable")), Conflict},
		{"409 another conflict", sdkWrapped(svc(409, "FileAlreadyExists")), Conflict},
		{"411 MissingContentLength", sdkWrapped(svc(411, "MissingContentLength")), Permanent},
		{"413 EntityTooLarge", sdkWrapped(svc(413, "EntityTooLarge")), TooLarge},
		{"416 InvalidRange", sdkWrapped(svc(416, "InvalidRange")), Permanent},
		{"429 throttled", sdkWrapped(svc(429, "RequestThrottled")), Uncertain},
		{"500 InternalError", sdkWrapped(svc(500, "InternalError")), Uncertain},
		{"501 NotImplemented", sdkWrapped(svc(501, "NotImplemented")), Uncertain},
		{"502 bad gateway", sdkWrapped(svc(502, "")), Uncertain},
		{"503 ServiceUnavailable", sdkWrapped(svc(503, "ServiceUnavailable")), Uncertain},
		{"504 gateway timeout", sdkWrapped(svc(504, "")), Uncertain},
	}
	for _, tc := range tests {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		err      error
		sentinel error
		text     string
	}{
		{sdkWrapped(svc(404, "NoSuchBucket")), ErrNoSuchBucket, "bucket does not exist: The message (NoSuchBucket, HTTP 404, request 5C3D9175B6FC201293AD4890)"},
		{sdkWrapped(svc(404, "NoSuchKey")), ErrNoSuchKey, "object does not exist: The message (NoSuchKey, HTTP 404"},
		{sdkWrapped(svc(403, "SignatureDoesNotMatch")), ErrAccessDenied, "access denied: The message (SignatureDoesNotMatch, HTTP 403"},
		{sdkWrapped(svc(403, "RequestTimeTooSkewed")), ErrAccessDenied, "(RequestTimeTooSkewed, HTTP 403"},
		{sdkWrapped(svc(409, "ObjectNotAppendable")), ErrNotAppendable, "object is not appendable: The message (ObjectNotAppendable, HTTP 409"},
		{sdkWrapped(svc(500, "InternalError")), nil, "The message (InternalError, HTTP 500"},
		{sdkWrapped(io.ErrUnexpectedEOF), nil, "operation error AppendObject: unexpected EOF"},
	}
	for _, tc := range tests {
		d := Describe(tc.err)
		if !errors.Is(d, tc.err) {
			t.Errorf("Describe(%v) does not wrap the error", tc.err)
		}
		for _, s := range []error{ErrNoSuchBucket, ErrNoSuchKey, ErrAccessDenied, ErrNotAppendable} {
			if errors.Is(d, s) != (s == tc.sentinel) {
				t.Errorf("Describe(%q): errors.Is(%v) = %v", d, s, errors.Is(d, s))
			}
		}
		if text := d.Error(); !strings.Contains(text, tc.text) || strings.Contains(text, "\n") {
			t.Errorf("Describe = %q, want one line with %q", text, tc.text)
		}
	}
	if Describe(nil) != nil {
		t.Error("Describe(nil) != nil")
	}
}

func TestSkewOf(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	skewed := &oss.ServiceError{StatusCode: 403, Code: "RequestTimeTooSkewed", Timestamp: now.Add(-time.Hour)}
	if d, ok := SkewOf(sdkWrapped(skewed), now); !ok || d != -time.Hour {
		t.Fatalf("SkewOf = %v, %v; want -1h", d, ok)
	}
	for _, err := range []error{svc(403, "AccessDenied"), &oss.ServiceError{StatusCode: 403, Code: "RequestTimeTooSkewed"}, io.EOF} {
		if _, ok := SkewOf(err, now); ok {
			t.Errorf("SkewOf(%v) found a skew", err)
		}
	}
}

func TestSealRefusedAndArchived(t *testing.T) {
	for _, tc := range []struct {
		err             error
		refused, archiv bool
	}{
		{sdkWrapped(svc(400, "OperationNotSupported")), true, false},
		{sdkWrapped(svc(403, "AccessDenied")), true, false},
		{sdkWrapped(svc(403, "RequestTimeTooSkewed")), false, false},
		{sdkWrapped(svc(409, "PositionNotEqualToLength")), false, false},
		{sdkWrapped(svc(403, "InvalidObjectState")), true, true},
		{io.EOF, false, false},
	} {
		if got := SealRefused(tc.err); got != tc.refused {
			t.Errorf("SealRefused(%v) = %v", tc.err, got)
		}
		if got := IsArchived(tc.err); got != tc.archiv {
			t.Errorf("IsArchived(%v) = %v", tc.err, got)
		}
	}
	if d := Describe(svc(403, "InvalidObjectState")); !errors.Is(d, ErrArchived) || errors.Is(d, ErrAccessDenied) {
		t.Errorf("Describe of an archived object = %v: want ErrArchived, not ErrAccessDenied", d)
	}
}

func TestIsThrottled(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{sdkWrapped(svc(503, "SlowDown")), true},
		{sdkWrapped(&oss.ServiceError{StatusCode: 503, Code: "ServiceUnavailable", EC: "0004-00000302"}), true},
		{sdkWrapped(svc(429, "TooManyRequests")), true},
		{sdkWrapped(svc(503, "ServiceUnavailable")), false},
		{sdkWrapped(svc(500, "InternalError")), false},
		{io.EOF, false},
	} {
		if got := IsThrottled(tc.err); got != tc.want {
			t.Errorf("IsThrottled(%v) = %v", tc.err, got)
		}
	}
}
