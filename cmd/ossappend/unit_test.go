package main

import (
	"errors"
	"fmt"
	"net"
	neturl "net/url"
	"strings"
	"testing"
	"time"
)

func TestParseObjectURL(t *testing.T) {
	for in, want := range map[string]objectURL{
		"oss://b1/k":                 {"b1", "k"},
		"oss://logs/a/b/c.log.zst":   {"logs", "a/b/c.log.zst"},
		"oss://logs/q?x=1#frag%20ok": {"logs", "q?x=1#frag%20ok"},
	} {
		got, err := parseObjectURL(in)
		if err != nil || got != want {
			t.Errorf("parseObjectURL(%q) = %v, %v; want %v", in, got, err, want)
		}
		if got.String() != in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	for _, in := range []string{"", "oss://", "oss://b", "oss://b/", "oss:///k", "s3://b/k", "b/k", "oss://b/dir/"} {
		if _, err := parseObjectURL(in); !errors.As(err, new(usageError)) {
			t.Errorf("parseObjectURL(%q) = %v, want a usage error", in, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "65536": 65536, "64KiB": 64 << 10, "64k": 64 << 10, "4MiB": 4 << 20, "4M": 4 << 20, "1GB": 1 << 30, "10B": 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1", "4TB", "1.5M", "M"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) succeeded", in)
		}
	}
}

func TestHumanNumbers(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 300000: "300,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 99: 99, 100: 100, 0: 1, 1: 1} {
		if got := nearestRank(d, p); got != want {
			t.Errorf("nearestRank(1..100, %v) = %v, want %v", p, got, want)
		}
	}
	if got := nearestRank(nil, 50); got != 0 {
		t.Errorf("nearestRank(nil) = %v", got)
	}
	if got := nearestRank([]time.Duration{7}, 99); got != 7 {
		t.Errorf("nearestRank([7], 99) = %v", got)
	}
}

// TestMessage checks the line an error becomes: the program's name once,
// keys as oss:// URLs, the flag to use for a codec mismatch, an endpoint
// that is not OSS named as such, no line break, no secret.
func TestMessage(t *testing.T) {
	u := objectURL{"b", "k"}
	lib := errors.New("ossappend: b/k: access denied: You have no right (AccessDenied, HTTP 403, request R1)")
	notOSS := &neturl.Error{Op: "Get", URL: "http://127.0.0.1:8080/b?list-type=2", Err: &errNotOSS{endpoint: "http://127.0.0.1:8080", status: 404}}
	refused := &neturl.Error{Op: "Get", URL: "http://127.0.0.1:1/b?list-type=2",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{lib, "ossappend: b/k: access denied: You have no right (AccessDenied, HTTP 403, request R1)"},
		{failed("pipe", u, lib), "ossappend: pipe: oss://b/k: access denied: You have no right (AccessDenied, HTTP 403, request R1)"},
		{failed("cat", u, errors.New("ossread: b/k: object does not exist, nor does any rotation of it (such as b/k.1)")),
			"ossappend: cat: oss://b/k: object does not exist, nor does any rotation of it (such as oss://b/k.1)"},
		{failed("pipe", u, errors.New("12 bytes not stored: gave up at the second signal")),
			"ossappend: pipe oss://b/k: 12 bytes not stored: gave up at the second signal"},
		{failed("pipe", objectURL{"b", "k.zst"}, errors.New("ossappend: b/k.zst: object is not appendable: it holds zstd frames, "+
			"and appending uncompressed bytes would leave it undecodable; write it with codec zstd, or to another key")),
			"ossappend: pipe: oss://b/k.zst: object is not appendable: it holds zstd frames, and appending uncompressed bytes would leave it undecodable; append with --compress zstd, or to another key"},
		{failed("cat", u, fmt.Errorf("ossread: b/k: list the bucket: object does not exist: %w", notOSS)),
			"ossappend: cat oss://b/k: http://127.0.0.1:8080 does not answer as OSS does (HTTP 404 Not Found, without an OSS request id); is --endpoint right?"},
		{failed("cat", u, fmt.Errorf("ossread: b/k: list the bucket: %w", refused)),
			"ossappend: cat: oss://b/k: list the bucket: dial tcp: connect: connection refused; is the endpoint right, and the server up?"},
		{errors.New("read standard input:\n  broken pipe"), "ossappend: read standard input: broken pipe"},
	} {
		if got := message(tc.err); got != tc.want {
			t.Errorf("message(%q)\n got %q\nwant %q", tc.err, got, tc.want)
		}
		if n := strings.Count(message(tc.err), "ossappend: "); n != 1 {
			t.Errorf("message(%q) names the program %d times", tc.err, n)
		}
	}
	t.Setenv(envAccessKeySecret, "top-secret-123")
	if got := message(errors.New("failed with top-secret-123\nin it")); strings.Contains(got, "top-secret-123") || strings.Contains(got, "\n") {
		t.Errorf("message = %q", got)
	}
}

func TestDurationFlag(t *testing.T) {
	for d, want := range map[time.Duration]string{10 * time.Minute: "10m", time.Second: "1s", 90 * time.Minute: "1h30m", 2 * time.Hour: "2h", 1500 * time.Millisecond: "1.5s"} {
		if got := durationFlag(d); got != want {
			t.Errorf("durationFlag(%v) = %q, want %q", d, got, want)
		}
	}
}
