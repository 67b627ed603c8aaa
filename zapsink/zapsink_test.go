package zapsink_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/osstest"
	"github.com/ossappend/ossappend/zapsink"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const bucket = "zapsink-test"

func newServer(t *testing.T) *osstest.Server {
	t.Helper()
	srv := osstest.NewServer()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { zapsink.CloseAll() }) // zap's Build never closes the sinks of the test's loggers
	if err := srv.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	return srv
}

// decoded returns an object's bytes, decoded, and the codec of its first
// frame.
func decoded(t *testing.T, srv *osstest.Server, key string) (string, string) {
	t.Helper()
	obj, ok := srv.Object(bucket, key)
	if !ok {
		t.Fatalf("no object %s", key)
	}
	r := compress.NewReader(bytes.NewReader(obj))
	defer r.Close()
	text, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(text), compress.Detect(obj)
}

// A recorder is an Observer that keeps the writers it hears open and
// counts those it hears close.
type recorder struct {
	mu      sync.Mutex
	writers []*ossappend.Writer
	closed  int
}

func (r *recorder) Opened(w *ossappend.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writers = append(r.writers, w)
}

func (r *recorder) Requested(*ossappend.Writer, ossappend.Request) {}

func (r *recorder) Closed(*ossappend.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed++
}

// counts returns the writers opened and closed so far.
func (r *recorder) counts() (opened, closed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.writers), r.closed
}

// last is the writer opened last.
func (r *recorder) last(t *testing.T) *ossappend.Writer {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.writers) == 0 {
		t.Fatal("no writer opened")
	}
	return r.writers[len(r.writers)-1]
}

// jsonConfig is a production configuration with the output paths given,
// and no timestamps, so that the lines logged are known.
func jsonConfig(paths ...string) zap.Config {
	cfg := zap.NewProductionConfig()
	cfg.EncoderConfig.TimeKey = ""
	cfg.DisableCaller = true
	cfg.Sampling = nil
	cfg.OutputPaths = paths
	cfg.ErrorOutputPaths = []string{"stderr"}
	return cfg
}

// TestConfigBuildWritesWhatZapLogged: a zap configuration with an oss://
// output path, built by zap, writes an object that decodes to the lines
// zap logged, with the codec of the key's extension and the flush
// interval of the URL; the logger's Sync stores them.
func TestConfigBuildWritesWhatZapLogged(t *testing.T) {
	srv := newServer(t)
	rec := &recorder{}
	if err := zapsink.RegisterClient("", srv.Client(), ossappend.WithObserver(rec)); err != nil {
		t.Fatal(err)
	}
	logger, err := jsonConfig("oss://" + bucket + "/logs/app.log.zst?flush=1s").Build()
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("job done", zap.String("job", "resize"), zap.Int("images", 12))
	logger.Warn("slow", zap.Duration("took", 1500*time.Millisecond))
	if err := logger.Sync(); err != nil {
		t.Fatal(err)
	}
	text, codec := decoded(t, srv, "logs/app.log.zst")
	want := `{"level":"info","msg":"job done","job":"resize","images":12}` + "\n" +
		`{"level":"warn","msg":"slow","took":1.5}` + "\n"
	if text != want || codec != "zstd" {
		t.Fatalf("object holds %q in %s, want %q in zstd", text, codec, want)
	}
	w := rec.last(t)
	if info, iv := w.Info(), w.Stats().FlushInterval; info.Codec != "zstd" || info.Key != "logs/app.log.zst" || iv != time.Second {
		t.Errorf("writer %+v, flush interval %v: want zstd and 1s", info, iv)
	}
}

