package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/ossread"
	"github.com/ossappend/ossappend/osstest"
)

// demoCmd is "ossappend demo": the library at work, start to end.
type demoCmd struct {
	Dir       string   `help:"Keep the embedded server's data in DIR (default: a new temporary directory, kept afterwards)." placeholder:"DIR" type:"path"`
	Lines     int      `help:"How many log lines to write (default ${default})." default:"500000"`
	Workers   int      `help:"How many goroutines log at once (default ${default})." default:"4"`
	Compress  string   `help:"Compression: none, gzip, zstd or s2 (default ${default})." default:"zstd" placeholder:"CODEC"`
	FlushSize byteSize `help:"Frame size: the writer appends once this many bytes are buffered (default ${default})." default:"1MiB" placeholder:"SIZE"`
}

const demoBucket = "demo"

// ignoredGlobals are the global flags demo has no use for: its help leaves
// them out.
func (*demoCmd) ignoredGlobals() []string { return []string{"endpoint", "region", "local", "profile"} }

// demoRun is what one run of the demo measured.
type demoRun struct {
	layout  string    // the key layout the writer names its objects by
	series  objectURL // the prefix of every object of the run
	first   objectURL // the object the writer began with
	objects int64     // how many it wrote

	dir        string
	codec      compress.Codec
	lines      int
	elapsed    time.Duration
	stats      ossappend.Stats
	objectSize int64
	p50, p99   time.Duration
	digest     []byte // SHA-256 of the lines written
}

// Run starts osstest in a directory, streams a web service's access log
// through slog and an ossappend.Writer into it, reads the object back,
// verifies it line by line and prints a report. It fails unless the
// verification passed.
func (d *demoCmd) Run(g *globals, e *env) error {
	if err := g.refuse("demo", "--dir DIR keeps the demo's data in DIR"); err != nil {
		return err
	}
	if d.Lines < 1 || d.Workers < 1 {
		return usagef("--lines and --workers must be at least 1")
	}
	codec, err := compress.ByName(d.Compress)
	if err != nil {
		return usagef("--compress %q: want none, gzip, zstd or s2", d.Compress)
	}
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir := d.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "ossappend-demo-"); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	srv, err := osstest.Start(osstest.WithDir(dir), osstest.WithWarnings(warnTo(e.stderr)))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer srv.Close()
	if err := srv.CreateBucket(demoBucket); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// Each run writes under a prefix of its own, named by a key layout:
	// one object an hour, as a fleet of processes would write.
	run := demoRun{dir: dir, codec: codec, lines: d.Lines,
		series: objectURL{demoBucket, fmt.Sprintf("logs/run-%d/", os.Getpid())}}
	run.layout = run.series.Key + "dt=%Y-%m-%d/hour=%H/{host}.log" + codec.Extension()
	fmt.Fprintf(e.stdout, "ossappend demo: OSS-protocol server (osstest) on %s, data in %s\n", srv.Endpoint(), dir)
	fmt.Fprintf(e.stdout, "writing %s log lines with log/slog (%d goroutines) to oss://%s/%s: %s frames of %s\n",
		commas(int64(d.Lines)), d.Workers, demoBucket, run.layout, codec.Name(), humanBytes(int64(d.FlushSize)))

	client := srv.Client()
	if err := d.write(ctx, e, client, &run); err != nil {
		return failed("demo", run.series, err)
	}
	fmt.Fprintf(e.stdout, "reading %s back and checking every line\n", run.series)
	if err := d.verify(ctx, client, &run); err != nil {
		return fmt.Errorf("demo: verification FAILED: %w", err)
	}
	run.report(e.stdout)
	return nil
}

