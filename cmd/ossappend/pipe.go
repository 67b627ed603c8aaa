package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ossappend/ossappend"
	"github.com/ossappend/ossappend/compress"
	"github.com/ossappend/ossappend/retry"
)

// pipeCmd is "ossappend pipe": standard input into an object.
type pipeCmd struct {
	FlushSize     byteSize      `help:"Append once this many bytes are buffered: the frame size, and the longest line kept whole (default ${default})." default:"${flushSize}" placeholder:"SIZE"`
	FlushInterval time.Duration `help:"Append buffered bytes at least this often; a line without its newline yet waits as long for it. 0 appends only full frames (default ${default})." default:"${flushInterval}" placeholder:"DURATION"`
	Compress      string        `help:"Compression of each frame: none, gzip, zstd or s2 (default: from the key's extension: .gz, .zst, .s2, else none). It must be the existing object's, which is recorded with it." placeholder:"CODEC"`
	Tee           bool          `help:"Also copy the input to standard output."`
	RetryFor      time.Duration `help:"Give up on an append that keeps failing for this long; 0 never gives up (default ${default})." default:"${retryFor}" placeholder:"DURATION"`
	WarnAfter     time.Duration `help:"Warn on standard error once appends have failed for this long, and say when they work again (default ${default})." default:"10s" placeholder:"DURATION"`
	DrainTimeout  time.Duration `help:"On SIGINT or SIGTERM, wait at most this long for what was read to be stored (default ${default}); reading stops at the end of a line (see above)." default:"1m" placeholder:"DURATION"`
	Spool         string        `help:"Keep what is read in files under DIR until OSS has stored it: a pipe killed at any moment, or stopped by a long outage, loses nothing, and the next pipe --spool DIR sends it first, exactly once. DIR must exist." placeholder:"DIR" type:"path"`
	SpoolLimit    byteSize      `help:"With --spool, the most bytes waiting in DIR when OSS is slow or down; reading stops when it is reached (default ${default})." default:"${spoolLimit}" placeholder:"SIZE"`
	SpoolSync     time.Duration `help:"With --spool, sync DIR to disk at least this often, so that a power loss takes at most the input of the last period; 0: only at the end (default ${default})." default:"1s" placeholder:"DURATION"`
	Layout        bool          `help:"The key is a layout that names objects by time and source: %Y %m %d %H %M %S expand to the time (UTC), {host} and {pid} to this process, %% to a %; a new object starts each period, such as 'logs/dt=%Y-%m-%d/hour=%H/{host}.log.zst'. Without --layout, a key holding a verb or a placeholder is refused."`
	Quiet         bool          `short:"q" help:"Print nothing on standard error but warnings and errors: no progress, no summary at the end (--log-level warn)."`
	Progress      *bool         `negatable:"" help:"Show the progress (bytes in, stored, compression ratio, appends): redrawn in place on a terminal, a line every 10s elsewhere. Default: on a terminal only."`
	LogLevel      *string       `help:"Print the messages of this level and above: debug (each request to OSS, too), info (the progress and the summary), warn, error (default: info, or warn with -q)." enum:"debug,info,warn,error" placeholder:"LEVEL"`
	LogFormat     string        `help:"Print messages as text lines, or as json: one JSON object a line, with time, level, msg and attributes such as bucket, key, bytes and duration (default ${default})." enum:"text,json" default:"text" placeholder:"FORMAT"`
	MetricsAddr   string        `help:"Serve the writer's metrics, the Go runtime's and the process's at http://ADDR/metrics, for Prometheus, from before the writer opens until pipe exits: HOST:PORT or :PORT, such as :9464; port 0 picks a free port, which pipe prints." placeholder:"ADDR"`
	MetricsLinger time.Duration `help:"With --metrics-addr, serve the final metrics this long after the writer has closed, so that a last scrape sees them; SIGINT or SIGTERM ends the wait (default ${default}: exit at once)." default:"0s" placeholder:"DURATION"`

	Object string   `arg:"" name:"oss-url" help:"The object to append to, oss://BUCKET/KEY, or with --layout oss://BUCKET/LAYOUT; the first append creates it if it does not exist (empty input creates nothing), and pipe goes on in the newest object of its chain of rotations."`
	Files  []string `arg:"" optional:"" name:"file" help:"Files to copy, one after the other, instead of standard input; - is standard input."`
}