// TestParametersSetTheOptions: each parameter reaches the writer, as its
// Info and Stats show, or as its check of the options does.
func TestParametersSetTheOptions(t *testing.T) {
	srv := newServer(t)
	rec := &recorder{}
	if err := zapsink.RegisterClient("params", srv.Client(), ossappend.WithObserver(rec)); err != nil {
		t.Fatal(err)
	}
	// withoutSeal hides the client's SealAppendObject.
	type withoutSeal struct{ ossappend.Client }
	if err := zapsink.RegisterClient("noseal", withoutSeal{srv.Client()}); err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T, key, query string) (*ossappend.Writer, zapcore.WriteSyncer) {
		t.Helper()
		ws, closeAll, err := zap.Open("oss://" + bucket + "/" + key + "?client=params&" + query)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(closeAll)
		return rec.last(t), ws
	}
	t.Run("codec", func(t *testing.T) {
		for key, want := range map[string]string{
			"p/plain.log": "none", "p/a.log.gz": "gzip", "p/a.log.zst": "zstd", "p/a.log.s2": "s2",
			"p/b.log?codec=s2": "s2", "p/c.log.gz?compress=zstd": "zstd", "p/d.log.zst?codec=none": "none",
		} {
			k, q, _ := strings.Cut(key, "?")
			if w, _ := open(t, k, q); w.Info().Codec != want {
				t.Errorf("%s: codec %s, want %s", key, w.Info().Codec, want)
			}
		}
	})
	t.Run("registered codec", func(t *testing.T) {
		if err := zapsink.RegisterClient("gzip", srv.Client(), ossappend.WithObserver(rec), ossappend.WithCodec(compress.Gzip(compress.DefaultGzipLevel))); err != nil {
			t.Fatal(err)
		}
		for u, want := range map[string]string{"p/registered.log.zst?client=gzip": "gzip", "p/named.log?client=gzip&codec=s2": "s2"} {
			_, closeAll, err := zap.Open("oss://" + bucket + "/" + u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(closeAll)
			if got := rec.last(t).Info().Codec; got != want {
				t.Errorf("%s: codec %s, want %s", u, got, want)
			}
		}
	})
	t.Run("flush", func(t *testing.T) {
		for q, want := range map[string]time.Duration{"flush=250ms": 250 * time.Millisecond, "flush=0": 0, "flush=2m": 2 * time.Minute} {
			if w, _ := open(t, "p/flush-"+q[6:]+".log", q); w.Stats().FlushInterval != want {
				t.Errorf("%s: flush interval %v, want %v", q, w.Stats().FlushInterval, want)
			}
		}
	})
	t.Run("flush-size", func(t *testing.T) {
		w, ws := open(t, "p/small-frames.log", "flush=0&flush-size=16")
		ws.Write([]byte("ten bytes\n"))
		ws.Write([]byte("ten bytes\n")) // does not fit: the first frame is queued
		if n := w.Stats().Frames; n != 1 {
			t.Errorf("%d frames queued after 20 bytes in frames of 16, want 1", n)
		}
	})
	t.Run("layout", func(t *testing.T) {
		w, _ := open(t, "p/dt=%25Y-%25m-%25d/{pid}.log", "layout=true")
		if info := w.Info(); !info.Layout || info.Key != "p/dt=%Y-%m-%d/{pid}.log" {
			t.Errorf("info %+v: want the layout", info)
		}
	})
	t.Run("spool", func(t *testing.T) {
		w, ws := open(t, "p/spooled.log", "flush=0&spool="+url.QueryEscape(t.TempDir()))
		ws.Write([]byte("kept on disk until stored\n"))
		if n := w.Stats().SpooledBytes; n == 0 {
			t.Error("nothing in the spool")
		}
	})
	// Values the writer refuses show that the parameter reached it.
	for _, c := range []struct{ query, want string }{
		{"max-inflight=0", "max inflight 0"},
		{"max-object-size=1KiB&flush-size=4KiB", "flush size 4096: larger than the object size limit 1024"},
		{"spool=" + url.QueryEscape(t.TempDir()) + "&spool-limit=1&flush-size=64", "spool limit 1: smaller than the flush size 64"},
		{"spool-sync=-1s", "spool sync -1s"},
		{"flush=-1s", "flush interval -1s"},
	} {
		_, _, err := zap.Open("oss://" + bucket + "/p/refused.log?client=params&" + c.query)
		if !errors.Is(err, ossappend.ErrInvalidArgument) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrInvalidArgument: %s", c.query, err, c.want)
		}
	}
	_, _, err := zap.Open("oss://" + bucket + "/p/sealed.log?client=noseal&seal=true")
	if !errors.Is(err, ossappend.ErrInvalidArgument) || !strings.Contains(err.Error(), "SealAppendObject") {
		t.Errorf("seal=true with a client that cannot seal: error %v", err)
	}
	if _, closeAll, err := zap.Open("oss://" + bucket + "/p/sealed.log?client=params&seal=1&non-blocking=true"); err != nil {
		t.Errorf("seal and non-blocking: %v", err)
	} else {
		closeAll()
	}
}

