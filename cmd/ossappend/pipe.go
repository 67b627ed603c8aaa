package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	Quiet         bool          `short:"q" help:"Print nothing on standard error but warnings and errors: no progress, no summary at the end."`
	Progress      *bool         `negatable:"" help:"Show the progress (bytes in, stored, compression ratio, appends): redrawn in place on a terminal, a line every 10s elsewhere. Default: on a terminal only."`

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
only warnings and errors.`
}

// Run copies the input into the object until it ends or a signal comes,
// then stores everything read, in whole lines.
func (p *pipeCmd) Run(g *globals, e *env) error {
	u, err := parseObjectURL(p.Object)
	if err != nil {
		return err
	}
	if !p.Layout {
		if v := layoutVerb(u.Key); v != "" {
			return usagef("pipe %s: the key holds %s, which only --layout expands: add --layout (in a layout, %%%% is a literal %%)", u, v)
		}
	}
	mode, err := p.progressMode(e.stderr)
	if err != nil {
		return err
	}
	codec := compress.ByExtension(u.Key)
	if p.Compress != "" {
		if codec, err = compress.ByName(p.Compress); err != nil {
			return usagef("--compress %q: want none, gzip, zstd or s2", p.Compress)
		}
	}
	input, err := openInputs(p.Files, e.stdin)
	if err != nil {
		return err
	}
	defer input.Close()
	conn, err := g.connect(u.Bucket, e.stderr)
	if err != nil {
		return err
	}
	defer conn.Close()

	// From here on, the first SIGINT or SIGTERM stops the copy, which
	// stores what it read, and a second one abandons that. SIGPIPE from
	// --tee's standard output becomes an error of the write rather than the
	// end of the process.
	sig := watchSignals(p.DrainTimeout)
	defer sig.stop()
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	var read atomic.Int64
	monitor := newPipeMonitor(e.stderr, u.Bucket, nil, &read, p.WarnAfter, p.RetryFor, mode)
	headCtx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	opts := []ossappend.Option{
		ossappend.WithCodec(codec),
		ossappend.WithFlushSize(int(p.FlushSize)),
		ossappend.WithFlushInterval(p.FlushInterval),
		ossappend.WithRetry(retryFor(p.RetryFor)),
		ossappend.WithErrorHandler(func(err error) {
			// What stops the writer comes back from Write or Shutdown;
			// only a move to another key is news here: after a conflict,
			// or past an object a new period cannot append to.
			if errors.Is(err, ossappend.ErrConflict) || errors.Is(err, ossappend.ErrNotAppendable) {
				monitor.warn(urlify(reason(err), u.Bucket))
			}
		}),
	}
	if p.Layout {
		opts = append(opts, ossappend.WithKeyLayout())
	}
	if p.Spool != "" {
		opts = append(opts, ossappend.WithSpool(p.Spool), ossappend.WithSpoolLimit(int64(p.SpoolLimit)), ossappend.WithSpoolSync(p.SpoolSync))
	}
	w, err := ossappend.NewWriter(headCtx, conn.client, u.Bucket, u.Key, opts...)
	if err != nil {
		return failed("pipe", u, err)
	}
	monitor.w = w

	// Shutdown happens once: at the end, or when sig gives up on the drain,
	// which also wakes a Write waiting for a frame.
	shutdown := sync.OnceValue(func() error { return w.Shutdown(sig.drain) })
	stopGiveUp := context.AfterFunc(sig.drain, func() { shutdown() })
	defer stopGiveUp()

	c := &copier{e: &env{ctx: e.ctx, stdin: input, stdout: e.stdout, stderr: e.stderr}, lines: newLineWriter(w, int(p.FlushSize)),
		tee: p.Tee, read: &read, holdLine: p.FlushInterval, lineWait: lineGrace, where: u.String(), warn: monitor.warn}
	monitor.start()
	start := time.Now()
	copyErr := c.copy(sig)
	if err := c.lines.Flush(); copyErr == nil {
		copyErr = err
	}
	closeErr := shutdown()
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
		return failed("pipe", u, fmt.Errorf("%w; %d bytes are kept in the spool %s, and the next pipe --spool %s sends them", cause, lost, p.Spool, p.Spool))
	case sig.drain.Err() != nil && lost > 0:
		return failed("pipe", u, fmt.Errorf("%d bytes not stored: %w", lost, context.Cause(sig.drain)))
	case closeErr != nil && lost > 0:
		return failed("pipe", u, fmt.Errorf("%w (%d bytes not stored)", closeErr, lost))
	case closeErr != nil:
		return failed("pipe", u, closeErr)
	case copyErr != nil:
		return failed("pipe", u, copyErr)
	}
	if !p.Quiet {
		monitor.summary(time.Since(start))
	}
	return nil
}

// progressMode is how the flags and standard error say to show progress.
func (p *pipeCmd) progressMode(stderr io.Writer) (progressMode, error) {
	switch {
	case p.Quiet && p.Progress != nil && *p.Progress:
		return noProgress, usagef("-q and --progress: give one or the other")
	case p.Quiet, p.Progress != nil && !*p.Progress:
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