// Help is pipe --help's text below the usage line.
func (*pipeCmd) Help() string {
	return `Copies standard input, or the files given, into the object, in frames of
--flush-size bytes that hold whole lines: a line is split only when it is
longer than --flush-size, or when its writer pauses mid-line for longer
than --flush-interval.

When pipe creates the object, it records the codec with it (user metadata
x-oss-meta-ossappend-codec), and cat decodes it by that record. An object
recorded with another codec is refused, and the message names the
--compress to use.

SIGINT or SIGTERM stops the reading a quarter of a second later, at the end
of a line: a line being read is read on to its newline, for at most 1s and
--flush-size bytes (what that last read brings after the newline is not
stored, as what is still in the pipe is not); a line whose newline does
not come, or after which the input ends, is left out, and one line on
standard error says how many bytes. Everything else read is stored within
--drain-timeout, and pipe exits 0; a second signal gives up.

On a terminal a progress line is redrawn in place, and a summary replaces
it at the end; elsewhere only the summary is printed. -q prints neither,
only warnings and errors.

Messages (warnings, the outage warning and its end, the summary, the error
that ends pipe) are lines of text, or with --log-format json JSON objects,
one a line, for a log collector. --metrics-addr serves the writer's
figures for Prometheus at /metrics (ossappend_accepted_bytes_total,
ossappend_oldest_pending_age_seconds, ...: see the metrics module's
README).`
}

// Run copies the input into the object until it ends or a signal comes,
// then stores everything read, in whole lines. It prints its failure
// itself, in the format of --log-format, then serves the metrics on for
// --metrics-linger.
func (p *pipeCmd) Run(g *globals, e *env) error {
	log, err := p.messages(e.stderr)
	var served *metricsServer
	if err == nil {
		served, err = p.pipe(g, e, log)
	}
	if err != nil {
		log.print(failNote(err))
		err = reported{err}
	}
	served.close(p.MetricsLinger)
	return err
}

// messages returns where pipe's messages go, as --log-format, --log-level
// and -q say; with the error of a contradiction between them.
func (p *pipeCmd) messages(stderr io.Writer) (*messages, error) {
	level := slog.LevelInfo
	if p.LogLevel != nil {
		level = logLevels[*p.LogLevel]
	}
	var err error
	if p.Quiet {
		if p.LogLevel != nil && level < slog.LevelWarn {
			err = usagef("-q and --log-level %s: give one or the other (-q is --log-level warn)", *p.LogLevel)
		}
		level = max(level, slog.LevelWarn)
	}
	return newMessages(stderr, p.LogFormat, level), err
}