// TestBadURLs: a URL the sink cannot follow is an error that says why,
// naming each unknown parameter, and never quoting credentials.
func TestBadURLs(t *testing.T) {
	srv := newServer(t)
	if err := zapsink.RegisterClient("bad", srv.Client()); err != nil {
		t.Fatal(err)
	}
	base := "oss://" + bucket + "/bad/app.log"
	for _, c := range []struct{ url, want string }{
		{base + "?client=bad&flush=1s&colour=red&compresion=zstd", "unknown parameters colour, compresion"},
		{base + "?client=bad&flush=soon", `parameter flush="soon"`},
		{base + "?client=bad&flush-size=lots", `parameter flush-size="lots": want a size`},
		{base + "?client=bad&codec=lz4", `parameter codec="lz4"`},
		{base + "?client=bad&codec=zstd&compress=gzip", "codec and compress are one parameter"},
		{base + "?client=bad&layout=maybe", `parameter layout="maybe": want true or false`},
		{base + "?client=bad&flush=1s&flush=2s", "parameter flush given 2 times"},
		{base + "?client=bad&region=cn-hangzhou", "region and endpoint are for a client built from the environment"},
		{base + "?client=nobody", `no client registered as "nobody"`},
		{"oss://" + bucket + "/?client=bad", "no key"},
		{"oss://" + bucket + ":9000/k?client=bad", "not a port"},
		{"oss:" + bucket + "/k", "want oss://BUCKET/KEY"},
		{"oss://AKID:very-secret@" + bucket + "/k?client=bad", "credentials do not belong in the URL"},
	} {
		_, _, err := zap.Open(c.url)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.url, err, c.want)
			continue
		}
		if ours := errors.Unwrap(err); ours == nil || strings.Contains(ours.Error(), "very-secret") || strings.Contains(ours.Error(), "AKID") {
			t.Errorf("%s: the sink's error %q quotes the credentials", c.url, ours)
		}
	}
}

// TestEnvironmentClient: without a registered client, the sink builds one
// from the environment: credentials, region and endpoint.
func TestEnvironmentClient(t *testing.T) {
	srv := newServer(t)
	zapsink.UnregisterClient("")
	if err := zapsink.Register(); err != nil {
		t.Fatal(err)
	}
	id, secret := srv.Credentials()
	t.Setenv("OSS_ACCESS_KEY_ID", "")
	t.Setenv("OSS_ACCESS_KEY_SECRET", "")
	t.Setenv("OSS_REGION", "")
	t.Setenv("OSS_ENDPOINT", "")
	target := "oss://" + bucket + "/env/app.log"
	if _, _, err := zap.Open(target); err == nil || !strings.Contains(err.Error(), "no credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET") {
		t.Errorf("no credentials: error %v", err)
	}
	t.Setenv("OSS_ACCESS_KEY_ID", id)
	t.Setenv("OSS_ACCESS_KEY_SECRET", secret)
	_, _, err := zap.Open(target)
	if err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("no region: error %v", err)
	}
	if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), id)) {
		t.Errorf("error %q quotes the credentials", err)
	}

	t.Setenv("OSS_REGION", srv.Region())
	logger, err := jsonConfig(target + "?endpoint=" + url.QueryEscape(srv.Endpoint())).Build()
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("from the environment")
	if err := logger.Sync(); err != nil {
		t.Fatal(err)
	}
	if text, _ := decoded(t, srv, "env/app.log"); text != `{"level":"info","msg":"from the environment"}`+"\n" {
		t.Errorf("object holds %q", text)
	}

	t.Setenv("OSS_ENDPOINT", srv.Endpoint())
	logger, err = jsonConfig("oss://" + bucket + "/env/region.log?region=" + srv.Region()).Build()
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("endpoint from the environment")
	if err := logger.Sync(); err != nil {
		t.Fatal(err)
	}
	if text, _ := decoded(t, srv, "env/region.log"); !strings.Contains(text, "endpoint from the environment") {
		t.Errorf("object holds %q", text)
	}
}