// write streams the log into the objects of the layout and measures it.
func (d *demoCmd) write(ctx context.Context, e *env, client *oss.Client, run *demoRun) error {
	// A rerun in the same --dir by a process of the same id starts afresh.
	if err := deleteUnder(ctx, client, run.series); err != nil {
		return err
	}
	timed := &timedClient{Client: client}
	w, err := ossappend.NewWriter(ctx, timed, demoBucket, run.layout, ossappend.WithKeyLayout(),
		ossappend.WithCodec(run.codec), ossappend.WithFlushSize(int(d.FlushSize)))
	if err != nil {
		return err
	}
	run.first = objectURL{demoBucket, w.Key()}
	rec := newRecorder(w)
	progress := startDemoProgress(e.stdout, d.Lines, rec)
	start := time.Now()
	writeErr := writeLogs(ctx, rec, d.Lines, d.Workers)
	closeErr := w.Close()
	run.elapsed = time.Since(start)
	progress.stop()
	if writeErr != nil {
		return writeErr
	}
	if closeErr != nil {
		return closeErr
	}
	run.stats = w.Stats()
	run.objects = 1 + run.stats.Rotations + run.stats.Rolls
	pcts := timed.percentiles(50, 99)
	run.p50, run.p99 = pcts[0], pcts[1]
	run.digest = rec.digest()
	return nil
}

// verify reads the objects back, every one under the run's prefix in the
// order they were written, and checks them.
func (d *demoCmd) verify(ctx context.Context, client *oss.Client, run *demoRun) error {
	r, err := ossread.NewReader(ctx, client, run.series.Bucket, run.series.Key)
	if err != nil {
		return err
	}
	defer r.Close()
	stored := &countingReader{r: r}
	head, src := peek(stored, 16)
	if got := compress.Detect(head); got != run.codec.Name() {
		return fmt.Errorf("the object is %s-encoded, want %s", got, run.codec.Name())
	}
	// One writer, one codec: the stored bytes decode as one stream.
	dec := compress.NewReader(src)
	defer dec.Close()
	_, err = verifyLogs(dec, d.Lines, d.Workers, run.digest)
	run.objectSize = stored.n
	return err
}

// peek reads the first n bytes of r, or fewer if r has fewer, and returns
// them with a reader of all of r.
func peek(r io.Reader, n int) ([]byte, io.Reader) {
	head := make([]byte, n)
	n, _ = io.ReadFull(r, head)
	head = head[:n]
	return head, io.MultiReader(bytes.NewReader(head), r)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// report prints the demo's findings.
func (r *demoRun) report(out io.Writer) {
	st := r.stats
	secs := max(r.elapsed.Seconds(), 1e-6)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nverified\t%s lines, each goroutine's in order, byte for byte (SHA-256)\n", commas(int64(r.lines)))
	fmt.Fprintf(tw, "accepted\t%s\n", humanBytes(st.BytesWritten))
	fmt.Fprintf(tw, "stored\t%s, %s compression ratio (%s)\n", humanBytes(r.objectSize), ratio(st.BytesWritten, r.objectSize), r.codec.Name())
	fmt.Fprintf(tw, "appends\t%d, latency p50 %s, p99 %s\n", st.Appends, roundLatency(r.p50), roundLatency(r.p99))
	fmt.Fprintf(tw, "throughput\t%s/s, %s lines/s (%s in all)\n", humanBytes(int64(float64(st.BytesWritten)/secs)), commas(int64(float64(r.lines)/secs)), r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "objects\t%d from %s\n", r.objects, r.first)
	fmt.Fprintf(tw, "data\t%s, kept in %s\n", r.series, r.dir)
	fmt.Fprintf(tw, "read it\t%s --local %s cat %s | head -3\n", selfCommand(), shellQuote(r.dir), r.series)
	tw.Flush()
}

func roundLatency(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Microsecond)
}

// selfCommand is how to run this program again: "go run ./cmd/ossappend"
// when it was built by go run, else "ossappend".
func selfCommand() string {
	if strings.Contains(os.Args[0], "go-build") {
		return "go run ./cmd/ossappend"
	}
	return "ossappend"
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=-]+$`)

// shellQuote quotes s for a POSIX shell, if it needs quoting.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// deleteUnder deletes every object under the prefix u.
func deleteUnder(ctx context.Context, client *oss.Client, u objectURL) error {
	p := client.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: &u.Bucket, Prefix: &u.Key})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			if _, err := client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: &u.Bucket, Key: o.Key}); err != nil {
				return err
			}
		}
	}
	return nil
}
