// Package zapsink lets a zap configuration write its logs to an
// appendable OSS object by URL:
//
//	zapsink.Register() // or RegisterClient, with a client of one's own
//	cfg := zap.NewProductionConfig()
//	cfg.OutputPaths = []string{"oss://app-logs/api/app.log.zst?flush=1s"}
//	logger, err := cfg.Build()
//	...
//	defer logger.Sync() // stores what was logged
//
// Register registers the scheme "oss" with zap.RegisterSink; each
// oss://BUCKET/KEY URL in OutputPaths or ErrorOutputPaths then opens an
// ossappend.Writer of KEY in BUCKET. It is a module of its own, so that the
// ossappend module does not depend on zap.
//
// # Parameters
//
// The URL's query sets the writer's options:
//
//	flush=DURATION        WithFlushInterval: 1s, 200ms, 0 (off)
//	flush-size=SIZE       WithFlushSize: 4194304, 4MiB, 512KiB
//	codec=NAME            WithCodec: none, gzip, zstd or s2; compress=NAME is the same.
//	                      Default: the registered client's options' codec, or else the
//	                      key's extension's (.gz, .zst, .s2), as compress.ByExtension
//	layout=true           WithKeyLayout: KEY is a layout, its verbs escaped as %25Y, %25m, ...
//	spool=DIR             WithSpool
//	spool-limit=SIZE      WithSpoolLimit
//	spool-sync=DURATION   WithSpoolSync
//	max-object-size=SIZE  WithMaxObjectSize
//	max-inflight=N        WithMaxInflight
//	non-blocking=true     WithNonBlocking: drop logs rather than wait when OSS is slow
//	seal=true             WithSealOnClose
//	client=NAME           the client registered as NAME (see RegisterClient)
//	region=REGION         the region of a client built from the environment (default OSS_REGION)
//	endpoint=URL          its endpoint, escaped (default OSS_ENDPOINT, or the region's)
//
// A parameter the sink does not know is an error that names it, as is a
// bad value. A layout's verbs must be escaped, since '%' starts an escape
// in a URL: "oss://logs/app/dt=%25Y-%25m-%25d/{host}.log.zst?layout=true".
//
// # Clients
//
// A URL's writer uses the client registered by RegisterClient under the
// name its client parameter gives, or, without one, under the empty name.
// When no client is registered under the empty name, a URL without a
// client parameter gets a client of its own, built from the environment:
// the credentials of OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and
// OSS_SESSION_TOKEN (the OSS SDK's environment provider), the region of
// the region parameter or OSS_REGION, and the endpoint of the endpoint
// parameter or OSS_ENDPOINT. Credentials never go in the URL: one with a
// user or a password is refused (zap quotes the URL in its error).
//
// # Sync and Close
//
// A sink's Sync is the writer's: without a spool, everything logged
// before it is stored in OSS when it returns; with one, it is on the
// spool's disk. Close closes the writer. zap's Config.Build never closes
// its sinks: call the logger's Sync before the process exits, which
// stores what was logged, and CloseAll to close the writers; or open the
// sinks with zap.Open and call the function it returns to close them.
//
// The sinks of one URL share one writer while any of them is open, so
// that a URL in both OutputPaths and ErrorOutputPaths, or in the
// configurations of two loggers, appends to its object from one writer:
// the writer is closed when the last of them is. A URL of the same bucket,
// key and client with other parameters is an error while the first is
// open.
package zapsink

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sync"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"go.uber.org/zap"
)

// Scheme is the URL scheme the sink registers with zap.
const Scheme = "oss"

// The environment variables a client built from the environment reads.
const (
	envAccessKeyID     = "OSS_ACCESS_KEY_ID"
	envAccessKeySecret = "OSS_ACCESS_KEY_SECRET"
	envRegion          = "OSS_REGION"
	envEndpoint        = "OSS_ENDPOINT"
)

var (
	registerOnce sync.Once
	registerErr  error

	mu      sync.Mutex
	clients = map[string]registered{} // by name
	open    = map[sharedKey]*shared{} // the writers of open sinks
)

// registered is a client and the options its writers get.
type registered struct {
	client ossappend.Client
	opts   []ossappend.Option
}

// Register registers the scheme "oss" with zap, so that zap opens
// oss://BUCKET/KEY URLs with this package. It does so once for the
// process: it may be called any number of times, from any goroutine, and
// returns the first call's result, an error if another package registered
// the scheme first.
func Register() error {
	registerOnce.Do(func() {
		if err := zap.RegisterSink(Scheme, newSink); err != nil {
			registerErr = fmt.Errorf("zapsink: %w", err)
		}
	})
	return registerErr
}

// RegisterClient registers the scheme with zap as Register does, and
// makes client the one the writers of URLs whose client parameter is name
// use, with opts before the options the URL gives (WithObserver,
// WithRequestBudget, WithErrorHandler, and any other option a URL cannot
// say). The empty name is the client of the URLs without a client
// parameter. Registering a name again replaces its client and options for
// the sinks opened after; those open keep theirs. It is safe to call from
// any goroutine.
func RegisterClient(name string, client ossappend.Client, opts ...ossappend.Option) error {
	if client == nil || reflect.ValueOf(client).Kind() == reflect.Pointer && reflect.ValueOf(client).IsNil() {
		return fmt.Errorf("zapsink: register client %q: the client is nil", name)
	}
	if err := Register(); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	clients[name] = registered{client: client, opts: slices.Clone(opts)}
	return nil
}