// TestOneWriterPerURL: the sinks of one URL share a writer, closed with
// the last of them; a URL in both OutputPaths and ErrorOutputPaths makes
// one writer; the same object with other parameters is refused while it
// is open.
func TestOneWriterPerURL(t *testing.T) {
	srv := newServer(t)
	rec := &recorder{}
	if err := zapsink.RegisterClient("shared", srv.Client(), ossappend.WithObserver(rec)); err != nil {
		t.Fatal(err)
	}
	u := "oss://" + bucket + "/shared/app.log?client=shared&flush=0"
	first, closeFirst, err := zap.Open(u)
	if err != nil {
		t.Fatal(err)
	}
	second, closeSecond, err := zap.Open(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := zap.Open(u + "&codec=gzip"); err == nil || !strings.Contains(err.Error(), "open already with other parameters") {
		t.Errorf("the same object with another codec: error %v", err)
	}
	first.Write([]byte("from the first\n"))
	second.Write([]byte("from the second\n"))
	closeFirst()
	if opened, closed := rec.counts(); opened != 1 || closed != 0 {
		t.Fatalf("%d writers opened, %d closed after the first sink closed: want 1 open", opened, closed)
	}
	if err := second.Sync(); err != nil {
		t.Fatal(err)
	}
	closeSecond()
	if opened, closed := rec.counts(); opened != 1 || closed != 1 {
		t.Fatalf("%d writers opened, %d closed after the last sink closed: want 1 and 1", opened, closed)
	}
	if text, _ := decoded(t, srv, "shared/app.log"); text != "from the first\nfrom the second\n" {
		t.Errorf("object holds %q", text)
	}

	// Once closed, the URL opens a writer anew, with any parameters.
	again, closeAgain, err := zap.Open(u + "&seal=false")
	if err != nil {
		t.Fatal(err)
	}
	again.Write([]byte("a new writer\n"))
	closeAgain()
	if opened, closed := rec.counts(); opened != 2 || closed != 2 {
		t.Fatalf("%d writers opened, %d closed, want 2 and 2", opened, closed)
	}

	// Two configurations, one with the URL in both output paths: one
	// writer.
	one, err := jsonConfig("oss://" + bucket + "/shared/both.log?client=shared").Build()
	if err != nil {
		t.Fatal(err)
	}
	cfg := jsonConfig("oss://" + bucket + "/shared/both.log?client=shared")
	cfg.ErrorOutputPaths = cfg.OutputPaths
	both, err := cfg.Build()
	if err != nil {
		t.Fatal(err)
	}
	one.Info("from the first logger")
	both.Info("from the second")
	if err := both.Sync(); err != nil {
		t.Fatal(err)
	}
	if opened, _ := rec.counts(); opened != 3 {
		t.Errorf("%d writers opened in all, want one more for the three sinks of both configurations", opened)
	}
	want := `{"level":"info","msg":"from the first logger"}` + "\n" + `{"level":"info","msg":"from the second"}` + "\n"
	if text, _ := decoded(t, srv, "shared/both.log"); text != want {
		t.Errorf("object holds %q, want %q", text, want)
	}
}

// TestRegisterIsIdempotent: Register may be called again and at once from
// many goroutines; a nil client is refused; registering a name again
// replaces its client for the sinks opened after.
func TestRegisterIsIdempotent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := zapsink.Register(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := zapsink.RegisterClient("nil", nil); err == nil {
		t.Error("a nil client registered")
	}
	var none *osstestClient
	if err := zapsink.RegisterClient("nil", none); err == nil {
		t.Error("a nil pointer registered as a client")
	}

	old, srv := newServer(t), newServer(t)
	if err := zapsink.RegisterClient("again", old.Client()); err != nil {
		t.Fatal(err)
	}
	if err := zapsink.RegisterClient("again", srv.Client()); err != nil {
		t.Fatal(err)
	}
	ws, closeAll, err := zap.Open("oss://" + bucket + "/again/app.log?client=again")
	if err != nil {
		t.Fatal(err)
	}
	ws.Write([]byte("to the client registered last\n"))
	closeAll()
	if _, ok := srv.Object(bucket, "again/app.log"); !ok {
		t.Error("the client registered last has no object")
	}
	if _, ok := old.Object(bucket, "again/app.log"); ok {
		t.Error("the client replaced has the object")
	}
}

// osstestClient is a client type whose nil pointer must be refused.
type osstestClient struct{ ossappend.Client }

// TestCloseAll: CloseAll closes the writers of every open sink, those of
// loggers zap built included; writes after it fail, closing a sink after
// it is no error, and the URL opens a new writer.
func TestCloseAll(t *testing.T) {
	srv := newServer(t)
	rec := &recorder{}
	if err := zapsink.RegisterClient("all", srv.Client(), ossappend.WithObserver(rec)); err != nil {
		t.Fatal(err)
	}
	u := "oss://" + bucket + "/all/app.log?client=all&seal=true"
	logger, err := jsonConfig(u).Build()
	if err != nil {
		t.Fatal(err)
	}
	ws, closeSink, err := zap.Open(u)
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("before CloseAll")
	if err := zapsink.CloseAll(); err != nil {
		t.Fatal(err)
	}
	if opened, closed := rec.counts(); opened != 1 || closed != 1 {
		t.Fatalf("%d writers opened, %d closed, want 1 and 1", opened, closed)
	}
	if _, err := ws.Write([]byte("after\n")); !errors.Is(err, ossappend.ErrClosed) {
		t.Errorf("a write after CloseAll: %v, want ErrClosed", err)
	}
	closeSink()
	if text, _ := decoded(t, srv, "all/app.log"); text != `{"level":"info","msg":"before CloseAll"}`+"\n" {
		t.Errorf("object holds %q", text)
	}
	if _, closeAgain, err := zap.Open("oss://" + bucket + "/all/other.log?client=all"); err != nil {
		t.Fatal(err)
	} else {
		closeAgain()
	}
	if opened, closed := rec.counts(); opened != 2 || closed != 2 {
		t.Fatalf("%d writers opened, %d closed, want 2 and 2", opened, closed)
	}
}

// TestConcurrentOpens: sinks of one URL opened and closed from many
// goroutines at once share one writer at a time, and every line written
// through them is stored once.
func TestConcurrentOpens(t *testing.T) {
	srv := newServer(t)
	rec := &recorder{}
	if err := zapsink.RegisterClient("concurrent", srv.Client(), ossappend.WithObserver(rec)); err != nil {
		t.Fatal(err)
	}
	u := "oss://" + bucket + "/concurrent/app.log?client=concurrent&flush=0"
	const goroutines, rounds = 8, 5
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for r := range rounds {
				ws, closeSink, err := zap.Open(u)
				if err != nil {
					t.Error(err)
					return
				}
				fmt.Fprintf(ws, "goroutine %d round %d\n", g, r)
				if err := ws.Sync(); err != nil {
					t.Error(err)
				}
				closeSink()
			}
		})
	}
	wg.Wait()
	opened, closed := rec.counts()
	if opened != closed || opened < 1 || opened > goroutines*rounds {
		t.Errorf("%d writers opened, %d closed: want each opened closed", opened, closed)
	}
	text, _ := decoded(t, srv, "concurrent/app.log")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	slices.Sort(lines)
	var want []string
	for g := range goroutines {
		for r := range rounds {
			want = append(want, fmt.Sprintf("goroutine %d round %d", g, r))
		}
	}
	slices.Sort(want)
	if !slices.Equal(lines, want) {
		t.Errorf("object holds %d lines, want each of the %d written once:\n%s", len(lines), len(want), text)
	}
}
