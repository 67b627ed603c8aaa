package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/transport"
	"github.com/ossappend/ossappend/osstest"
)

// connection is an OSS client and what must be released with it.
type connection struct {
	client *oss.Client
	server *osstest.Server // the embedded server of --local, or nil
}

// Close stops the embedded server, if there is one.
func (c *connection) Close() {
	if c.server != nil {
		c.server.Close()
	}
}

// connect returns a client for the command's target: the embedded server of
// --local, with bucket created, or OSS at --endpoint and --region with the
// credentials of credentialsFor. The embedded server's warnings (damaged
// objects it moved aside on start) go to stderr.
func (g *globals) connect(bucket string, stderr io.Writer) (*connection, error) {
	return g.connectWarn(bucket, warnTo(stderr))
}

// connectWarn is connect, with the embedded server's warnings given to
// warn.
func (g *globals) connectWarn(bucket string, warn func(string)) (*connection, error) {
	if g.Local != "" {
		if g.Profile != "" {
			return nil, usagef("--local needs no credentials: drop --profile")
		}
		return g.connectLocal(bucket, warn)
	}
	if g.Region == "" {
		return nil, usagef("no region: set --region or OSS_REGION, such as cn-hangzhou")
	}
	creds, err := credentialsFor(context.Background(), g.Profile)
	if err != nil {
		return nil, err
	}
	// The SDK's own HTTP client, made as the SDK makes it, that refuses
	// answers that do not come from OSS.
	hc := transport.NewHttpClient(&transport.Config{})
	hc.Transport = ossOnly{hc.Transport}
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(creds).
		WithRegion(g.Region).
		WithUserAgent("ossappend-cli").
		WithHttpClient(hc)
	if g.Endpoint != "" {
		cfg = cfg.WithEndpoint(g.Endpoint)
	}
	return &connection{client: oss.NewClient(cfg)}, nil
}

// ossOnly passes on the answers of OSS, which always carry a request id,
// and turns any other into an errNotOSS: a web server or another service
// at the endpoint answers 404 for an object it knows nothing of, or 200
// with a page for anything, which would read as a missing object or a
// strange one.
type ossOnly struct{ next http.RoundTripper }

func (o ossOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := o.next.RoundTrip(req)
	if err != nil || res.Header.Get("x-oss-request-id") != "" {
		return res, err
	}
	res.Body.Close()
	return nil, &errNotOSS{endpoint: req.URL.Scheme + "://" + req.URL.Host, status: res.StatusCode}
}

// errNotOSS is an answer that does not come from OSS.
type errNotOSS struct {
	endpoint string
	status   int
}

func (e *errNotOSS) Error() string {
	return fmt.Sprintf("%s does not answer as OSS does (HTTP %d %s, without an OSS request id); is --endpoint right?",
		e.endpoint, e.status, http.StatusText(e.status))
}

// connectLocal starts an osstest server that keeps its data in --local.
// --endpoint, --region and the credentials do not matter then.
func (g *globals) connectLocal(bucket string, warn func(string)) (*connection, error) {
	srv, err := osstest.Start(osstest.WithDir(g.Local), osstest.WithWarnings(warn))
	if errors.Is(err, osstest.ErrDirInUse) {
		return nil, fmt.Errorf("%w; to share it, run 'ossappend serve --dir %s' and point both at it", err, g.Local)
	}
	if err != nil {
		return nil, fmt.Errorf("start the embedded server in %s: %w", g.Local, err)
	}
	if bucket != "" {
		if err := srv.CreateBucket(bucket); err != nil {
			srv.Close()
			return nil, fmt.Errorf("create bucket %s in %s: %w", bucket, g.Local, err)
		}
	}
	return &connection{client: srv.Client(), server: srv}, nil
}

// warnTo returns a function that prints the embedded server's warnings on
// w, one line each.
func warnTo(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintln(w, "ossappend: warning:", msg) }
}
