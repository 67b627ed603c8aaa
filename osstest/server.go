package osstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/transport"
)

// The credentials and region a Server accepts unless told otherwise. They
// are fake: they open nothing but an osstest server.
const (
	AccessKeyID     = "osstest-access-key-id"
	AccessKeySecret = "osstest-access-key-secret"
	Region          = "cn-hangzhou"
)

// DefaultMaxObjectSize is the largest object a Server accepts by default:
// 5 GiB, the limit OSS sets on objects written by AppendObject or PutObject.
const DefaultMaxObjectSize int64 = 5 << 30

// An Option configures a Server.
type Option func(*options)

type options struct {
	accessKeyID     string
	accessKeySecret string
	region          string
	dir             string
	maxObjectSize   int64
	faultSeed       int64
	faults          []Fault
	anonymous       bool
	addr            string
	logger          *slog.Logger
	warnings        func(string)
	limited         map[string]limitedKey
	noSeal          bool
	maxAppendSize   int64
	listingDelay    time.Duration
	restoreDelay    time.Duration
	throttle        Throttle
}

// WithCredentials sets the access key pair the server accepts in place of
// AccessKeyID and AccessKeySecret.
func WithCredentials(id, secret string) Option {
	return func(o *options) { o.accessKeyID, o.accessKeySecret = id, secret }
}

// WithRegion sets the region the server is in, which V4 signatures must
// name; the default is Region.
func WithRegion(region string) Option {
	return func(o *options) { o.region = region }
}

// WithDir makes the server keep its buckets and objects under the directory
// dir, which it creates if needed, for its user alone. Every change is
// fsynced before it is answered, and a server started on the same
// directory later sees the same buckets, objects and metadata. An append
// cut short by a crash is never visible after a restart. Object bytes are
// served from their files: the server's memory does not grow with what it
// stores.
//
// One server at a time uses a directory: Start locks it, Close releases
// it, and a second server on it, in this process or another, fails to
// start with an error that wraps ErrDirInUse. The lock ends with the
// process however it ends, except on systems without a lock the operating
// system releases (see the README).
//
// On start the server checks every stored object against the CRC-64 in its
// record. It never deletes or cuts what it cannot tell is its own leftover
// from a crash: a damaged object is moved to the folder _quarantine in
// dir, an appendable one is served again from the longest part of it that
// verifies, and each such finding is a warning (see WithWarnings). Without
// WithDir the server keeps everything in memory only.
func WithDir(dir string) Option {
	return func(o *options) { o.dir = dir }
}

// WithMaxObjectSize sets the largest object, in bytes, that AppendObject and
// PutObject may produce; the default is DefaultMaxObjectSize. A request
// that would go past it fails with 400 EntityTooLarge and changes nothing.
func WithMaxObjectSize(n int64) Option {
	return func(o *options) { o.maxObjectSize = n }
}

// WithMaxAppendableSize sets the largest object, in bytes, that appends may
// make, so that a test can reach the limit without writing 5 GiB; the
// default is the limit of WithMaxObjectSize. An append that would go past
// it fails with 400 EntityTooLarge and changes nothing, and the object
// takes appends again that stay within it.
func WithMaxAppendableSize(n int64) Option {
	return func(o *options) { o.maxAppendSize = n }
}

// WithoutSeal makes the server answer SealAppendObject as OSS answers it
// for the accounts that have not asked for the feature: 400
// OperationNotSupported, "SealAppendable is not supported", EC
// 0016-00000513, and nothing is sealed.
func WithoutSeal() Option {
	return func(o *options) { o.noSeal = true }
}

// WithListingDelay makes an object show in ListObjects, ListObjectsV2 and
// ListObjectVersions only once d has passed since it was created, as a
// listing of OSS may lag behind a write; GetObject and HeadObject see it at
// once. See also (*Server).SetListingDelay.
func WithListingDelay(d time.Duration) Option {
	return func(o *options) { o.listingDelay = d }
}

// WithFaults makes the server inject the given faults, drawing from a
// random source seeded with seed. See Fault and (*Server).SetFaults.
func WithFaults(seed int64, faults ...Fault) Option {
	return func(o *options) { o.faultSeed, o.faults = seed, append([]Fault(nil), faults...) }
}

