package ossread_test

// Tests of readers pointed at an endpoint that is not OSS.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend/ossread"
)

// webClient returns an SDK client of a server that answers every request
// as a web server does: status, and a page but to HEAD.
func webClient(t *testing.T, status int) *oss.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			io.WriteString(w, "<!DOCTYPE html>\n<html><body>It works.</body></html>\n")
		}
	}))
	t.Cleanup(srv.Close)
	return oss.NewClient(oss.NewConfig().WithRegion("cn-hangzhou").WithEndpoint(srv.URL).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider("id", "secret")))
}

// TestReadNotOSS: a web server at the endpoint, answering 404 or 200 to
// everything, is reported as not OSS by NewReader and NewFollower, for a
// chain, a prefix or one object, even when told to wait for the object to
// be created: no missing object to wait for, no empty series, no object
// of some length.
func TestReadNotOSS(t *testing.T) {
	ctx := context.Background()
	for _, status := range []int{http.StatusNotFound, http.StatusOK} {
		c := webClient(t, status)
		for name, open := range map[string]func(opts ...ossread.Option) error{
			"chain": func(opts ...ossread.Option) error {
				_, err := ossread.NewReader(ctx, c, followBucket, "logs/app.log", opts...)
				return err
			},
			"prefix": func(opts ...ossread.Option) error {
				_, err := ossread.NewReader(ctx, c, followBucket, "logs/", opts...)
				return err
			},
			"only": func(opts ...ossread.Option) error {
				_, err := ossread.NewReader(ctx, c, followBucket, "logs/app.log", append(opts, ossread.Only())...)
				return err
			},
			"follower": func(opts ...ossread.Option) error {
				_, err := ossread.NewFollower(ctx, c, followBucket, "logs/app.log", opts...)
				return err
			},
		} {
			for _, wait := range []bool{false, true} {
				var opts []ossread.Option
				if wait {
					opts = append(opts, ossread.WithFollow(), ossread.WithWaitForObject())
				}
				err := open(opts...)
				if !errors.Is(err, ossread.ErrNotOSS) || errors.Is(err, ossread.ErrNoSuchKey) {
					t.Errorf("%d, %s, wait %v: %v; want ErrNotOSS", status, name, wait, err)
					continue
				}
				if !strings.HasPrefix(err.Error(), "ossread: ") || !strings.Contains(err.Error(), "does not answer as OSS does") || strings.Contains(err.Error(), "\n") {
					t.Errorf("%d, %s: %q: want one line that says so", status, name, err)
				}
			}
		}
	}
}