// newSink is the sink factory zap calls for an oss:// URL.
func newSink(u *url.URL) (zap.Sink, error) {
	t, err := parseTarget(u)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("zapsink: oss://%s/%s", t.bucket, t.key)
	k := sharedKey{client: t.client, bucket: t.bucket, key: t.key}
	mu.Lock()
	for s := open[k]; s != nil; s = open[k] {
		if s.busy != nil { // opening or closing: see what it comes to
			busy := s.busy
			mu.Unlock()
			<-busy
			mu.Lock()
			continue
		}
		if s.query != t.query {
			mu.Unlock()
			return nil, fmt.Errorf("%s: open already with other parameters (%q, not %q): one writer per object", where, s.query, t.query)
		}
		s.refs++
		mu.Unlock()
		return &sink{s: s}, nil
	}
	reg, ok := clients[t.client]
	switch {
	case ok && (t.region != "" || t.endpoint != ""):
		err = errors.New("region and endpoint are for a client built from the environment, and a client is registered")
	case !ok && t.client != "":
		err = fmt.Errorf("no client registered as %q", t.client)
	case !ok:
		reg.client, err = environmentClient(t)
	}
	if err != nil {
		mu.Unlock()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	// Other sinks of the object wait while it opens, rather than open a
	// writer of their own.
	s := &shared{key: k, query: t.query, busy: make(chan struct{})}
	open[k] = s
	mu.Unlock()
	// The codec of the key's extension, unless the registration or the
	// URL names one.
	opts := slices.Concat([]ossappend.Option{ossappend.WithCodec(compress.ByExtension(t.key))}, reg.opts, t.opts)
	w, err := ossappend.NewWriter(context.Background(), reg.client, t.bucket, t.key, opts...)
	mu.Lock()
	busy := s.busy
	s.busy = nil
	if err != nil {
		delete(open, k)
	} else {
		s.w, s.refs = w, 1
	}
	mu.Unlock()
	close(busy)
	if err != nil {
		return nil, fmt.Errorf("zapsink: %w", err)
	}
	return &sink{s: s}, nil
}

// environmentClient builds a client from the environment: the SDK's
// environment credentials, and the target's region and endpoint or the
// environment's.
func environmentClient(t *target) (ossappend.Client, error) {
	if os.Getenv(envAccessKeyID) == "" || os.Getenv(envAccessKeySecret) == "" {
		return nil, fmt.Errorf("no credentials: set %s and %s, or register a client", envAccessKeyID, envAccessKeySecret)
	}
	region, endpoint := t.region, t.endpoint
	if region == "" {
		region = os.Getenv(envRegion)
	}
	if endpoint == "" {
		endpoint = os.Getenv(envEndpoint)
	}
	if region == "" {
		return nil, errors.New("no region: give region=REGION or set " + envRegion + ", such as cn-hangzhou")
	}
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewEnvironmentVariableCredentialsProvider()).
		WithRegion(region)
	if endpoint != "" {
		cfg = cfg.WithEndpoint(endpoint)
	}
	return oss.NewClient(cfg), nil
}

// sharedKey names the object of a writer and the client it goes through.
type sharedKey struct {
	client, bucket, key string
}

// shared is a writer and the sinks open on it.
type shared struct {
	key   sharedKey
	query string
	w     *ossappend.Writer // set once it is open
	refs  int               // the sinks open on w; guarded by mu
	busy  chan struct{}     // while the writer opens or closes, closed when it is done; guarded by mu
	gone  bool              // closed by CloseAll; guarded by mu
}

// A sink is one zap sink of a shared writer.
type sink struct {
	s    *shared
	once sync.Once
	err  error
}

// Write writes p to the writer.
func (s *sink) Write(p []byte) (int, error) { return s.s.w.Write(p) }

// Sync is the writer's Sync: what was written before it is stored, or,
// with a spool, on its disk.
func (s *sink) Sync() error { return s.s.w.Sync() }

// Close closes the sink, and the writer if no other sink is open on it.
// Closing a sink again does nothing more and returns the same error.
func (s *sink) Close() error {
	s.once.Do(func() {
		sh := s.s
		mu.Lock()
		if sh.gone { // CloseAll closed it: its error
			mu.Unlock()
			s.err = sh.w.Close()
			return
		}
		sh.refs--
		last := sh.refs == 0
		if last {
			sh.busy = make(chan struct{}) // a sink of the object opened meanwhile waits for the close
		}
		mu.Unlock()
		if !last {
			return
		}
		s.err = sh.w.Close()
		mu.Lock()
		delete(open, sh.key)
		busy := sh.busy
		sh.busy = nil
		mu.Unlock()
		close(busy)
	})
	return s.err
}

// CloseAll closes the writer of every open sink, for the end of the
// process: zap's Config.Build never closes its sinks, so without it a
// writer is never closed (its bytes are stored by the logger's Sync all
// the same, but an object is sealed, with seal=true, only by Close). It
// waits for sinks being opened or closed, and returns the writers' errors,
// joined. Writes to the sinks after it fail with ossappend.ErrClosed; a
// URL opened after it opens a writer anew.
func CloseAll() error {
	mu.Lock()
	for {
		var busy chan struct{}
		for _, sh := range open {
			if sh.busy != nil {
				busy = sh.busy
				break
			}
		}
		if busy == nil {
			break
		}
		mu.Unlock()
		<-busy
		mu.Lock()
	}
	var ws []*ossappend.Writer
	for k, sh := range open {
		sh.gone = true
		ws = append(ws, sh.w)
		delete(open, k)
	}
	mu.Unlock()
	var errs []error
	for _, w := range ws {
		errs = append(errs, w.Close())
	}
	return errors.Join(errs...)
}
