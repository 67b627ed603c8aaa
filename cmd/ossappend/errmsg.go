package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// oneLine renders err as one line for standard error: the SDK's multi-line
// service errors become "Code: Message (HTTP status, request ID)", a
// network failure says which address it could not reach, the repeated
// "ossappend: " and "ossread: " prefixes of wrapped errors go, and no
// credential from the environment shows.
func oneLine(err error) string {
	text := err.Error()
	var se *oss.ServiceError
	if errors.As(err, &se) {
		text = strings.Replace(text, se.Error(), serviceSummary(se), 1)
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		text += "; is the endpoint right, and the server up?"
	}
	text = strings.ReplaceAll(text, "ossappend: ", "")
	text = strings.ReplaceAll(text, "ossread: ", "")
	text = strings.ReplaceAll(text, "operation error ", "")
	text = strings.Join(strings.Fields(text), " ")
	return redact(text)
}

func serviceSummary(se *oss.ServiceError) string {
	msg := strings.TrimSuffix(se.Message, ".")
	s := fmt.Sprintf("%s: %s (HTTP %d", se.Code, msg, se.StatusCode)
	if se.RequestID != "" {
		s += ", request " + se.RequestID
	}
	return s + ")"
}

// secretVariables are the environment variables that hold secrets.
var secretVariables = []string{envAccessKeySecret, envSessionToken,
	"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_OIDC_TOKEN"}

// redact hides secret credentials in s, those of the environment and those
// fetched from elsewhere, should any message ever carry one.
func redact(s string) string {
	for _, name := range secretVariables {
		if v := os.Getenv(name); len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted "+name+"]")
		}
	}
	secrets.Lock()
	defer secrets.Unlock()
	for _, v := range secrets.values {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}
