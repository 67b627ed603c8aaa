package ossapi

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// An endpoint that is not OSS, such as a web server, a proxy's error page
// or another storage service, answers requests it knows nothing of: 404
// for any key, which would read as a missing object, or 200 with a page,
// which would read as an object of some length. OSS sends x-oss-request-id
// with every answer, and more x-oss- headers with most (the type of an
// object, its next append position); these functions tell its answers
// from those of anything else by them.

// fromOSS reports whether an answer with the headers h came from OSS: it
// carries one x-oss- header at least. An answer without headers was made
// by a program, not received (a test's fake client): it is taken at its
// word.
func fromOSS(h http.Header) bool {
	if h == nil {
		return true
	}
	for k := range h {
		if len(k) > len("x-oss-") && strings.EqualFold(k[:len("x-oss-")], "x-oss-") {
			return true
		}
	}
	return false
}

// passing reports whether an answer with this status that does not come
// from OSS may still be followed by one of OSS: a proxy or load balancer
// before OSS answers so while OSS, or the way to it, is down or busy.
func passing(status int) bool {
	return status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}

// NotOSS reports whether err holds an answer that did not come from OSS:
// an error answer without any x-oss- header (the SDK makes it a
// ServiceError, of code BadErrorResponse when its body is not OSS's XML,
// "Failed to parse xml"), a successful answer whose body is not XML at all
// (the SDK's DeserializationError), or an error of CheckAnswer or ObjectOf
// (wrapping ErrNotOSS).
func NotOSS(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrNotOSS) {
		return true
	}
	if se := ServiceError(err); se != nil {
		return !fromOSS(se.Headers)
	}
	var de *oss.DeserializationError
	return errors.As(err, &de) && !xmlBody(de.Snapshot)
}

// xmlBody reports whether an answer's body, whose parsing failed, may
// still be OSS's: every XML body of OSS begins with the XML declaration.
// An empty snapshot says nothing.
func xmlBody(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || bytes.HasPrefix(b, []byte("<?xml"))
}

// CheckAnswer returns nil if h, the headers of a successful answer, are
// those of OSS, and otherwise an error wrapping ErrNotOSS that says why.
// The SDK reads an empty 200 answer to a listing as an empty listing:
// only the headers tell that it did not come from OSS.
func CheckAnswer(h http.Header) error {
	if fromOSS(h) {
		return nil
	}
	return fmt.Errorf("%w: it answered without OSS's headers (x-oss-request-id)%s", ErrNotOSS, server(h))
}

// describeNotOSS is Describe of an answer that did not come from OSS.
func describeNotOSS(err error) error {
	d := &described{err: err, sentinel: ErrNotOSS}
	var b strings.Builder
	var body []byte
	if se := ServiceError(err); se != nil {
		fmt.Fprintf(&b, "HTTP %d %s", se.StatusCode, http.StatusText(se.StatusCode))
		if e := endpointOf(se.RequestTarget); e != "" {
			b.WriteString(" from " + e)
		}
		b.WriteString(", without OSS's headers (x-oss-request-id)")
		b.WriteString(server(se.Headers))
		body = se.Snapshot
		if passing(se.StatusCode) {
			d.sentinel = nil // a proxy before OSS, perhaps: not a verdict
		}
	} else {
		var de *oss.DeserializationError
		errors.As(err, &de)
		b.WriteString("its answer is not XML")
		body = de.Snapshot
	}
	if body = bytes.TrimSpace(body); len(body) > 0 {
		fmt.Fprintf(&b, "; its body begins %.60q", body)
	}
	if d.sentinel != nil {
		d.text = d.sentinel.Error() + ": " + b.String()
	} else {
		d.text = b.String()
	}
	return d
}

// server returns "; Server: NAME" for the Server header of h, or "".
func server(h http.Header) string {
	if s := h.Get("Server"); s != "" {
		return fmt.Sprintf("; Server: %.40q", s)
	}
	return ""
}

// endpointOf returns the scheme and host of the SDK's RequestTarget,
// "GET https://host/path?query", or "" when it has none.
func endpointOf(target string) string {
	_, rawURL, ok := strings.Cut(target, " ")
	if !ok {
		return ""
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
