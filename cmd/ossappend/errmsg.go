package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// oneLine renders err as one line: it folds whitespace (an error from
// elsewhere may span lines), says where to look when a connection was
// refused, and hides every credential it knows of.
func oneLine(err error) string {
	text := requestURL.ReplaceAllString(err.Error(), "")
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		text += "; is the endpoint right, and the server up?"
	}
	return redact(strings.Join(strings.Fields(text), " "))
}

// requestURL matches the method and URL that net/http puts in front of
// the error of a request: the URL, query and all, says nothing the
// message does not.
var requestURL = regexp.MustCompile(`\b(Get|Head|Post|Put|Delete) "[^"]*": `)

// message is the line standing for err on standard error: the program's
// name once, then what failed and why (see cmdError).
func message(err error) string {
	return "ossappend: " + reason(err)
}

// reason is err as message shows it, without the program's name: the
// names of the packages that made it left out (the library's errors begin
// with "ossappend: " or "ossread: "), the keys of a cmdError's bucket
// shown as oss:// URLs, the flag to use named for a codec mismatch, and an
// endpoint that answers as OSS does not named as such.
func reason(err error) string {
	var ce *cmdError
	if !errors.As(err, &ce) {
		return stripPackages(oneLine(err))
	}
	inner := stripPackages(oneLine(ce.err))
	if why := notOSS(ce.err); why != "" {
		inner = why
	}
	inner = strings.ReplaceAll(inner, "write it with codec ", "append with --compress ")
	label := ce.cmd
	if !mentions(inner, ce.url.Bucket) {
		label += " " + ce.url.String()
	}
	return label + ": " + urlify(inner, ce.url.Bucket)
}

// cmdError is the failure of a command on an object, or the objects of a
// series, of one bucket.
type cmdError struct {
	cmd string    // "pipe", "cat", "ls"
	url objectURL // what the command was given
	err error
}

func (c *cmdError) Error() string { return c.cmd + " " + c.url.String() + ": " + c.err.Error() }
func (c *cmdError) Unwrap() error { return c.err }

// failed returns err as the failure of command cmd on u.
func failed(cmd string, u objectURL, err error) error {
	return &cmdError{cmd: cmd, url: u, err: err}
}

// packagePrefixes are the names the library's packages put in front of
// their errors.
var packagePrefixes = []string{"ossappend: ", "ossread: "}

// stripPackages leaves the package names out of text, wherever an error
// begins in it.
func stripPackages(text string) string {
	for _, p := range packagePrefixes {
		text = strings.TrimPrefix(text, p)
		text = strings.ReplaceAll(text, ": "+p, ": ")
		text = strings.ReplaceAll(text, "; "+p, "; ")
	}
	return text
}

// bucketKey matches "BUCKET/" where a key of a bucket begins in a
// message: at its start or after a space, a parenthesis or a quote.
func bucketKey(bucket string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[\s("'])` + regexp.QuoteMeta(bucket) + `/`)
}

// mentions reports whether text names an object of bucket.
func mentions(text, bucket string) bool {
	return bucket != "" && bucketKey(bucket).MatchString(text)
}

// urlify writes the keys of bucket in text, "bucket/key" in the
// library's errors, as oss://bucket/key.
func urlify(text, bucket string) string {
	if bucket == "" {
		return text
	}
	return bucketKey(bucket).ReplaceAllString(text, "${1}oss://"+bucket+"/")
}

// notOSS returns what to say when err holds an answer that does not come
// from OSS (see ossOnly), "" otherwise.
func notOSS(err error) string {
	var e *errNotOSS
	if errors.As(err, &e) {
		return e.Error()
	}
	return ""
}

// describe returns an error of the OSS SDK in one line: an OSS error
// answer as "message (code, HTTP status, request id)" instead of the SDK's
// eight lines. It wraps err.
func describe(err error) error {
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		var op *oss.OperationError
		if errors.As(err, &op) && op.Unwrap() != nil {
			return fmt.Errorf("%w", op.Unwrap())
		}
		return err
	}
	msg := strings.TrimSuffix(strings.TrimSpace(se.Message), ".")
	if msg == "" {
		msg = http.StatusText(se.StatusCode)
	}
	text := fmt.Sprintf("%s (%s, HTTP %d", msg, se.Code, se.StatusCode)
	if se.RequestID != "" {
		text += ", request " + se.RequestID
	}
	return &described{text: text + ")", err: err}
}

// described is an error of describe.
type described struct {
	text string
	err  error
}

func (d *described) Error() string { return d.text }
func (d *described) Unwrap() error { return d.err }

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