// pipe is Run but for the failure's message and the linger: it returns
// the metrics server, if it started one, to be closed after that.
func (p *pipeCmd) pipe(g *globals, e *env, log *messages) (served *metricsServer, err error) {
	u, err := parseObjectURL(p.Object)
	if err != nil {
		return nil, err
	}
	log.with(slog.String("bucket", u.Bucket), slog.String("key", u.Key))
	if !p.Layout {
		if v := layoutVerb(u.Key); v != "" {
			return nil, usagef("pipe %s: the key holds %s, which only --layout expands: add --layout (in a layout, %%%% is a literal %%)", u, v)
		}
	}
	mode, err := p.progressMode(e.stderr, log)
	if err != nil {
		return nil, err
	}
	codec := compress.ByExtension(u.Key)
	if p.Compress != "" {
		if codec, err = compress.ByName(p.Compress); err != nil {
			return nil, usagef("--compress %q: want none, gzip, zstd or s2", p.Compress)
		}
	}
	input, err := openInputs(p.Files, e.stdin)
	if err != nil {
		return nil, err
	}
	defer input.Close()
	if p.MetricsAddr != "" {
		if served, err = listenMetrics(p.MetricsAddr, func(msg string) { log.print(metricsServerNote(msg)) }); err != nil {
			return nil, err
		}
		if n := metricsNote(served.addr); served.picked {
			log.always(n) // the only way to find the port
		} else {
			log.print(n)
		}
	}
	conn, err := g.connectWarn(u.Bucket, func(msg string) { log.print(localNote(msg)) })
	if err != nil {
		return served, err
	}
	defer conn.Close()

	// From here on, the first SIGINT or SIGTERM stops the copy, which
	// stores what it read, and a second one abandons that. SIGPIPE from
	// --tee's standard output becomes an error of the write rather than the
	// end of the process.
	sig := watchSignals(p.DrainTimeout)
	defer sig.stop()
	quietBrokenPipe()

	var read atomic.Int64
	monitor := newPipeMonitor(log, u.Bucket, nil, &read, p.WarnAfter, p.RetryFor, mode)
	headCtx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	opts := []ossappend.Option{
		ossappend.WithCodec(codec),
		ossappend.WithFlushSize(int(p.FlushSize)),
		ossappend.WithFlushInterval(p.FlushInterval),
		ossappend.WithRetry(retryFor(p.RetryFor)),
		ossappend.WithErrorHandler(func(err error) {
			if n, ok := reportNote(err, u.Bucket); ok {
				log.print(n)
			}
		}),
	}
	if served != nil {
		opts = append(opts, ossappend.WithObserver(served.collector))
	}
	if log.enabled(slog.LevelDebug) {
		opts = append(opts, ossappend.WithObserver(requestLog{log}))
	}
	if p.Layout {
		opts = append(opts, ossappend.WithKeyLayout())
	}
	if p.Spool != "" {
		opts = append(opts, ossappend.WithSpool(p.Spool), ossappend.WithSpoolLimit(int64(p.SpoolLimit)), ossappend.WithSpoolSync(p.SpoolSync))
	}
	w, err := ossappend.NewWriter(headCtx, conn.client, u.Bucket, u.Key, opts...)
	if err != nil {
		return served, failed("pipe", u, err)
	}
	monitor.w = w
	if st := w.Stats(); st.SpoolRecovered > 0 {
		log.print(spoolNote(p.Spool, st.SpoolRecovered, st.BytesWritten))
	}

	// Shutdown happens once: at the end, or when sig gives up on the drain,
	// which also wakes a Write waiting for a frame.
	shutdown := sync.OnceValue(func() error { return w.Shutdown(sig.drain) })
	stopGiveUp := context.AfterFunc(sig.drain, func() { shutdown() })
	defer stopGiveUp()

	c := &copier{e: &env{ctx: e.ctx, stdin: input, stdout: e.stdout, stderr: e.stderr}, lines: newLineWriter(w, int(p.FlushSize)),
		tee: p.Tee, read: &read, holdLine: p.FlushInterval, lineWait: lineGrace, where: u.String(), say: log.print}
	monitor.start()
	start := time.Now()
	copyErr := c.copy(sig)
	if err := c.lines.Flush(); copyErr == nil {
		copyErr = err
	}
	closeErr := shutdown()
	served.writerClosed()
	monitor.stop()

	st := w.Stats()
	lost := read.Load() - st.BytesStored
	if p.Spool != "" {
		lost = st.Pending // read before, or now: what is in the spool
	}
	switch {
	case p.Spool != "" && lost > 0 && (closeErr != nil || sig.drain.Err() != nil):
		cause := closeErr
		if cause == nil {
			cause = context.Cause(sig.drain)
		}
		return served, failed("pipe", u, fmt.Errorf("%w; %d bytes are kept in the spool %s, and the next pipe --spool %s sends them", cause, lost, p.Spool, p.Spool))
	case sig.drain.Err() != nil && lost > 0:
		return served, failed("pipe", u, fmt.Errorf("%d bytes not stored: %w", lost, context.Cause(sig.drain)))
	case closeErr != nil && lost > 0:
		return served, failed("pipe", u, fmt.Errorf("%w (%d bytes not stored)", closeErr, lost))
	case closeErr != nil:
		return served, failed("pipe", u, closeErr)
	case copyErr != nil:
		return served, failed("pipe", u, copyErr)
	}
	monitor.summary(time.Since(start))
	return served, nil
}

// progressMode is how the flags, the messages' level and format and
// standard error say to show progress: in JSON, only with --progress, as a
// message every 10s.
func (p *pipeCmd) progressMode(stderr io.Writer, log *messages) (progressMode, error) {
	quiet := !log.enabled(slog.LevelInfo)
	switch {
	case quiet && p.Progress != nil && *p.Progress && p.Quiet:
		return noProgress, usagef("-q and --progress: give one or the other")
	case quiet && p.Progress != nil && *p.Progress:
		return noProgress, usagef("--log-level %s and --progress: the progress is printed at level info", *p.LogLevel)
	case quiet, p.Progress != nil && !*p.Progress:
		return noProgress, nil
	case p.LogFormat == formatJSON && p.Progress != nil:
		return progressLines, nil
	case p.LogFormat == formatJSON:
		return noProgress, nil
	case isTerminal(stderr):
		return progressBar, nil
	case p.Progress != nil:
		return progressLines, nil
	}
	return noProgress, nil
}

// layoutVerb returns the first time verb or placeholder of a key layout
// in key, "" if there is none.
func layoutVerb(key string) string {
	for i := 0; i < len(key); i++ {
		switch {
		case key[i] == '%' && i+1 < len(key) && strings.IndexByte("YmdHMS", key[i+1]) >= 0:
			return key[i : i+2]
		case strings.HasPrefix(key[i:], "{host}"):
			return "{host}"
		case strings.HasPrefix(key[i:], "{pid}"):
			return "{pid}"
		}
	}
	return ""
}

// retryFor is the library's retry policy with its time limit set to d.
func retryFor(d time.Duration) retry.Policy {
	r := ossappend.DefaultRetry
	r.MaxElapsed = d
	return r
}