// WithAnonymous makes the server accept unsigned requests. Without it an
// unsigned request is refused with 403 AccessDenied. Signed requests are
// checked either way.
func WithAnonymous() Option {
	return func(o *options) { o.anonymous = true }
}

// WithAddr sets the TCP address the server listens on, such as
// "127.0.0.1:9000" or ":9000"; the default is "127.0.0.1:0", a free port on
// the loopback interface.
func WithAddr(addr string) Option {
	return func(o *options) { o.addr = addr }
}

// WithLogger makes the server log each request (operation, bucket, key,
// status, duration) at debug level, and its own troubles at warning level,
// to logger. It never logs credentials or signatures. By default nothing is
// logged.
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) { o.logger = logger }
}

// WithWarnings makes the server tell warn, in one line of text each, what a
// user should hear about: damaged or unknown files found on start in the
// directory of WithDir and what was done with them, and requests that
// failed for the server's own reasons (a disk error, say). Warnings go to
// the logger of WithLogger too. warn may be called from several goroutines
// at once, and during Start.
func WithWarnings(warn func(msg string)) Option {
	return func(o *options) { o.warnings = warn }
}

// A Server is an OSS-protocol HTTP server for tests, in the manner of
// net/http/httptest.Server. The Alibaba Cloud OSS SDK for Go v2 talks to it
// as it talks to OSS. A Server is safe for concurrent use.
type Server struct {
	opts     options
	clock    *clock
	lag      atomic.Int64 // the listing delay, in nanoseconds
	limiter  *limiter
	store    *store
	faults   *injector
	stats    *counters
	handler  http.Handler
	ln       net.Listener
	srv      *http.Server
	endpoint string
	served   chan struct{}
	active   tracker
	ids      requestIDs

	mu        sync.Mutex
	clients   []*http.Client
	closeOnce sync.Once
	cancel    context.CancelFunc // ends the requests' context
}

// NewServer starts and returns a Server listening on a free port of the
// loopback interface (or where WithAddr says). It panics if the server
// cannot start, as httptest.NewServer does; use Start to get an error
// instead. The caller should call Close when done.
func NewServer(opts ...Option) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Start starts and returns a Server, or reports why it could not start:
// the address could not be listened on, or the directory given to WithDir
// could not be read. The caller should call Close when done.
func Start(opts ...Option) (*Server, error) {
	o := options{
		accessKeyID:     AccessKeyID,
		accessKeySecret: AccessKeySecret,
		region:          Region,
		maxObjectSize:   DefaultMaxObjectSize,
		addr:            "127.0.0.1:0",
	}
	for _, fn := range opts {
		fn(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if o.maxObjectSize <= 0 {
		return nil, fmt.Errorf("osstest: invalid maximum object size %d", o.maxObjectSize)
	}
	if o.maxAppendSize == 0 || o.maxAppendSize > o.maxObjectSize {
		o.maxAppendSize = o.maxObjectSize
	}
	if o.maxAppendSize < 0 {
		return nil, fmt.Errorf("osstest: invalid maximum appendable size %d", o.maxAppendSize)
	}
	s := &Server{opts: o, clock: &clock{}, stats: newCounters(), faults: newInjector(o.faultSeed, o.faults),
		limiter: newLimiter(o.throttle), served: make(chan struct{})}
	s.lag.Store(int64(o.listingDelay))
	if o.dir != "" {
		d, buckets, err := openDisk(o.dir, s.warn)
		if err != nil {
			return nil, err
		}
		s.store = newStore(d, buckets)
	} else {
		s.store = newStore(nil, nil)
	}
	s.store.now = func() time.Time { return s.clock.now().UTC().Truncate(time.Second) }
	s.handler = http.HandlerFunc(s.serveHTTP)

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		s.store.close()
		return nil, fmt.Errorf("osstest: listen on %s: %w", o.addr, err)
	}
	s.ln = ln
	s.endpoint = "http://" + connectableAddr(ln.Addr())
	// Requests live in a context that Close cancels: a handler waiting
	// out an injected latency before it reads the body would not otherwise
	// notice that the connection is gone.
	base, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: time.Minute,
		ErrorLog:          slog.NewLogLogger(o.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			o.logger.Warn("osstest: serve", "error", err)
		}
	}()
	return s, nil
}

// connectableAddr turns a listening address into one a client can dial:
// a wildcard host becomes the loopback address.
func connectableAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

// Endpoint returns the server's base URL, such as "http://127.0.0.1:43127",
// for oss.Config.WithEndpoint.
func (s *Server) Endpoint() string { return s.endpoint }

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Region returns the region the server is in.
func (s *Server) Region() string { return s.opts.region }

// Credentials returns the access key pair the server accepts.
func (s *Server) Credentials() (id, secret string) {
	return s.opts.accessKeyID, s.opts.accessKeySecret
}

// Config returns a new SDK configuration for this server: its endpoint, its
// region and its credentials (a static credentials provider). The caller
// may change it before passing it to oss.NewClient.
func (s *Server) Config() *oss.Config {
	return oss.NewConfig().
		WithRegion(s.opts.region).
		WithEndpoint(s.endpoint).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.opts.accessKeyID, s.opts.accessKeySecret))
}

// Client returns a new SDK client configured by Config. Its idle
// connections are closed by Close.
func (s *Server) Client() *oss.Client {
	hc := transport.NewHttpClient(&transport.Config{})
	s.mu.Lock()
	s.clients = append(s.clients, hc)
	s.mu.Unlock()
	return oss.NewClient(s.Config(), func(o *oss.Options) { o.HttpClient = hc })
}

// Handler returns the server's HTTP handler, to serve the OSS protocol from
// another http.Server or from httptest. The faults that drop a response or
// reset a connection need a ResponseWriter that implements http.Hijacker;
// with any other they abort the handler with http.ErrAbortHandler.
func (s *Server) Handler() http.Handler { return s.handler }

// CreateBucket creates a bucket, as PutBucket would. Creating a bucket that
// exists is no error.
func (s *Server) CreateBucket(name string) error {
	if !validBucketName(name) {
		return fmt.Errorf("osstest: create bucket %q: %w", name, errInvalidBucketName)
	}
	err := s.store.createBucket(bucketMeta{Name: name, StorageClass: "Standard", Redundancy: "LRS", ACL: "private"})
	var oe *ossError
	if errors.As(err, &oe) && oe.code == errBucketAlreadyExists.code {
		return nil
	}
	if err != nil {
		return fmt.Errorf("osstest: create bucket %q: %w", name, err)
	}
	return nil
}

// Object returns a copy of an object's bytes and whether the object exists
// (and, with WithDir, could be read).
func (s *Server) Object(bucket, key string) ([]byte, bool) {
	m, body, err := s.store.openObject(bucket, key)
	if err != nil {
		return nil, false
	}
	defer body.Close()
	data := make([]byte, m.Size)
	if _, err := body.ReadAt(data, 0); err != nil && !(errors.Is(err, io.EOF) && m.Size == 0) {
		return nil, false
	}
	return data, true
}

// warn tells the user, through WithWarnings and WithLogger, of msg.
func (s *Server) warn(msg string) {
	s.opts.logger.Warn("osstest: " + msg)
	if s.opts.warnings != nil {
		s.opts.warnings(msg)
	}
}

// Close stops the server: it stops listening, closes every connection,
// waits for the requests being handled to finish, releases the directory
// of WithDir and closes the idle connections of the clients made by
// Client. It is safe to call Close more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancel()
		_ = s.srv.Close()
		<-s.served
		s.active.wait()
		s.store.close()
		s.mu.Lock()
		for _, c := range s.clients {
			c.CloseIdleConnections()
		}
		s.clients = nil
		s.mu.Unlock()
	})
}

// Shutdown stops the server gracefully: it stops listening and waits, until
// ctx is done, for the requests being handled to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		return fmt.Errorf("osstest: shutdown: %w", err)
	}
	s.Close()
	return nil
}

// bucketEndpoint is what ListBuckets and GetBucketInfo give as a bucket's
// endpoints: the server's own host and port, so that clients which connect
// to a bucket's endpoint reach this server.
func (s *Server) bucketEndpoint() string {
	return strings.TrimPrefix(s.endpoint, "http://")
}
